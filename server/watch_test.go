package server_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ratmemcache/ratmemcache/engine"
	"github.com/ratmemcache/ratmemcache/memproto/memcachedtest"
	"github.com/ratmemcache/ratmemcache/server"
)

// watchLines opens a watcher on addr for kinds, runs script on another
// connection, and returns the log lines that arrive until none has for
// quiet, with the fields that differ between servers (time, log id,
// connection number, slab class) masked.
func watchLines(t *testing.T, addr, kinds string, script []string, quiet time.Duration) []string {
	t.Helper()
	w, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	wr := bufio.NewReader(w)
	fmt.Fprintf(w, "watch %s\r\n", kinds)
	if l, err := wr.ReadString('\n'); err != nil || l != "OK\r\n" {
		t.Fatalf("watch %s: %q %v", kinds, l, err)
	}
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cr := bufio.NewReader(c)
	for _, req := range script {
		if _, err := c.Write([]byte(req)); err != nil {
			t.Fatal(err)
		}
		// Every request of the script ends with a reply line.
		if _, err := cr.ReadString('\n'); err != nil {
			t.Fatal(err)
		}
		for cr.Buffered() > 0 {
			_, _ = cr.ReadString('\n')
		}
	}
	mask := regexp.MustCompile(`^ts=\d+\.\d+ gid=\d+ |clsid=\d+ |cfd=\d+`)
	var lines []string
	for {
		_ = w.SetReadDeadline(time.Now().Add(quiet))
		l, err := wr.ReadString('\n')
		if err != nil {
			return lines
		}
		lines = append(lines, mask.ReplaceAllString(strings.TrimSuffix(l, "\n"), ""))
	}
}

// TestWatchDifferential watches fetchers and mutations on memcached and on
// our server while a client stores and reads, and compares the log lines
// (time, log id, connection number and slab class masked): every store
// logs the look-up of the key's current item, then its outcome.
func TestWatchDifferential(t *testing.T) {
	script := []string{
		"set a 0 0 1\r\n1\r\n",
		"get a\r\n",
		"get nope\r\n",
		"add a 0 0 1\r\n2\r\n",
		"append a 0 0 2\r\n34\r\n",
		"prepend nope 0 0 2\r\n34\r\n",
		"replace a 5 100 3\r\nabc\r\n",
		"cas a 0 0 1 999\r\nx\r\n",
		"cas nope 0 0 1 1\r\nx\r\n",
		"set key%20with~odd.chars 0 0 1\r\nz\r\n",
		"ms m 2 T60\r\nhi\r\n",
		"mg m v\r\n",
		"mg nope v\r\n",
		"gets a nope\r\n",
	}
	mc := memcachedtest.Start(t)
	want := watchLines(t, mc.Addr, "fetchers mutations", script, 500*time.Millisecond)
	addr, _ := startServer(t, &server.Server{}, nil)
	got := watchLines(t, addr, "fetchers mutations", script, 300*time.Millisecond)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("watch fetchers mutations:\n got:\n%s\n want (memcached):\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(want) < 20 {
		t.Fatalf("memcached logged only %d lines: %q", len(want), want)
	}
}

func TestWatchConnEventsAndEvictions(t *testing.T) {
	srv := &server.Server{}
	cfg := &engine.Config{MaxMemory: 2 << 20, MaxItemSize: 64 << 10, Shards: 1,
		OnEvict: func(key []byte, info engine.RangeInfo) {
			srv.LogEviction(key, info.Fetched, -1, 0, info.Size-engine.ItemHeaderSize-len(key))
		}}
	addr, _ := startServer(t, srv, cfg)

	w, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	wr := bufio.NewReader(w)
	fmt.Fprintf(w, "watch connevents evictions\r\n")
	if l, _ := wr.ReadString('\n'); l != "OK\r\n" {
		t.Fatalf("watch: %q", l)
	}
	next := func() string {
		_ = w.SetReadDeadline(time.Now().Add(5 * time.Second))
		l, err := wr.ReadString('\n')
		if err != nil {
			t.Fatalf("no log line: %v (caller line %d)", err, callerLine())
		}
		return l
	}
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	port := c.LocalAddr().(*net.TCPAddr).Port
	if l := next(); !regexp.MustCompile(fmt.Sprintf(`^ts=\d+\.\d+ gid=\d+ type=conn_new rip=127\.0\.0\.1 rport=%d transport=tcp cfd=\d+\n$`, port)).MatchString(l) {
		t.Fatalf("conn_new line: %q", l)
	}
	val := strings.Repeat("v", 10000)
	for i := range 300 {
		fmt.Fprintf(c, "set k%03d 0 0 %d noreply\r\n%s\r\n", i, len(val), val)
	}
	l := next()
	if !regexp.MustCompile(`^ts=\d+\.\d+ gid=\d+ type=eviction key=k000 fetch=no ttl=-1 la=0 clsid=1 size=10000\n$`).MatchString(l) {
		t.Fatalf("first eviction line: %q", l)
	}
	fmt.Fprintf(c, "quit\r\n")
	for {
		l = next()
		if strings.Contains(l, "type=conn_close") {
			break
		}
	}
	if !regexp.MustCompile(fmt.Sprintf(`type=conn_close rip=127\.0\.0\.1 rport=%d transport=tcp reason=normal cfd=\d+\n$`, port)).MatchString(l) {
		t.Fatalf("conn_close line: %q", l)
	}
	c.Close()

	// A request memcached answers by closing the connection: reason=error.
	c2, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	next() // conn_new
	fmt.Fprintf(c2, "GET / HTTP/1.1\r\n")
	if l := next(); !strings.Contains(l, "type=conn_close") || !strings.Contains(l, "reason=error") {
		t.Fatalf("conn_close after a protocol error: %q", l)
	}

	// stats: one watcher, lines sent, and the watcher's connection state.
	st := dialClient(t, addr).stats("stats")
	if st["log_watchers"] != "1" || st["log_watcher_sent"] == "0" {
		t.Errorf("stats log_watchers %q log_watcher_sent %q", st["log_watchers"], st["log_watcher_sent"])
	}
}

func TestWatchRefusals(t *testing.T) {
	addr, _ := startServer(t, &server.Server{DisableWatch: true}, nil)
	if got, _ := rawExchange(t, addr, []byte("watch\r\n")); got != "CLIENT_ERROR watch commands not allowed\r\n" {
		t.Errorf("watch with DisableWatch: %q", got)
	}
	addr2, _ := startServer(t, &server.Server{}, nil)
	if got, _ := rawExchange(t, addr2, []byte("watch nonsense\r\n")); got != "ERROR\r\n" {
		t.Errorf("watch nonsense: %q", got)
	}
}

func callerLine() int {
	_, _, line, _ := runtime.Caller(2)
	return line
}

// A graceful Shutdown does not wait for watchers: their stream ends.
func TestWatchEndsOnShutdown(t *testing.T) {
	srv := &server.Server{}
	addr, _ := startServer(t, srv, nil)
	w, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	wr := bufio.NewReader(w)
	fmt.Fprintf(w, "watch\r\n")
	if l, _ := wr.ReadString('\n'); l != "OK\r\n" {
		t.Fatalf("watch: %q", l)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown with a watcher connected: %v", err)
	}
	_ = w.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := wr.ReadString('\n'); err == nil {
		t.Fatal("the watcher's stream goes on after Shutdown")
	}
}
