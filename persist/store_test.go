package persist_test

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ratmemcache/ratmemcache/engine"
	"github.com/ratmemcache/ratmemcache/persist"
)

func open(t testing.TB, dir string, o persist.Options) *persist.Store {
	t.Helper()
	s, err := persist.Open(dir, o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func mustGet(t *testing.T, s *persist.Store, key string) engine.L2Entry {
	t.Helper()
	e, ok, err := s.Get(key)
	if err != nil || !ok {
		t.Fatalf("Get(%q) = ok %v, err %v", key, ok, err)
	}
	return e
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.NewChaCha8([32]byte{1}).Read(b)
	return b
}

func compressible(n int) []byte {
	return bytes.Repeat([]byte("ratmemcache compressible value "), n/31+1)[:n]
}

func TestStore_RoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts persist.Options
	}{
		{"compression", persist.Options{}},
		{"compression-hc", persist.Options{CompressionLevel: 9}},
		{"no-compression", persist.Options{DisableCompression: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t, t.TempDir(), tc.opts)
			rnd := randomBytes(5000)
			entries := []engine.L2Entry{
				{Key: "small", Value: []byte("v"), Flags: 7, CAS: 1},
				{Key: "empty", Value: nil, Flags: 0, CAS: 2},
				{Key: "big", Value: compressible(100000), Flags: 1 << 31, Expiry: 0, CAS: 1 << 60},
				{Key: "random", Value: rnd, CAS: 3},
				{Key: "ttl", Value: []byte("x"), Expiry: time.Now().Unix() + 3600, CAS: 4},
			}
			if err := s.PutBatch(entries); err != nil {
				t.Fatal(err)
			}
			for _, want := range entries {
				got := mustGet(t, s, want.Key)
				if !bytes.Equal(got.Value, want.Value) || got.Flags != want.Flags || got.Expiry != want.Expiry || got.CAS != want.CAS {
					t.Errorf("%s: got %+v", want.Key, got.Flags)
				}
			}
			st := s.Stats()
			if st.Puts != 5 || st.Items != 5 || st.Hits != 5 {
				t.Errorf("stats %+v", st)
			}
			if tc.opts.DisableCompression {
				if st.Compressed != 0 || st.CompressionRatio != 1 {
					t.Errorf("compressed with compression off: %+v", st)
				}
			} else if st.Compressed != 1 || st.CompressionRatio < 5 {
				t.Errorf("want only big compressed, ratio > 5: %+v", st)
			}
			if _, ok, _ := s.Get("absent"); ok {
				t.Error("absent key found")
			}
		})
	}
}

// fakeClock is a settable clock for expiry tests.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func TestStore_Expiry(t *testing.T) {
	clk := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	s := open(t, t.TempDir(), persist.Options{Now: clk.Now, CleanupInterval: -1})
	now := clk.Now().Unix()
	err := s.PutBatch([]engine.L2Entry{
		{Key: "short", Value: []byte("a"), Expiry: now + 10},
		{Key: "long", Value: []byte("b"), Expiry: now + 100},
		{Key: "never", Value: []byte("c")},
		{Key: "past", Value: []byte("d"), Expiry: now},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.Get("past"); ok {
		t.Error("an entry whose expiry second has come must be a miss")
	}
	mustGet(t, s, "short")
	clk.Add(10 * time.Second)
	if _, ok, _ := s.Get("short"); ok {
		t.Error("short not expired at its expiry second")
	}
	mustGet(t, s, "long")
	var keys []string
	if err := s.Range(func(e engine.L2Entry) bool { keys = append(keys, e.Key); return true }); err != nil {
		t.Fatal(err)
	}
	if strings.Join(keys, ",") != "long,never" {
		t.Errorf("Range saw %v, want long,never", keys)
	}
}

func TestStore_CleanerPurgesExpired(t *testing.T) {
	clk := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	s := open(t, t.TempDir(), persist.Options{Now: clk.Now, CleanupInterval: 5 * time.Millisecond, CleanupBatch: 7})
	now := clk.Now().Unix()
	var es []engine.L2Entry
	for i := range 50 {
		es = append(es, engine.L2Entry{Key: fmt.Sprintf("k%02d", i), Value: []byte("v"), Expiry: now + 1})
	}
	es = append(es, engine.L2Entry{Key: "keep", Value: []byte("v")})
	if err := s.PutBatch(es); err != nil {
		t.Fatal(err)
	}
	clk.Add(2 * time.Second)
	deadline := time.Now().Add(5 * time.Second)
	for s.Stats().Items != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("cleaner did not purge: %+v", s.Stats())
		}
		time.Sleep(5 * time.Millisecond)
	}
	st := s.Stats()
	if st.Expired != 50 || st.Transactions < 50/7 {
		t.Errorf("want 50 purged in bounded ticks of 7: %+v", st)
	}
	mustGet(t, s, "keep")
}

