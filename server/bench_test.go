package server_test

import (
	"bufio"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/ratmemcache/ratmemcache/server"
)

// benchPipeline sends batches of identical requests over one loopback
// connection and reads the replies, so allocations per op are the
// server's (the client reuses its buffers).
func benchPipeline(b *testing.B, setup, req, reply string) {
	addr, _ := startServer(&testing.T{}, &server.Server{}, nil)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReaderSize(c, 64<<10)
	if setup != "" {
		io.WriteString(c, setup)
		if _, err := r.ReadString('\n'); err != nil {
			b.Fatal(err)
		}
	}
	const batch = 64
	out := []byte(strings.Repeat(req, batch))
	want := len(reply) * batch
	buf := make([]byte, want)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += batch {
		if _, err := c.Write(out); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(r, buf); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if string(buf[:len(reply)]) != reply {
		b.Fatalf("reply %q, want %q", buf[:len(reply)], reply)
	}
}

func BenchmarkServerGetHit(b *testing.B) {
	v := strings.Repeat("v", 100)
	benchPipeline(b, "set key:0000000001 0 0 100\r\n"+v+"\r\n", "get key:0000000001\r\n",
		"VALUE key:0000000001 0 100\r\n"+v+"\r\nEND\r\n")
}

func BenchmarkServerSet(b *testing.B) {
	v := strings.Repeat("v", 100)
	benchPipeline(b, "", "set key:0000000001 0 0 100\r\n"+v+"\r\n", "STORED\r\n")
}

func BenchmarkServerBinaryGetHit(b *testing.B) {
	// Set through the text protocol first would fix the connection to
	// text; use a binary set instead.
	v := strings.Repeat("v", 100)
	set := "\x80\x01\x00\x03\x08\x00\x00\x00\x00\x00\x00\x6f\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00key" + v
	get := "\x80\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00key"
	addr, _ := startServer(&testing.T{}, &server.Server{}, nil)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, set)
	hdr := make([]byte, 24)
	if _, err := io.ReadFull(c, hdr); err != nil || hdr[7] != 0 {
		b.Fatalf("binary set: %v %x", err, hdr)
	}
	const batch = 64
	out := []byte(strings.Repeat(get, batch))
	buf := make([]byte, (24+4+100)*batch)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += batch {
		c.Write(out)
		if _, err := io.ReadFull(c, buf); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkServerGet10(b *testing.B) {
	v := strings.Repeat("v", 100)
	var setup, keys, reply strings.Builder
	for i := range 10 {
		k := "key:000000000" + string(rune('0'+i))
		setup.WriteString("set " + k + " 0 0 100 noreply\r\n" + v + "\r\n")
		keys.WriteString(" " + k)
		reply.WriteString("VALUE " + k + " 0 100\r\n" + v + "\r\n")
	}
	reply.WriteString("END\r\n")
	setup.WriteString("version\r\n")
	benchPipeline(b, setup.String(), "get"+keys.String()+"\r\n", reply.String())
}
