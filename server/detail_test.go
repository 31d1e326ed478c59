package server_test

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ratmemcache/ratmemcache/memproto"
	"github.com/ratmemcache/ratmemcache/memproto/golden"
	"github.com/ratmemcache/ratmemcache/memproto/memcachedtest"
	"github.com/ratmemcache/ratmemcache/server"
)

// TestStatsDetailDifferential turns per-prefix statistics on, sends the
// same random gets, sets and deletes over many prefixes (and keys with no
// prefix) to memcached and to our server, and requires the same
// "stats detail dump" bytes — memcached's order included, which comes
// from its hash of each prefix. Then stats reset and detail off.
func TestStatsDetailDifferential(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	key := func() string {
		switch r.IntN(10) {
		case 0:
			return fmt.Sprintf("noprefix%d", r.IntN(5))
		case 1:
			return fmt.Sprintf(":leading%d", r.IntN(3)) // empty prefix
		}
		return fmt.Sprintf("user%d:%d", r.IntN(40), r.IntN(5))
	}
	conv := &golden.Conversation{}
	add := func(name, req string) {
		conv.Exchanges = append(conv.Exchanges, &golden.Exchange{Name: name, Request: []byte(req)})
	}
	add("dump while off", "stats detail dump\r\n")
	add("on", "stats detail on\r\n")
	for i := range 300 {
		var req string
		switch r.IntN(4) {
		case 0, 1:
			req = "get " + key() + " " + key() + "\r\n"
		case 2:
			req = fmt.Sprintf("set %s 0 0 1\r\nx\r\n", key())
		default:
			req = "delete " + key() + "\r\n"
		}
		add(fmt.Sprint("op ", i), req)
	}
	add("dump", "stats detail dump\r\n")
	add("settings", "stats detail nonsense\r\n")
	add("off", "stats detail off\r\n")
	add("get while off", "get user1:1\r\n")
	add("dump after off", "stats detail dump\r\n")
	add("reset", "stats reset\r\n")
	add("dump after reset", "stats detail dump\r\n")

	mc := memcachedtest.Start(t)
	if err := conv.Record(mc.Addr); err != nil {
		t.Fatalf("recording from memcached: %v", err)
	}
	dump := string(conv.Exchanges[len(conv.Exchanges)-7].Reply)
	if strings.Count(dump, "PREFIX ") < 30 {
		t.Fatalf("memcached's dump has too few prefixes to test the order:\n%s", dump)
	}
	addr, _ := startServer(t, &server.Server{}, nil)
	for _, d := range conv.Replay(addr) {
		t.Error(d)
	}
}

// TestRestrictionsDifferential compares memcached -F -X (flush_all and
// dumping disabled) with DisableFlushAll and DisableDumping, and the
// argument checks of stats cachedump and the slabs command, byte for
// byte.
func TestRestrictionsDifferential(t *testing.T) {
	conv := &golden.Conversation{}
	for i, req := range []string{
		"set a 0 0 1\r\n1\r\n",
		"flush_all\r\n",
		"flush_all noreply\r\nget a\r\n",
		"flush_all 10\r\n",
		"lru_crawler metadump all\r\n",
		"stats cachedump 1 0\r\n",
		"get a\r\n",
	} {
		conv.Exchanges = append(conv.Exchanges, &golden.Exchange{Name: fmt.Sprint("restricted ", i), Request: []byte(req)})
	}
	mc := memcachedtest.Start(t, "-F", "-X")
	if err := conv.Record(mc.Addr); err != nil {
		t.Fatalf("recording from memcached: %v", err)
	}
	addr, _ := startServer(t, &server.Server{DisableFlushAll: true, DisableDumping: true}, nil)
	for _, d := range conv.Replay(addr) {
		t.Error(d)
	}

	// Without -X: cachedump's argument checks.
	conv = &golden.Conversation{}
	for i, req := range []string{
		"stats cachedump\r\n",
		"stats cachedump 1\r\n",
		"stats cachedump x 1\r\n",
		"stats cachedump 1 -1\r\n",
		"stats cachedump 64 0\r\n",
		"stats cachedump 63 0\r\n",
		"slabs automove invalid\r\n", "slabs automove 1\r\n", "slabs automove 3\r\n",
		"slabs automove 2 noreply\r\n", "slabs automove ratio 0.5\r\n", "slabs automove ratio\r\n",
		"slabs reassign 1 1\r\n", "slabs reassign 1 2\r\n", "slabs reassign -1 2\r\n",
		"slabs reassign 0 2\r\n", "slabs reassign 1 39\r\n", "slabs reassign 1 40\r\n",
		"slabs reassign 1 x\r\n", "slabs\r\n", "slabs foo\r\n", "slabs reassign 1 2 noreply\r\n",
	} {
		conv.Exchanges = append(conv.Exchanges, &golden.Exchange{Name: fmt.Sprint("cachedump ", i), Request: []byte(req)})
	}
	mc2 := memcachedtest.Start(t)
	if err := conv.Record(mc2.Addr); err != nil {
		t.Fatalf("recording from memcached: %v", err)
	}
	addr2, _ := startServer(t, &server.Server{}, nil)
	for _, d := range conv.Replay(addr2) {
		t.Error(d)
	}
}

