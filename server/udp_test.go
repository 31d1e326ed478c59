package server_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/ratmemcache/ratmemcache/engine"
	"github.com/ratmemcache/ratmemcache/memproto"
	"github.com/ratmemcache/ratmemcache/memproto/memcachedtest"
	"github.com/ratmemcache/ratmemcache/server"
	"github.com/ratmemcache/ratmemcache/server/enginestore"
)

// startUDP serves srv on a UDP socket of the loopback interface and
// returns its address.
func startUDP(t *testing.T, srv *server.Server) (string, <-chan error) {
	t.Helper()
	useEngine(t, srv, nil)
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.ServeUDP(pc) }()
	t.Cleanup(func() { srv.Close() })
	return pc.LocalAddr().String(), done
}

// freeUDPPort returns a UDP port of the loopback interface that was free
// a moment ago.
func freeUDPPort(t *testing.T) int {
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	return pc.LocalAddr().(*net.UDPAddr).Port
}

// udpClient sends framed requests and collects the datagrams of replies.
type udpClient struct {
	t *testing.T
	c net.Conn
}

func dialUDP(t *testing.T, addr string) *udpClient {
	t.Helper()
	c, err := net.Dial("udp4", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &udpClient{t: t, c: c}
}

// frame prefixes payload with a frame header.
func frame(id, seq, total uint16, payload []byte) []byte {
	b := binary.BigEndian.AppendUint16(nil, id)
	b = binary.BigEndian.AppendUint16(b, seq)
	b = binary.BigEndian.AppendUint16(b, total)
	b = append(b, 0, 0)
	return append(b, payload...)
}

// exchange sends one datagram and returns every datagram that comes back
// until the reply's announced total has arrived, or none comes for wait.
func (u *udpClient) exchange(dgram []byte, wait time.Duration) [][]byte {
	u.t.Helper()
	if _, err := u.c.Write(dgram); err != nil {
		u.t.Fatal(err)
	}
	var got [][]byte
	buf := make([]byte, 2048)
	for {
		_ = u.c.SetReadDeadline(time.Now().Add(wait))
		n, err := u.c.Read(buf)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return got
			}
			u.t.Fatal(err)
		}
		got = append(got, bytes.Clone(buf[:n]))
		if n >= 8 && len(got) == int(binary.BigEndian.Uint16(buf[4:])) {
			return got
		}
	}
}

// TestUDPDifferential sends the same datagrams to memcached -U and to
// ServeUDP and compares every datagram of every reply byte for byte
// (frame headers included): text and binary requests, a reply split into
// three datagrams, a miss, a multi-datagram request (dropped by both).
func TestUDPDifferential(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789"), 300)
	bin := func(op memproto.BinaryOpcode, key, val string) []byte {
		r := &memproto.BinaryRequest{Header: memproto.BinaryHeader{Opcode: op, Opaque: 77}, Key: []byte(key), Value: []byte(val)}
		if op == memproto.BinaryOpSet {
			r.Extras = make([]byte, 8)
		}
		return memproto.AppendBinaryRequest(nil, r)
	}
	dgrams := [][]byte{
		frame(161, 0, 1, []byte("set foo 0 0 6\r\nfooval\r\n")),
		frame(162, 0, 1, []byte("get foo\r\n")),
		frame(162, 0, 1, []byte("get foo\r\n")),
		frame(53, 0, 1, append(append([]byte("set big 5 0 3000\r\n"), big...), "\r\n"...)),
		frame(54, 0, 1, []byte("get big\r\n")),
		frame(55, 0, 1, []byte("get nothing\r\n")),
		frame(56, 0, 1, []byte("incr foo 1\r\n")),
		frame(57, 0, 1, []byte("delete foo\r\n")),
		frame(58, 0, 1, []byte("bogus\r\n")),
		frame(59, 0, 2, []byte("get big\r\n")), // the first of two datagrams: dropped
		frame(60, 1, 1, []byte("get big\r\n")), // sequence 1 of 1: served
		frame(61, 0, 1, bin(memproto.BinaryOpSet, "bk", "bval")),
		frame(62, 0, 1, bin(memproto.BinaryOpGetK, "bk", "")),
		frame(63, 0, 1, bin(memproto.BinaryOpGet, "nokey", "")),
		frame(64, 0, 1, []byte("mg bk v f\r\n")),
	}
	port := freeUDPPort(t)
	mc := memcachedtest.Start(t, "-U", strconv.Itoa(port))
	host, _, _ := net.SplitHostPort(mc.Addr) // memcachedtest's own loopback address
	theirs := dialUDP(t, net.JoinHostPort(host, strconv.Itoa(port)))
	ourAddr, _ := startUDP(t, &server.Server{})
	ours := dialUDP(t, ourAddr)
	for i, d := range dgrams {
		want := theirs.exchange(d, 300*time.Millisecond)
		got := ours.exchange(d, 300*time.Millisecond)
		if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", want) {
			t.Errorf("datagram %d %q:\n got  %q\n want %q", i, d[8:], got, want)
		}
	}
}