func TestStore_RangeDeleteClear(t *testing.T) {
	s := open(t, t.TempDir(), persist.Options{})
	const n = 1000 // more than one Range chunk
	var es []engine.L2Entry
	for i := range n {
		es = append(es, engine.L2Entry{Key: fmt.Sprintf("key-%04d", i), Value: []byte(fmt.Sprint(i)), CAS: uint64(i)})
	}
	if err := s.PutBatch(es); err != nil {
		t.Fatal(err)
	}
	seen := 0
	err := s.Range(func(e engine.L2Entry) bool {
		if e.Key != fmt.Sprintf("key-%04d", seen) || string(e.Value) != fmt.Sprint(seen) || e.CAS != uint64(seen) {
			t.Fatalf("Range entry %d = %q %q", seen, e.Key, e.Value)
		}
		seen++
		// The Store is usable from inside fn.
		if seen == 300 {
			if err := s.Delete("key-0999"); err != nil {
				t.Fatal(err)
			}
		}
		return true
	})
	if err != nil || seen != n-1 {
		t.Fatalf("Range saw %d, err %v", seen, err)
	}
	stopped := 0
	_ = s.Range(func(engine.L2Entry) bool { stopped++; return stopped < 10 })
	if stopped != 10 {
		t.Errorf("Range did not stop when fn returned false: %d calls", stopped)
	}
	if err := s.Delete("absent"); err != nil {
		t.Errorf("Delete(absent) = %v", err)
	}
	if err := s.Clear(); err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.Items != 0 || st.LiveBytes != 0 {
		t.Errorf("after Clear: %+v", st)
	}
	if _, ok, _ := s.Get("key-0001"); ok {
		t.Error("found after Clear")
	}
	if err := s.Put(engine.L2Entry{Key: "after", Value: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	mustGet(t, s, "after")
}

func TestStore_ReopenPersists(t *testing.T) {
	for _, d := range []persist.Durability{persist.DurabilitySync, persist.DurabilityInterval, persist.DurabilityNone} {
		t.Run(d.String(), func(t *testing.T) {
			dir := t.TempDir()
			s, err := persist.Open(dir, persist.Options{Durability: d})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.PutBatch([]engine.L2Entry{{Key: "a", Value: compressible(4000), Flags: 3, CAS: 9}, {Key: "b", Value: []byte("2")}}); err != nil {
				t.Fatal(err)
			}
			if err := s.Delete("b"); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Errorf("second Close = %v", err)
			}
			if _, _, err := s.Get("a"); !errors.Is(err, persist.ErrClosed) {
				t.Errorf("Get after Close = %v", err)
			}
			if err := s.Put(engine.L2Entry{Key: "a"}); !errors.Is(err, persist.ErrClosed) {
				t.Errorf("Put after Close = %v", err)
			}
			s = open(t, dir, persist.Options{})
			e := mustGet(t, s, "a")
			if !bytes.Equal(e.Value, compressible(4000)) || e.Flags != 3 || e.CAS != 9 {
				t.Errorf("after reopen: %+v", e.Flags)
			}
			if _, ok, _ := s.Get("b"); ok {
				t.Error("deleted key back after reopen")
			}
			if st := s.Stats(); st.Items != 1 {
				t.Errorf("Items after reopen = %d", st.Items)
			}
		})
	}
}

func TestStore_ClearOnStartupAndCompact(t *testing.T) {
	dir := t.TempDir()
	s, err := persist.Open(dir, persist.Options{DisableCompression: true})
	if err != nil {
		t.Fatal(err)
	}
	val := make([]byte, 10000)
	for i := range 500 {
		if err := s.Put(engine.L2Entry{Key: fmt.Sprint("k", i), Value: val}); err != nil {
			t.Fatal(err)
		}
	}
	big := s.Stats().FileBytes
	for i := range 490 {
		_ = s.Delete(fmt.Sprint("k", i))
	}
	if err := s.Compact(); err != nil {
		t.Fatal(err)
	}
	small := s.Stats().FileBytes
	if small >= big/2 {
		t.Errorf("Compact: file %d -> %d bytes", big, small)
	}
	mustGet(t, s, "k495")
	if err := s.Put(engine.L2Entry{Key: "post", Value: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	mustGet(t, s, "post")
	_ = s.Close()
	if _, err := os.Stat(filepath.Join(dir, persist.DefaultFileName+".compact")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("compaction left its temporary file: %v", err)
	}

	s = open(t, dir, persist.Options{ClearOnStartup: true})
	if _, ok, _ := s.Get("k495"); ok {
		t.Error("ClearOnStartup kept data")
	}
	if st := s.Stats(); st.Items != 0 || st.FileBytes > small {
		t.Errorf("after ClearOnStartup: %+v", st)
	}
}

func TestStore_MaxDiskSizeEvictsExpiredThenOldest(t *testing.T) {
	clk := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	s := open(t, t.TempDir(), persist.Options{MaxDiskSize: 20000, DisableCompression: true, Now: clk.Now, CleanupInterval: -1})
	now := clk.Now().Unix()
	val := make([]byte, 1000)
	for i := range 10 {
		exp := int64(0)
		if i == 5 {
			exp = now + 1
		}
		if err := s.Put(engine.L2Entry{Key: fmt.Sprint("k", i), Value: val, Expiry: exp}); err != nil {
			t.Fatal(err)
		}
	}
	clk.Add(5 * time.Second) // k5 expired
	for i := 10; i < 30; i++ {
		if err := s.Put(engine.L2Entry{Key: fmt.Sprint("k", i), Value: val}); err != nil {
			t.Fatal(err)
		}
		if st := s.Stats(); st.LiveBytes > 20000 {
			t.Fatalf("LiveBytes %d over MaxDiskSize", st.LiveBytes)
		}
	}
	st := s.Stats()
	if st.Expired != 1 || st.Evictions == 0 {
		t.Errorf("want the expired entry evicted first, then oldest: %+v", st)
	}
	if _, ok, _ := s.Get("k0"); ok {
		t.Error("oldest entry k0 survived")
	}
	mustGet(t, s, "k29")
	// Rewriting k1 makes it the most recently written.
	err := s.Put(engine.L2Entry{Key: "too-big", Value: make([]byte, 30000)})
	if !errors.Is(err, persist.ErrTooLarge) {
		t.Errorf("entry over MaxDiskSize: %v", err)
	}
}

func TestStore_ConcurrentGroupCommit(t *testing.T) {
	s := open(t, t.TempDir(), persist.Options{Durability: persist.DurabilitySync})
	var wg sync.WaitGroup
	const writers, per = 16, 50
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range per {
				k := fmt.Sprintf("w%d-%d", w, i)
				if err := s.Put(engine.L2Entry{Key: k, Value: []byte(k)}); err != nil {
					t.Error(err)
					return
				}
				if e, ok, err := s.Get(k); !ok || err != nil || string(e.Value) != k {
					t.Errorf("read-your-write %s: %v %v", k, ok, err)
				}
			}
		}()
	}
	wg.Wait()
	st := s.Stats()
	if st.Puts != writers*per {
		t.Errorf("Puts = %d", st.Puts)
	}
	t.Logf("%d puts in %d transactions", st.Puts, st.Transactions)
}

func TestStore_InvalidInput(t *testing.T) {
	s := open(t, t.TempDir(), persist.Options{})
	if err := s.Put(engine.L2Entry{Key: ""}); !errors.Is(err, persist.ErrInvalidKey) {
		t.Errorf("empty key: %v", err)
	}
	if err := s.Put(engine.L2Entry{Key: strings.Repeat("k", persist.MaxKeySize+1)}); !errors.Is(err, persist.ErrInvalidKey) {
		t.Errorf("long key: %v", err)
	}
	if _, err := persist.Open(t.TempDir(), persist.Options{CompressionLevel: 12}); !errors.Is(err, persist.ErrInvalidOptions) {
		t.Errorf("level 12: %v", err)
	}
	if _, err := persist.ParseDurability("fast"); err == nil {
		t.Error("ParseDurability(fast) accepted")
	}
	for _, s := range []string{"sync", "interval", "none"} {
		d, err := persist.ParseDurability(s)
		if err != nil || d.String() != s {
			t.Errorf("ParseDurability(%s) = %v, %v", s, d, err)
		}
	}
}
