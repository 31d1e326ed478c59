package server_test

import (
	"bufio"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ratmemcache/ratmemcache/engine"
	"github.com/ratmemcache/ratmemcache/memproto"
	"github.com/ratmemcache/ratmemcache/memproto/memcachedtest"
	"github.com/ratmemcache/ratmemcache/server"
	"github.com/ratmemcache/ratmemcache/server/enginestore"
)

// client is a tiny line-oriented test client.
type client struct {
	t *testing.T
	c net.Conn
	r *bufio.Reader
}

func dialClient(t *testing.T, addr string) *client {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	return &client{t: t, c: c, r: bufio.NewReader(c)}
}

func (c *client) send(s string) {
	c.t.Helper()
	if _, err := io.WriteString(c.c, s); err != nil {
		c.t.Fatal(err)
	}
}

// lines reads reply lines until one equals (or, for a prefix ending in
// a space, starts with) last, and returns them all.
func (c *client) until(last string) []string {
	c.t.Helper()
	var out []string
	for {
		l, err := c.r.ReadString('\n')
		if err != nil {
			c.t.Fatalf("reading until %q: %v (got %q)", last, err, out)
		}
		out = append(out, l)
		if l == last {
			return out
		}
	}
}

// stats parses a stats reply into a map.
func (c *client) stats(cmd string) map[string]string {
	c.t.Helper()
	c.send(cmd + "\r\n")
	m := map[string]string{}
	for _, l := range c.until("END\r\n") {
		if l == "END\r\n" {
			break
		}
		f := strings.SplitN(strings.TrimSuffix(l, "\r\n"), " ", 3)
		if len(f) != 3 || f[0] != "STAT" {
			c.t.Fatalf("bad stats line %q", l)
		}
		m[f[1]] = f[2]
	}
	return m
}

func startServer(t *testing.T, srv *server.Server, cfg *engine.Config) (string, *engine.Cache) {
	t.Helper()
	c := useEngine(t, srv, cfg)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return l.Addr().String(), c
}

