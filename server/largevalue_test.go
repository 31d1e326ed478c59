package server_test

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ratmemcache/ratmemcache/engine"
	"github.com/ratmemcache/ratmemcache/server"
)

// TestLargeValuesConcurrent: connections overwrite large values (sent
// from the cache without a copy, and read through pooled buffers shared
// by all connections) while others read them over the text and binary
// protocols; every value read is one whole value (one repeated byte, of
// the length its flags name), never a mix of two (run with -race).
func TestLargeValuesConcurrent(t *testing.T) {
	srv := &server.Server{}
	addr, _ := startServer(t, srv, &engine.Config{MaxMemory: 64 << 20, Shards: 2, MaxItemSize: 2 << 20})
	sizes := []int{700000, 1000000, 300000, 70000}
	rounds := 12
	if raceEnabled {
		rounds = 4
	}
	// Values written once, read between the others: a reader that wrote
	// into the cache's copy of one (as scratch for the next value) would
	// leave it changed for every later read.
	setup := dialT(t, addr)
	defer setup.Close()
	sr := bufio.NewReader(setup)
	for i, n := range []int{800000, 70000, 900000, 5000} {
		b := byte('A' + i)
		fmt.Fprintf(setup, "set st%d %d 0 %d\r\n%s\r\n", i, n<<8|int(b), n, bytes.Repeat([]byte{b}, n))
		if line, err := sr.ReadString('\n'); err != nil || line != "STORED\r\n" {
			t.Fatalf("set: %q, %v", line, err)
		}
	}
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Go(func() {
			c := dialT(t, addr)
			defer c.Close()
			r := bufio.NewReader(c)
			for i := range rounds * 4 {
				n := sizes[(w+i)%len(sizes)]
				b := byte('a' + (w*7+i)%26)
				key := fmt.Sprint("lv", i%3)
				fmt.Fprintf(c, "set %s %d 0 %d\r\n%s\r\n", key, n<<8|int(b), n, bytes.Repeat([]byte{b}, n))
				if line, err := r.ReadString('\n'); err != nil || line != "STORED\r\n" {
					t.Errorf("set: %q, %v", line, err)
					return
				}
			}
		})
	}
	check := func(flags uint32, v []byte) error {
		n, b := int(flags>>8), byte(flags)
		if len(v) != n || bytes.Count(v, []byte{b}) != n {
			return fmt.Errorf("value of %d bytes, flags %#x: not %d bytes of %q", len(v), flags, n, b)
		}
		return nil
	}
	for range 2 { // text readers, get and multi-get
		wg.Go(func() {
			c := dialT(t, addr)
			defer c.Close()
			r := bufio.NewReader(c)
			for range rounds * 6 {
				fmt.Fprintf(c, "get st0 st1 lv0 st2 st3 lv1 st0 lv2 st1\r\n")
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						t.Error(err)
						return
					}
					if line == "END\r\n" {
						break
					}
					f := strings.Fields(line)
					if len(f) != 4 || f[0] != "VALUE" {
						t.Errorf("reply line %q", line)
						return
					}
					flags, _ := strconv.ParseUint(f[2], 10, 32)
					n, _ := strconv.Atoi(f[3])
					v := make([]byte, n+2)
					if _, err := io.ReadFull(r, v); err != nil {
						t.Error(err)
						return
					}
					if err := check(uint32(flags), v[:n]); err != nil {
						t.Error(err)
						return
					}
				}
			}
		})
	}
	wg.Go(func() { // a binary reader
		c := dialT(t, addr)
		defer c.Close()
		for i := range rounds * 6 {
			key := fmt.Sprint("lv", i%3)
			if i%2 == 1 {
				key = fmt.Sprint("st", i%4)
			}
			req := make([]byte, 24+len(key))
			req[0], req[1] = 0x80, 0x00 // GET
			binary.BigEndian.PutUint16(req[2:], uint16(len(key)))
			binary.BigEndian.PutUint32(req[8:], uint32(len(key)))
			copy(req[24:], key)
			if _, err := c.Write(req); err != nil {
				t.Error(err)
				return
			}
			var hd [24]byte
			if _, err := io.ReadFull(c, hd[:]); err != nil {
				t.Error(err)
				return
			}
			body := make([]byte, binary.BigEndian.Uint32(hd[8:]))
			if _, err := io.ReadFull(c, body); err != nil {
				t.Error(err)
				return
			}
			if status := binary.BigEndian.Uint16(hd[6:]); status == 1 { // not yet set
				continue
			} else if status != 0 || hd[4] != 4 {
				t.Errorf("binary get: status %d, extras %d", status, hd[4])
				return
			}
			if err := check(binary.BigEndian.Uint32(body[:4]), body[4:]); err != nil {
				t.Error(err)
				return
			}
		}
	})
	wg.Wait()
}

func dialT(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	_ = c.SetDeadline(time.Now().Add(60 * time.Second))
	return c
}
