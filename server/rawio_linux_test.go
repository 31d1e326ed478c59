//go:build linux && !race

package server

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"
)

// tcpPair returns the two ends of a loopback TCP connection; the server
// end is wrapped in a rawIO.
func tcpPair(t *testing.T) (*net.TCPConn, *rawIO, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	sc, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close(); sc.Close() })
	raw := newRawIO(sc)
	if raw == nil {
		t.Fatal("newRawIO returned nil for a TCP connection")
	}
	return sc.(*net.TCPConn), raw, client
}

func TestRawIOReadWrite(t *testing.T) {
	_, raw, client := tcpPair(t)
	if _, err := client.Write([]byte("get k\r\n")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	n, err := raw.Read(buf)
	if err != nil || string(buf[:n]) != "get k\r\n" {
		t.Fatalf("Read = %q, %v", buf[:n], err)
	}
	if n, err := raw.Write([]byte("END\r\n")); n != 5 || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	got := make([]byte, 5)
	if _, err := io.ReadFull(client, got); err != nil || string(got) != "END\r\n" {
		t.Fatalf("client read %q, %v", got, err)
	}
	if n, err := raw.Read(nil); n != 0 || err != nil {
		t.Fatalf("Read(nil) = %d, %v", n, err)
	}
}

// TestRawIOWaited checks that a Read reports whether it had to wait in
// the poller, which the server's yield before idle reads relies on.
func TestRawIOWaited(t *testing.T) {
	_, raw, client := tcpPair(t)
	buf := make([]byte, 64)
	if _, err := client.Write([]byte("ready")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond) // let the bytes arrive
	if _, err := raw.Read(buf); err != nil || raw.waited {
		t.Fatalf("Read of waiting bytes: err %v, waited %v", err, raw.waited)
	}
	go func() {
		time.Sleep(20 * time.Millisecond)
		_, _ = client.Write([]byte("late"))
	}()
	if n, err := raw.Read(buf); err != nil || string(buf[:n]) != "late" || !raw.waited {
		t.Fatalf("Read that waited: %q, err %v, waited %v", buf[:n], err, raw.waited)
	}
}

// TestRawIOLargeWrites sends more than the socket buffers hold, so the
// writes meet EAGAIN and wait for the poller, while the peer reads slowly.
func TestRawIOLargeWrites(t *testing.T) {
	_, raw, client := tcpPair(t)
	const size = 16 << 20
	a := bytes.Repeat([]byte("abcdefgh"), size/8)
	b := bytes.Repeat([]byte("12345678"), size/16)
	done := make(chan []byte)
	go func() {
		var got bytes.Buffer
		buf := make([]byte, 4096)
		for got.Len() < 2*size+size/2 {
			n, err := client.Read(buf)
			got.Write(buf[:n])
			if err != nil {
				break
			}
		}
		done <- got.Bytes()
	}()
	if n, err := raw.Write(a); n != size || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	bufs := net.Buffers{a[:10], nil, a[10:], b}
	if n, err := raw.writeBuffers(&bufs); n != size+size/2 || err != nil || len(bufs) != 0 {
		t.Fatalf("writeBuffers = %d, %v, %d buffers left", n, err, len(bufs))
	}
	got := <-done
	want := append(append(append([]byte{}, a...), a...), b...)
	if !bytes.Equal(got, want) {
		t.Fatalf("peer got %d bytes, want %d (first difference at %d)", len(got), len(want), firstDiff(got, want))
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func TestRawIOEndAndErrors(t *testing.T) {
	sc, raw, client := tcpPair(t)
	buf := make([]byte, 16)

	// A read deadline ends a wait as net.Conn's Read does.
	_ = sc.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	if _, err := raw.Read(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Read past the deadline: %v", err)
	}
	_ = sc.SetReadDeadline(time.Time{})

	// The peer closing is io.EOF.
	client.Close()
	if n, err := raw.Read(buf); n != 0 || err != io.EOF {
		t.Fatalf("Read after the peer closed = %d, %v", n, err)
	}
	// Writing to a closed peer fails with an error, never a panic or a
	// short count without one.
	var err error
	for range 100 {
		if _, err = raw.Write(make([]byte, 64<<10)); err != nil {
			break
		}
	}
	if err == nil {
		t.Fatal("writes to a closed peer kept succeeding")
	}

	// Closing our end wakes a blocked reader with net.ErrClosed.
	sc2, raw2, _ := tcpPair(t)
	errc := make(chan error)
	go func() {
		_, err := raw2.Read(buf)
		errc <- err
	}()
	time.Sleep(20 * time.Millisecond)
	sc2.Close()
	if err := <-errc; !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Read on a closed connection: %v", err)
	}
}

func TestRawIONoAllocs(t *testing.T) {
	_, raw, client := tcpPair(t)
	msg := []byte("get key\r\n")
	buf := make([]byte, 64)
	vec := make(net.Buffers, 0, 2)
	allocs := testing.AllocsPerRun(200, func() {
		if _, err := client.Write(msg); err != nil {
			t.Fatal(err)
		}
		if _, err := raw.Read(buf); err != nil {
			t.Fatal(err)
		}
		if _, err := raw.Write(msg); err != nil {
			t.Fatal(err)
		}
		bufs := append(vec[:0], msg[:3], msg[3:])
		if _, err := raw.writeBuffers(&bufs); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(client, buf[:2*len(msg)]); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per read+write+writev", allocs)
	}
}

func TestConsumeBuffers(t *testing.T) {
	bufs := net.Buffers{[]byte("ab"), []byte("cde"), []byte("f")}
	consumeBuffers(&bufs, 3)
	if len(bufs) != 2 || string(bufs[0]) != "de" || string(bufs[1]) != "f" {
		t.Fatalf("after 3 bytes: %q", bufs)
	}
	consumeBuffers(&bufs, 3)
	if len(bufs) != 0 {
		t.Fatalf("after all bytes: %q", bufs)
	}
}
