package server

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

// idleConnBuffers waits until the server's only connection is idle and
// reports what it still holds.
func idleConnBuffers(t *testing.T, srv *Server) (reader bool, small bool, big bool, scratch int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		srv.mu.Lock()
		for c := range srv.conns {
			c.mu.Lock()
			if c.state.Load() == stateIdle {
				reader, small, big = c.br != nil, c.bw.small != nil, c.bw.big != nil
				if h, ok := c.p.(*textHandler); ok {
					scratch = max(cap(h.val.b), cap(h.out))
				}
				c.mu.Unlock()
				srv.mu.Unlock()
				return
			}
			c.mu.Unlock()
		}
		srv.mu.Unlock()
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("connection never went idle")
	return
}

// An idle connection holds no read buffer, no reply buffer and no
// scratch buffer grown by a large value, and still serves the requests
// that follow, including one split across the idle read and the lent
// buffer.
func TestIdleConnectionHoldsNoBuffers(t *testing.T) {
	st := newLifecycleStore()
	srv := &Server{Store: st, Logger: quietLogger()}
	addr, _ := startServer(t, srv)
	t.Cleanup(func() { srv.Close() })
	c, r := dial(t, addr)

	big := strings.Repeat("v", 300<<10)
	st.data["big"] = big
	if _, err := fmt.Fprintf(c, "set big 0 0 %d\r\n%s\r\n", len(big), big); err != nil {
		t.Fatal(err)
	}
	if line, _ := r.ReadString('\n'); line != "STORED\r\n" {
		t.Fatalf("set: %q", line)
	}
	if _, err := io.WriteString(c, "get big\r\n"); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("VALUE big 0 %d\r\n%s\r\nEND\r\n", len(big), big)
	got := make([]byte, len(want))
	if _, err := io.ReadFull(r, got); err != nil || string(got) != want {
		t.Fatalf("get big: %v, %d bytes", err, len(got))
	}
	reader, small, bigBuf, scratch := idleConnBuffers(t, srv)
	if reader || small || bigBuf || scratch > scratchKeep {
		t.Fatalf("idle connection holds: read buffer %v, reply buffer %v, grown reply buffer %v, scratch %d bytes",
			reader, small, bigBuf, scratch)
	}

	// A request longer than the idle read (512 bytes) continues in the
	// lent buffer.
	keys := make([]string, 80)
	for i := range keys {
		keys[i] = fmt.Sprintf("key-%03d", i)
		st.data[keys[i]] = "x"
	}
	line := "get " + strings.Join(keys, " ") + "\r\n"
	if len(line) <= idleReadSize {
		t.Fatalf("test line of %d bytes is not longer than the idle read", len(line))
	}
	if _, err := io.WriteString(c, line); err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		want := "VALUE " + k + " 0 1\r\n"
		if got, _ := r.ReadString('\n'); got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
		if got, _ := r.ReadString('\n'); got != "x\r\n" {
			t.Fatalf("value of %s: %q", k, got)
		}
	}
	if got, _ := r.ReadString('\n'); got != "END\r\n" {
		t.Fatalf("got %q, want END", got)
	}
	if reader, small, _, _ := idleConnBuffers(t, srv); reader || small {
		t.Fatal("buffers kept after the multi-get")
	}
}