// useEngine gives srv a store over a new engine cache of cfg (and a quiet
// logger when it has none); the cache is closed when t ends, after srv.
func useEngine(t *testing.T, srv *server.Server, cfg *engine.Config) *engine.Cache {
	t.Helper()
	c, err := engine.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv.Store = enginestore.New(c)
	if srv.Logger == nil {
		srv.Logger = quiet()
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// The stats memcached users and dashboards read, by memcached's names.
var requiredStats = strings.Fields(`pid uptime time version pointer_size rusage_user rusage_system
	curr_connections total_connections rejected_connections cmd_get cmd_set cmd_flush cmd_touch
	get_hits get_misses get_expired get_flushed delete_misses delete_hits incr_misses incr_hits
	decr_misses decr_hits cas_misses cas_hits cas_badval touch_hits touch_misses auth_cmds
	auth_errors bytes_read bytes_written limit_maxbytes threads bytes curr_items total_items
	expired_unfetched evicted_unfetched evictions reclaimed`)

func TestStatsCounters(t *testing.T) {
	addr, _ := startServer(t, &server.Server{}, &engine.Config{MaxMemory: 16 << 20})
	c := dialClient(t, addr)
	c.send("set a 0 0 1\r\n1\r\nget a b\r\ngets a\r\ndelete b\r\nincr a 1\r\ndecr x 1\r\ntouch a 10\r\nflush_all\r\n")
	c.until("OK\r\n")
	st := c.stats("stats")
	for _, name := range requiredStats {
		if _, ok := st[name]; !ok {
			t.Errorf("stats lacks %s", name)
		}
	}
	want := map[string]string{
		"cmd_get": "3", "get_hits": "2", "get_misses": "1", "cmd_set": "1",
		"delete_misses": "1", "incr_hits": "1", "decr_misses": "1", "touch_hits": "1",
		"cmd_touch": "1", "cmd_flush": "1", "curr_connections": "1", "total_connections": "1",
		"limit_maxbytes": strconv.Itoa(16 << 20), "version": server.DefaultVersion,
		"pointer_size": "64",
	}
	for k, v := range want {
		if st[k] != v {
			t.Errorf("stat %s = %q, want %q", k, st[k], v)
		}
	}
	if n, _ := strconv.Atoi(st["bytes_read"]); n < 50 {
		t.Errorf("bytes_read = %s", st["bytes_read"])
	}
	c.send("stats reset\r\n")
	c.until("RESET\r\n")
	st = c.stats("stats")
	if st["cmd_get"] != "0" || st["get_hits"] != "0" || st["total_connections"] != "0" {
		t.Errorf("after stats reset: cmd_get=%s get_hits=%s total_connections=%s", st["cmd_get"], st["get_hits"], st["total_connections"])
	}
}

// Every general stat we report is one memcached reports too (or one of
// our own, clearly prefixed), so dashboards read the same names.
func TestStatsNamesMatchMemcached(t *testing.T) {
	mc := memcachedtest.Start(t)
	theirs := dialClient(t, mc.Addr).stats("stats")
	addr, _ := startServer(t, &server.Server{}, nil)
	ours := dialClient(t, addr).stats("stats")
	for name := range ours {
		if _, ok := theirs[name]; !ok && !strings.HasPrefix(name, "ratmemcache_") {
			t.Errorf("we report %q, memcached %s does not", name, mc.Version)
		}
	}
	for _, name := range requiredStats {
		if _, ok := theirs[name]; !ok {
			t.Errorf("memcached %s does not report %q: the required list is wrong", mc.Version, name)
		}
	}
	settings := dialClient(t, addr).stats("stats settings")
	theirSettings := dialClient(t, mc.Addr).stats("stats settings")
	for name := range settings {
		if _, ok := theirSettings[name]; !ok {
			t.Errorf("stats settings: we report %q, memcached does not", name)
		}
	}
}

func TestStatsSubcommands(t *testing.T) {
	addr, _ := startServer(t, &server.Server{}, nil)
	c := dialClient(t, addr)
	c.send("set a 0 0 1\r\n1\r\n")
	c.until("STORED\r\n")
	if st := c.stats("stats items"); st["items:1:number"] != "1" {
		t.Errorf("stats items: %v", st)
	}
	if st := c.stats("stats slabs"); st["active_slabs"] != "1" {
		t.Errorf("stats slabs: %v", st)
	}
	conns := c.stats("stats conns")
	var listening, parsing int
	for k, v := range conns {
		if strings.HasSuffix(k, ":state") && v == "conn_listening" {
			listening++
		}
		if strings.HasSuffix(k, ":state") && v == "conn_parse_cmd" {
			parsing++
		}
	}
	if listening != 1 || parsing != 1 {
		t.Errorf("stats conns: %v", conns)
	}
	c.send("stats detail on\r\nstats detail dump\r\nstats nonsense\r\n")
	if got := strings.Join(c.until("ERROR\r\n"), ""); got != "OK\r\nEND\r\nERROR\r\n" {
		t.Errorf("stats detail/unknown: %q", got)
	}
}

func TestMetadump(t *testing.T) {
	addr, _ := startServer(t, &server.Server{}, nil)
	c := dialClient(t, addr)
	c.send("set a 0 0 1\r\n1\r\nset b%20c 5 100 2\r\nxx\r\nget a\r\nlru_crawler metadump all\r\n")
	c.until("END\r\n") // STORED STORED VALUE 1 END of the get
	lines := c.until("END\r\n")
	if len(lines) != 3 {
		t.Fatalf("metadump: %q", lines)
	}
	got := map[string]string{}
	for _, l := range lines[:2] {
		if !strings.HasSuffix(l, "\n") || strings.HasSuffix(l, "\r\n") {
			t.Errorf("metadump lines end in a bare newline, as memcached's do: %q", l)
		}
		f := strings.Fields(l)
		got[f[0]] = l
		if len(f) != 7 || !strings.HasPrefix(f[1], "exp=") || !strings.HasPrefix(f[2], "la=") ||
			!strings.HasPrefix(f[3], "cas=") || !strings.HasPrefix(f[4], "fetch=") || f[5] != "cls=1" || !strings.HasPrefix(f[6], "size=") {
			t.Errorf("metadump line %q", l)
		}
	}
	if l := got["key=a"]; !strings.Contains(l, " exp=-1 ") || !strings.Contains(l, " fetch=yes ") {
		t.Errorf("key a: %q", l)
	}
	if l := got["key=b%2520c"]; strings.Contains(l, " exp=-1 ") || !strings.Contains(l, " fetch=no ") {
		t.Errorf("key b%%20c (URI-encoded as memcached does): %q in %q", l, lines)
	}
	c.send("lru_crawler metadump\r\nlru_crawler foo\r\nlru_crawler crawl all\r\n")
	if got := strings.Join(c.until("OK\r\n"), ""); got != "ERROR\r\nERROR\r\nOK\r\n" {
		t.Errorf("lru_crawler errors: %q", got)
	}
}

func TestStreamingGet(t *testing.T) {
	addr, _ := startServer(t, &server.Server{}, nil)
	c := dialClient(t, addr)
	value := strings.Repeat("0123456789abcdef", 2) + "01234567" // 40 bytes
	c.send("set big 5 0 40\r\n" + value + "\r\nstreaming_get big 16\r\nstreaming_get nokey 16\r\nstreaming_get big 1\r\n")
	c.until("STORED\r\n")
	// Read the chunked reply with the codec's client side.
	rr := memproto.NewResponseReader(c.r)
	var resp memproto.Response
	var got []byte
	var kinds []memproto.ResponseKind
	for {
		if err := rr.ReadResponse(&resp); err != nil {
			t.Fatal(err)
		}
		kinds = append(kinds, resp.Kind)
		if resp.Kind == memproto.KindStream && (resp.Size != 40 || resp.Chunks != 3 || resp.Flags != 5) {
			t.Fatalf("stream header: %+v", resp)
		}
		if resp.Kind == memproto.KindChunk {
			got = append(got, resp.Value...)
		}
		if resp.Kind == memproto.KindEnd {
			break
		}
	}
	if string(got) != value || len(kinds) != 5 {
		t.Fatalf("streamed %q in %v", got, kinds)
	}
	if err := rr.ReadResponse(&resp); err != nil || resp.Kind != memproto.KindEnd {
		t.Fatalf("miss: %v %+v", err, resp)
	}
	if err := rr.ReadResponse(&resp); err != nil || resp.Kind != memproto.KindClientError {
		t.Fatalf("bad chunk size: %v %q", err, resp.Line)
	}
}

func TestShutdownCommand(t *testing.T) {
	var called atomic.Bool
	done := make(chan struct{})
	srv := &server.Server{EnableShutdown: true, OnShutdown: func() { called.Store(true); close(done) }}
	addr, _ := startServer(t, srv, nil)
	c := dialClient(t, addr)
	c.send("shutdown\r\n")
	if got := c.until("OK\r\n"); len(got) != 1 {
		t.Fatalf("shutdown: %q", got)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("OnShutdown not called")
	}
	if !called.Load() {
		t.Fatal("OnShutdown not called")
	}
}

func TestCacheMemlimit(t *testing.T) {
	var limits []int64 // what OnMemoryLimit saw
	var mu sync.Mutex
	srv := &server.Server{OnMemoryLimit: func(n int64) { mu.Lock(); limits = append(limits, n); mu.Unlock() }}
	addr, cache := startServer(t, srv, &engine.Config{MaxMemory: 64 << 20, Shards: 4})
	c := dialClient(t, addr)
	c.send("cache_memlimit 32\r\ncache_memlimit 7\r\ncache_memlimit 2000000000\r\ncache_memlimit 32 noreply\r\nversion\r\n")
	got := strings.Join(c.until("VERSION "+server.DefaultVersion+"\r\n"), "")
	want := "OK\r\nMEMLIMIT_TOO_SMALL cannot set maxbytes to less than 8m\r\nMEMLIMIT_ADJUST_FAILED input value is megabytes not bytes\r\nVERSION " + server.DefaultVersion + "\r\n"
	if got != want {
		t.Fatalf("cache_memlimit: %q, want %q", got, want)
	}
	if lim := cache.Stats().LimitMaxBytes; lim != 32<<20 {
		t.Fatalf("limit_maxbytes = %d after cache_memlimit 32", lim)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(limits) != 2 || limits[0] != 32<<20 || limits[1] != 32<<20 {
		t.Fatalf("OnMemoryLimit saw %v: want the two accepted limits of 32 MiB", limits)
	}
}

// Stats groups whose replies do not depend on time or memory layout are
// byte-identical to memcached's.
func TestStatsFixedRepliesMatchMemcached(t *testing.T) {
	mc := memcachedtest.Start(t)
	addr, _ := startServer(t, &server.Server{}, nil)
	for _, req := range []string{
		"stats sizes\r\n", "stats extstore\r\n", "stats detail on\r\n", "stats detail off\r\n",
		"stats detail dump\r\n", "stats detail\r\n", "stats nonsense\r\n", "stats reset\r\n",
		"lru_crawler metadump\r\n", "lru_crawler nonsense\r\n",
	} {
		want := memcachedtest.Exchange(t, mc.Dial(t), []byte(req), 150*time.Millisecond)
		got := memcachedtest.Exchange(t, dialClient(t, addr).c, []byte(req), 150*time.Millisecond)
		if string(got) != string(want) {
			t.Errorf("%q: got %q, memcached %q", req, got, want)
		}
	}
}

// Values larger than the write buffer: the bytes must be exact in a
// single get, a multi-get mixing sizes, and pipelined behind other replies.
func TestLargeValues(t *testing.T) {
	addr, _ := startServer(t, &server.Server{}, nil)
	c := dialClient(t, addr)
	big1 := strings.Repeat("a", 100000)
	big2 := strings.Repeat("b", 20000)
	c.send("set big1 1 0 100000\r\n" + big1 + "\r\nset big2 2 0 20000\r\n" + big2 + "\r\nset small 3 0 1\r\ns\r\n")
	c.until("STORED\r\n")
	c.until("STORED\r\n")
	c.until("STORED\r\n")
	want := "VALUE big1 1 100000\r\n" + big1 + "\r\nEND\r\n"
	c.send("get big1\r\n")
	if got := readN(t, c, len(want)); got != want {
		t.Fatalf("single large get: %d bytes, starts %q", len(got), got[:40])
	}
	want = "VALUE small 3 1\r\ns\r\nVALUE big1 1 100000\r\n" + big1 + "\r\nVALUE big2 2 20000\r\n" + big2 + "\r\nVALUE small 3 1\r\ns\r\nEND\r\n"
	c.send("version\r\nget small big1 big2 small\r\ngets nothing\r\n")
	c.until("VERSION " + server.DefaultVersion + "\r\n")
	if got := readN(t, c, len(want)); got != want {
		t.Fatalf("mixed multi-get: %d bytes, want %d", len(got), len(want))
	}
	if got := c.until("END\r\n"); len(got) != 1 {
		t.Fatalf("after the multi-get: %q", got)
	}
	st := c.stats("stats")
	if n, _ := strconv.Atoi(st["bytes_written"]); n < 220000 {
		t.Fatalf("bytes_written %d does not count the large replies", n)
	}
}

func readN(t *testing.T, c *client, n int) string {
	t.Helper()
	buf := make([]byte, n)
	if _, err := io.ReadFull(c.r, buf); err != nil {
		t.Fatalf("reading %d bytes: %v", n, err)
	}
	return string(buf)
}