// rawExchange sends req on a new connection and returns what comes back
// until the server closes the connection or stays silent for 300 ms.
func rawExchange(t *testing.T, addr string, req []byte) (reply string, closed bool) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write(req); err != nil {
		t.Fatal(err)
	}
	var out []byte
	buf := make([]byte, 4096)
	for {
		_ = c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		n, err := c.Read(buf)
		out = append(out, buf[:n]...)
		if err != nil {
			var ne net.Error
			return string(out), !(errors.As(err, &ne) && ne.Timeout())
		}
	}
}

// TestBindingProtocolDifferential compares memcached -B ascii and -B
// binary with Protocol "ascii" and "binary" on requests of either
// protocol: same bytes back, and the same decision to close.
func TestBindingProtocolDifferential(t *testing.T) {
	binGet := []byte{0x80, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 'a'}
	binVersion := []byte{0x80, 0x0b, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	requests := [][]byte{
		[]byte("version\r\n"),
		append(append([]byte{}, binGet...), "\r\n"...),
		[]byte("get a\r\nget b\r\nget c\r\nget d\r\n"),
		binVersion,
	}
	for _, proto := range []string{"ascii", "binary"} {
		t.Run(proto, func(t *testing.T) {
			mc := memcachedtest.Start(t, "-B", proto)
			addr, _ := startServer(t, &server.Server{Protocol: proto, Version: strings.TrimPrefix(mc.Version, "memcached ")}, nil)
			for _, req := range requests {
				want, wantClosed := rawExchange(t, mc.Addr, req)
				got, gotClosed := rawExchange(t, addr, req)
				if got != want || gotClosed != wantClosed {
					t.Errorf("%q: memcached %q (closed %v), ours %q (closed %v)", req, want, wantClosed, got, gotClosed)
				}
			}
		})
	}
}

// TestBinaryStatsDetailAndTooLargeDifferential: binary Stat "detail
// on|dump|off" and "resetX" (memcached matches stat groups by prefix),
// and a Set or SetQ of a too-large value removing the old value, byte for
// byte against memcached.
func TestBinaryStatsDetailAndTooLargeDifferential(t *testing.T) {
	stat := func(group string) []byte {
		return memproto.AppendBinaryRequest(nil, &memproto.BinaryRequest{Header: memproto.BinaryHeader{Opcode: memproto.BinaryOpStat}, Key: []byte(group)})
	}
	set := func(op memproto.BinaryOpcode, key string, n int) []byte {
		return memproto.AppendBinaryRequest(nil, &memproto.BinaryRequest{Header: memproto.BinaryHeader{Opcode: op},
			Extras: make([]byte, 8), Key: []byte(key), Value: bytes.Repeat([]byte("v"), n)})
	}
	get := func(key string) []byte {
		return memproto.AppendBinaryRequest(nil, &memproto.BinaryRequest{Header: memproto.BinaryHeader{Opcode: memproto.BinaryOpGet}, Key: []byte(key)})
	}
	conv := &golden.Conversation{Binary: true}
	for i, req := range [][]byte{
		stat("detail on"),
		set(memproto.BinaryOpSet, "p:a", 3),
		get("p:a"), get("p:b"), get("q:c"),
		stat("detail dump"),
		stat("detail bogus"),
		stat("detail off"),
		stat("resetting"),
		stat("detail dump"),
		set(memproto.BinaryOpSet, "big", 10),
		set(memproto.BinaryOpSet, "big", 2<<20),
		get("big"),
		set(memproto.BinaryOpSet, "bigq", 10),
		set(memproto.BinaryOpSetQ, "bigq", 2<<20),
		get("bigq"),
	} {
		conv.Exchanges = append(conv.Exchanges, &golden.Exchange{Name: fmt.Sprint("binary ", i), Request: req})
	}
	mc := memcachedtest.Start(t)
	if err := conv.Record(mc.Addr); err != nil {
		t.Fatalf("recording from memcached: %v", err)
	}
	addr, _ := startServer(t, &server.Server{}, nil)
	for _, d := range conv.Replay(addr) {
		t.Error(d)
	}
}

// TestStoreFailureAndMetaStatsDifferential: store_too_large,
// store_no_memory and cmd_meta count the same requests as memcached's.
func TestStoreFailureAndMetaStatsDifferential(t *testing.T) {
	big := strings.Repeat("x", 2<<20)
	requests := []struct{ req, last string }{
		{"set a 0 0 1\r\n1\r\n", "STORED\r\n"},
		{fmt.Sprintf("set big 0 0 %d\r\n%s\r\n", len(big), big), "SERVER_ERROR object too large for cache\r\n"},
		{fmt.Sprintf("add big2 0 0 %d noreply\r\n%s\r\n", len(big), big), ""},
		{fmt.Sprintf("ms big3 %d\r\n%s\r\n", len(big), big), "SERVER_ERROR object too large for cache\r\n"},
		{"mg a v\r\n", "1\r\n"},
		{"mg missing v\r\n", "EN\r\n"},
		{"mn\r\n", "MN\r\n"},
		{"me missing\r\n", "EN\r\n"},
		{"me a\r\nmn\r\n", "MN\r\n"},
		{"md a q\r\nmn\r\n", "MN\r\n"},
	}
	mc := memcachedtest.Start(t)
	addr, _ := startServer(t, &server.Server{}, nil)
	names := []string{"store_too_large", "store_no_memory", "cmd_meta", "cmd_set", "get_hits", "get_misses", "delete_hits"}
	var results [2]map[string]string
	for i, a := range []string{mc.Addr, addr} {
		c := dialClient(t, a)
		for _, r := range requests {
			c.send(r.req)
			if r.last != "" {
				c.until(r.last)
			}
		}
		results[i] = c.stats("stats")
	}
	for _, n := range names {
		if results[0][n] != results[1][n] {
			t.Errorf("%s: memcached %q, ours %q", n, results[0][n], results[1][n])
		}
	}
}

// TestIdleKicks: with an idle timeout, stats reports idle_kicks and counts
// the connections the timeout closed (memcached reports it only then).
func TestIdleKicks(t *testing.T) {
	addr, _ := startServer(t, &server.Server{}, nil)
	if _, ok := dialClient(t, addr).stats("stats")["idle_kicks"]; ok {
		t.Fatal("idle_kicks reported without an idle timeout")
	}
	addr, _ = startServer(t, &server.Server{IdleTimeout: 100 * time.Millisecond}, nil)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Fatal("the idle connection was not closed")
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		st := dialClient(t, addr).stats("stats")
		if st["idle_kicks"] == "1" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("idle_kicks %q, want 1", st["idle_kicks"])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestCachedumpDifferential lists the same items as memcached run without
// its LRU maintainer (where cachedump lists a class's every item), in
// memcached's line format; the order may differ.
func TestCachedumpDifferential(t *testing.T) {
	mc := memcachedtest.Start(t, "-o", "no_lru_maintainer,no_lru_crawler")
	addr, _ := startServer(t, &server.Server{}, nil)
	var dumps [2][]string
	for i, a := range []string{mc.Addr, addr} {
		c := dialClient(t, a)
		for _, k := range []string{"foo", "bar", "baz"} {
			c.send("set " + k + " 0 0 5\r\nhello\r\n")
			c.until("STORED\r\n")
		}
		c.send("stats cachedump 1 0\r\n")
		dumps[i] = c.until("END\r\n")
		sort.Strings(dumps[i])
		c.send("stats cachedump 1 2\r\n")
		if got := c.until("END\r\n"); len(got) != 3 {
			t.Errorf("server %d: cachedump 1 2 gave %q, want 2 items and END", i, got)
		}
	}
	if strings.Join(dumps[0], "") != strings.Join(dumps[1], "") {
		t.Errorf("cachedump: memcached %q, ours %q", dumps[0], dumps[1])
	}
}

// TestStatsConnsStatesDifferential: an idle connection, one inside a
// data block, one inside a request line and the one asking are in the
// same states as memcached reports for them.
func TestStatsConnsStatesDifferential(t *testing.T) {
	mc := memcachedtest.Start(t)
	addr, _ := startServer(t, &server.Server{}, nil)
	var states [2][]string
	for i, a := range []string{mc.Addr, addr} {
		idle := dialClient(t, a)
		idle.send("set k 0 0 1\r\nx\r\n")
		idle.until("STORED\r\n")
		for _, partial := range []string{"set foo 0 0 6\r\n", "get fo"} {
			c, err := net.Dial("tcp", a)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if _, err := c.Write([]byte(partial)); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(200 * time.Millisecond)
		asker := dialClient(t, a)
		asker.send("stats conns\r\n")
		for _, l := range asker.until("END\r\n") {
			if f := strings.Fields(l); len(f) == 3 && strings.HasSuffix(f[1], ":state") && f[2] != "conn_listening" {
				states[i] = append(states[i], f[2])
			}
		}
		sort.Strings(states[i])
	}
	if strings.Join(states[0], " ") != strings.Join(states[1], " ") {
		t.Errorf("connection states: memcached %q, ours %q", states[0], states[1])
	}
}

// TestConnYieldsDifferential: with memcached -R 1, six pipelined sets
// yield five times; with MaxReqsPerEvent 1 so do we.
func TestConnYieldsDifferential(t *testing.T) {
	mc := memcachedtest.Start(t, "-R", "1")
	addr, _ := startServer(t, &server.Server{MaxReqsPerEvent: 1}, nil)
	var yields [2]string
	for i, a := range []string{mc.Addr, addr} {
		c := dialClient(t, a)
		c.send(strings.Repeat("set foobar 0 0 5\r\nBubba\r\n", 6))
		for range 6 {
			c.until("STORED\r\n")
		}
		yields[i] = c.stats("stats")["conn_yields"]
	}
	if yields[0] != yields[1] {
		t.Errorf("conn_yields: memcached %s, ours %s", yields[0], yields[1])
	}
}