// TestUDPMultiGetOneMessage: memcached 1.6 answers each key of a
// multi-key get as a separate message (each "datagram 0 of 1"), so a
// client cannot tell where the reply ends; ratmemcached sends the whole
// reply as one message, numbered as protocol.txt describes.
func TestUDPMultiGetOneMessage(t *testing.T) {
	addr, _ := startUDP(t, &server.Server{})
	u := dialUDP(t, addr)
	val := bytes.Repeat([]byte("v"), 1000)
	for _, k := range []string{"a", "b", "c"} {
		got := u.exchange(frame(1, 0, 1, fmt.Appendf(nil, "set %s 0 0 %d\r\n%s\r\n", k, len(val), val)), time.Second)
		if len(got) != 1 || string(got[0][8:]) != "STORED\r\n" {
			t.Fatalf("set %s: %q", k, got)
		}
	}
	got := u.exchange(frame(9, 0, 1, []byte("get a b c\r\n")), time.Second)
	var reply []byte
	for seq, d := range got {
		id, s, total := binary.BigEndian.Uint16(d), binary.BigEndian.Uint16(d[2:]), binary.BigEndian.Uint16(d[4:])
		if id != 9 || int(s) != seq || int(total) != len(got) || d[6] != 0 || d[7] != 0 || len(d) > 1400 {
			t.Fatalf("datagram %d of %d: header % x, %d bytes", seq, len(got), d[:8], len(d))
		}
		reply = append(reply, d[8:]...)
	}
	var want []byte
	for _, k := range []string{"a", "b", "c"} {
		want = fmt.Appendf(want, "VALUE %s 0 %d\r\n%s\r\n", k, len(val), val)
	}
	want = append(want, "END\r\n"...)
	if len(got) != 3 || !bytes.Equal(reply, want) {
		t.Errorf("multi-get over UDP: %d datagrams, reply %q", len(got), reply)
	}
}

func TestUDPClose(t *testing.T) {
	srv := &server.Server{}
	_, done := startUDP(t, srv)
	time.Sleep(10 * time.Millisecond) // let ServeUDP start
	srv.Close()
	select {
	case err := <-done:
		if !errors.Is(err, server.ErrServerClosed) {
			t.Errorf("ServeUDP after Close: %v, want ErrServerClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ServeUDP did not return after Close")
	}
}

func TestUDPRefusedWithAuth(t *testing.T) {
	c, err := engine.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &server.Server{Store: enginestore.New(c), SASL: denyAll{}}
	if err := srv.ServeUDP(pc); err == nil {
		t.Fatal("ServeUDP with SASL on: no error")
	}
	if _, err := pc.WriteTo([]byte("x"), pc.LocalAddr()); err == nil {
		t.Error("ServeUDP did not close its socket when it refused")
	}
}

type denyAll struct{}

func (denyAll) Authenticate(user, password []byte) bool { return false }
