package server_test

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/ratmemcache/ratmemcache/engine"
	"github.com/ratmemcache/ratmemcache/memproto/golden"
	"github.com/ratmemcache/ratmemcache/server"
	"github.com/ratmemcache/ratmemcache/server/enginestore"
)

// mapL2 is an in-memory engine.L2 for the server's tiered tests.
type mapL2 struct {
	mu sync.Mutex // protects m
	m  map[string]engine.L2Entry
}

func newMapL2() *mapL2 { return &mapL2{m: map[string]engine.L2Entry{}} }

func (l *mapL2) Get(key string) (engine.L2Entry, bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.m[key]
	e.Value = append([]byte{}, e.Value...)
	return e, ok, nil
}

func (l *mapL2) PutBatch(entries []engine.L2Entry) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range entries {
		// The key may alias the server's read buffer: copy it.
		e.Key = strings.Clone(e.Key)
		e.Value = append([]byte{}, e.Value...)
		l.m[e.Key] = e
	}
	return nil
}

func (l *mapL2) Delete(key string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.m, key)
	return nil
}

func (l *mapL2) Clear() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	clear(l.m)
	return nil
}

func (l *mapL2) Range(fn func(e engine.L2Entry) bool) error {
	l.mu.Lock()
	es := make([]engine.L2Entry, 0, len(l.m))
	for _, e := range l.m {
		es = append(es, e)
	}
	l.mu.Unlock()
	for _, e := range es {
		if !fn(e) {
			break
		}
	}
	return nil
}

func (l *mapL2) Close() error { return nil }

// TestTieredStoreStats serves a Tiered whose L1 is tiny, reads keys back
// through L2 with get and mg, and checks the tier statistics.
func TestTieredStoreStats(t *testing.T) {
	c, err := engine.New(&engine.Config{MaxMemory: 128 << 10, Shards: 2, MaxItemSize: 32 << 10})
	if err != nil {
		t.Fatal(err)
	}
	tc, err := engine.NewTiered(c, newMapL2(), nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := &server.Server{Logger: quiet(), Store: enginestore.NewTiered(tc, func() []server.Stat {
		return []server.Stat{{Name: "ratmemcache_l2_queue_depth", Value: 7}}
	})}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close(); tc.Close() })
	conn, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	line := func() string {
		s, err := r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSuffix(s, "\r\n")
	}
	val := strings.Repeat("v", 1000)
	const n = 300
	for i := range n {
		fmt.Fprintf(conn, "set k%d %d 0 %d\r\n%s\r\n", i, i, len(val), val)
		if s := line(); s != "STORED" {
			t.Fatalf("set: %q", s)
		}
	}
	for i := range n {
		fmt.Fprintf(conn, "get k%d\r\n", i)
		if s := line(); s != fmt.Sprintf("VALUE k%d %d %d", i, i, len(val)) {
			t.Fatalf("get k%d: %q", i, s)
		}
		if s := line(); s != val {
			t.Fatalf("get k%d: value %.20q", i, s)
		}
		if s := line(); s != "END" {
			t.Fatalf("get: %q", s)
		}
		fmt.Fprintf(conn, "mg k%d f v\r\n", i)
		if s := line(); s != fmt.Sprintf("VA %d f%d", len(val), i) {
			t.Fatalf("mg k%d: %q", i, s)
		}
		line()
	}
	fmt.Fprintf(conn, "stats\r\n")
	st := map[string]string{}
	for s := line(); s != "END"; s = line() {
		f := strings.Fields(s)
		st[f[1]] = f[2]
	}
	for _, k := range []string{"ratmemcache_l1_hits", "ratmemcache_l2_hits", "ratmemcache_l2_promotions",
		"ratmemcache_l2_write_errors", "ratmemcache_l2_queue_depth"} {
		if _, ok := st[k]; !ok {
			t.Errorf("stats lack %s", k)
		}
	}
	if st["ratmemcache_l2_hits"] == "0" || st["ratmemcache_l2_promotions"] == "0" || st["ratmemcache_l2_queue_depth"] != "7" {
		t.Errorf("tier stats: %v", st)
	}
	if st["get_hits"] != fmt.Sprint(2*n) || st["get_misses"] != "0" {
		t.Errorf("get_hits %s get_misses %s, want %d and 0 (L2 hits are hits)", st["get_hits"], st["get_misses"], 2*n)
	}
}

// casPatterns find CAS uniques in text and meta replies.
var casPatterns = []*regexp.Regexp{
	regexp.MustCompile(`(VALUE \S+ \d+ \d+) \d+`),
	regexp.MustCompile(`( c)\d+`),
	regexp.MustCompile(`(cas=)\d+`),
}

// maskCAS replaces every CAS unique in a text-protocol reply by "#": a
// Tiered starts its uniques at the current time in nanoseconds (so that
// they stay unique across restarts) where memcached starts at 1.
func maskCAS(b []byte) []byte {
	for _, re := range casPatterns {
		b = re.ReplaceAll(b, []byte("$1 #"))
	}
	return b
}

// TestGoldenAgainstTieredServer replays memcached's text and meta
// transcripts against a server over a Tiered cache: with an L2 attached
// the replies must stay memcached's, CAS uniques aside.
func TestGoldenAgainstTieredServer(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "memproto", "testdata", "golden", "*.golden"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, path := range files {
		conv, err := golden.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if conv.Binary {
			continue // uniques sit in binary headers
		}
		t.Run(filepath.Base(path), func(t *testing.T) {
			addr := startEngineServerTier(t, conv.ServerArgs, true)
			res, err := conv.Run(addr)
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range res {
				e := conv.Exchanges[i]
				if got, want := maskCAS(r.Reply), maskCAS(e.Reply); !bytes.Equal(got, want) || r.Closed != e.Closed {
					t.Errorf("%s:%d %s:\n request %q\n got     %q (closed=%v)\n want    %q (closed=%v)",
						path, e.Line, e.Name, e.Request, got, r.Closed, want, e.Closed)
				}
			}
		})
	}
}
