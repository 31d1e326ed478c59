package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
)

// memData is the content of a memL2; it outlives a close so that a
// reopened memL2 sees the same entries, as a store on disk would.
type memData struct {
	mu  sync.Mutex // protects m and hot
	m   map[string]L2Entry
	hot []string // saved by hotMemL2
}

// memL2 is an in-memory L2 for tests that keeps the port's contract:
// values are copied in and out, expired entries are absent, Range hands
// out a Value that is overwritten after the call, and nothing works after
// Close. Errors can be injected per operation.
type memL2 struct {
	d   *memData
	now func() int64

	mu     sync.Mutex // protects the fields below
	closed bool
	fail   map[string]error // by operation: "get", "put", "delete", "clear", "range"
	gets   int
	puts   int
}

var errMemClosed = errors.New("memL2: closed")

func newMemL2(now func() int64) *memL2 {
	return &memL2{d: &memData{m: map[string]L2Entry{}}, now: now}
}

// reopen returns a new memL2 over the same data, as after a restart.
func (l *memL2) reopen() *memL2 { return &memL2{d: l.d, now: l.now} }

// inject makes op fail with err (nil to stop failing).
func (l *memL2) inject(op string, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fail == nil {
		l.fail = map[string]error{}
	}
	l.fail[op] = err
}

func (l *memL2) check(op string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return errMemClosed
	}
	switch op {
	case "get":
		l.gets++
	case "put":
		l.puts++
	}
	return l.fail[op]
}

func (l *memL2) live(e L2Entry) bool { return e.Expiry == 0 || e.Expiry > l.now() }

func (l *memL2) Get(key string) (L2Entry, bool, error) {
	if err := l.check("get"); err != nil {
		return L2Entry{}, false, err
	}
	l.d.mu.Lock()
	defer l.d.mu.Unlock()
	e, ok := l.d.m[key]
	if !ok || !l.live(e) {
		return L2Entry{}, false, nil
	}
	e.Value = bytes.Clone(e.Value)
	if e.Value == nil {
		e.Value = []byte{}
	}
	return e, true, nil
}

func (l *memL2) PutBatch(entries []L2Entry) error {
	if err := l.check("put"); err != nil {
		return err
	}
	l.d.mu.Lock()
	defer l.d.mu.Unlock()
	for _, e := range entries {
		e.Value = bytes.Clone(e.Value)
		l.d.m[e.Key] = e
	}
	return nil
}

func (l *memL2) Delete(key string) error {
	if err := l.check("delete"); err != nil {
		return err
	}
	l.d.mu.Lock()
	defer l.d.mu.Unlock()
	delete(l.d.m, key)
	return nil
}

func (l *memL2) Clear() error {
	if err := l.check("clear"); err != nil {
		return err
	}
	l.d.mu.Lock()
	defer l.d.mu.Unlock()
	clear(l.d.m)
	l.d.hot = nil
	return nil
}

func (l *memL2) Range(fn func(e L2Entry) bool) error {
	if err := l.check("range"); err != nil {
		return err
	}
	l.d.mu.Lock()
	snap := make([]L2Entry, 0, len(l.d.m))
	for _, e := range l.d.m {
		if l.live(e) {
			snap = append(snap, e)
		}
	}
	l.d.mu.Unlock()
	var buf []byte
	for _, e := range snap {
		buf = append(buf[:0], e.Value...)
		e.Value = buf
		ok := fn(e)
		for i := range buf {
			buf[i] = '#' // the value is valid only during the call
		}
		if !ok {
			break
		}
	}
	return nil
}

func (l *memL2) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	return nil
}

// entry returns the stored entry of key, expired or not.
func (l *memL2) entry(key string) (L2Entry, bool) {
	l.d.mu.Lock()
	defer l.d.mu.Unlock()
	e, ok := l.d.m[key]
	return e, ok
}

func (l *memL2) len() int {
	l.d.mu.Lock()
	defer l.d.mu.Unlock()
	return len(l.d.m)
}

var _ L2 = (*memL2)(nil)

// tinyL1 is an L1 that holds only a few dozen small items.
func tinyL1() Config {
	return Config{MaxMemory: 128 << 10, Shards: 2, MaxItemSize: 32 << 10, EvictionPolicy: "lru"}
}

// newTestTiered returns a Tiered over a fresh L1 made from cfg (with a
// fake clock) and l2 (a new memL2 if nil).
func newTestTiered(t testing.TB, cfg Config, l2 *memL2, opts *TierOptions) (*Tiered, *memL2, *fakeClock) {
	t.Helper()
	clk := newFakeClock()
	if fc, ok := cfg.Clock.(*fakeClock); ok {
		clk = fc
	}
	cfg.Clock = clk
	l1, err := New(&cfg)
	if err != nil {
		t.Fatal(err)
	}
	if l2 == nil {
		l2 = newMemL2(func() int64 { return clk.Now().Unix() })
	}
	tc, err := NewTiered(l1, l2, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tc.Close() })
	return tc, l2, clk
}

func TestTiered_ReadThroughAndPromotion(t *testing.T) {
	tc, l2, _ := newTestTiered(t, tinyL1(), nil, nil)
	val := bytes.Repeat([]byte("v"), 1000)
	const n = 500 // ~500 KB: far more than L1 holds
	cas := make([]uint64, n)
	for i := range n {
		var err error
		if cas[i], err = tc.Set(fmt.Sprint("k", i), val, uint32(i), 0); err != nil {
			t.Fatal(err)
		}
	}
	if l2.len() != n {
		t.Fatalf("L2 holds %d entries, want %d (write-through)", l2.len(), n)
	}
	if tc.Len() >= n/2 {
		t.Fatalf("L1 holds %d items; the test needs a tiny L1", tc.Len())
	}
	for i := range n {
		it, err := tc.Gets(fmt.Sprint("k", i))
		if err != nil || !bytes.Equal(it.Value, val) || it.Flags != uint32(i) || it.CAS != cas[i] {
			t.Fatalf("k%d: %+v %v, want flags %d cas %d", i, it, err, i, cas[i])
		}
	}
	st := tc.Stats().Tier
	if st.L2Hits == 0 || st.Promotions == 0 || st.Misses != 0 {
		t.Fatalf("stats %+v: want L2 hits and promotions, no misses", st)
	}
	// The promoted item keeps its CAS unique in L1.
	k := fmt.Sprint("k", n-1)
	it, ok, _ := tc.l1.peek(k)
	if !ok || it.CAS != cas[n-1] {
		t.Fatalf("L1 after promotion: %+v %v, want CAS %d", it, ok, cas[n-1])
	}
	if _, err := tc.CompareAndSwap(k, []byte("x"), 0, 0, cas[n-1]); err != nil {
		t.Fatalf("cas with the unique from before promotion: %v", err)
	}
}

func TestTiered_RMWOnL2OnlyKey(t *testing.T) {
	tc, _, _ := newTestTiered(t, tinyL1(), nil, nil)
	filler := bytes.Repeat([]byte("f"), 2000)
	evict := func() {
		for i := range 200 {
			if _, err := tc.Set(fmt.Sprint("filler", i), filler, 0, 0); err != nil {
				t.Fatal(err)
			}
		}
	}
	inL1 := func(k string) bool { _, ok, _ := tc.l1.peek(k); return ok }
	tc.Set("n", []byte("41"), 7, 0)
	tc.Set("s", []byte("mid"), 8, 0)
	evict()
	if inL1("n") || inL1("s") {
		t.Fatal("keys still in L1; the test needs them in L2 only")
	}
	if v, err := tc.Incr("n", 1); err != nil || v != 42 {
		t.Fatalf("incr on an L2-only key: %d %v", v, err)
	}
	if _, err := tc.Append("s", []byte("-end")); err != nil {
		t.Fatal(err)
	}
	evict()
	if _, err := tc.Prepend("s", []byte("start-")); err != nil {
		t.Fatal(err)
	}
	evict()
	if err := tc.Touch("s", 100); err != nil {
		t.Fatal(err)
	}
	evict()
	it, err := tc.Gets("s")
	if err != nil || string(it.Value) != "start-mid-end" || it.Flags != 8 || it.Expiry == 0 {
		t.Fatalf("s: %+v %v", it, err)
	}
	evict()
	if _, err := tc.CompareAndSwap("s", []byte("new"), 1, 0, it.CAS+1); !errors.Is(err, ErrExists) {
		t.Fatalf("cas with a wrong unique on an L2-only key: %v", err)
	}
	if _, err := tc.Add("s", []byte("x"), 0, 0); !errors.Is(err, ErrNotStored) {
		t.Fatalf("add of an L2-only key: %v", err)
	}
	if err := tc.DeleteCAS("s", it.CAS+1); !errors.Is(err, ErrExists) {
		t.Fatalf("delete with a wrong unique: %v", err)
	}
	if err := tc.DeleteCAS("s", it.CAS); err != nil {
		t.Fatal(err)
	}
	if _, err := tc.Gets("s"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
	evict()
	if err := tc.Delete("n"); err != nil {
		t.Fatalf("delete of an L2-only key: %v", err)
	}
	if err := tc.Delete("n"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
}

func TestTiered_LargeValues(t *testing.T) {
	tc, l2, _ := newTestTiered(t, tinyL1(), nil, &TierOptions{LargeValueThreshold: 100, MaxValueSize: 100 << 10})
	small, big, huge := []byte("small"), bytes.Repeat([]byte("b"), 101), bytes.Repeat([]byte("h"), 64<<10)
	inL1 := func(k string) bool { _, ok, _ := tc.l1.peek(k); return ok }

	tc.Set("k", small, 0, 0)
	if !inL1("k") {
		t.Fatal("small value not in L1")
	}
	if _, err := tc.Set("k", big, 3, 0); err != nil {
		t.Fatal(err)
	}
	if inL1("k") {
		t.Fatal("large value (or the older small one) in L1")
	}
	for range 3 {
		if v, fl, err := tc.Get("k"); err != nil || !bytes.Equal(v, big) || fl != 3 {
			t.Fatalf("get large: %q %d %v", v, fl, err)
		}
	}
	if inL1("k") || tc.Stats().Tier.Promotions != 0 {
		t.Fatal("large value promoted")
	}
	// Larger than L1's MaxItemSize, within MaxValueSize.
	if _, err := tc.Set("h", huge, 0, 0); err != nil {
		t.Fatal(err)
	}
	if v, _, err := tc.Get("h"); err != nil || !bytes.Equal(v, huge) {
		t.Fatalf("get huge: %d bytes, %v", len(v), err)
	}
	// Append that makes a small value large moves it to L2 alone.
	tc.Set("a", small, 0, 0)
	if _, err := tc.Append("a", big); err != nil {
		t.Fatal(err)
	}
	if inL1("a") {
		t.Fatal("value grown large by append still in L1")
	}
	if v, _, _ := tc.Get("a"); !bytes.Equal(v, append(append([]byte{}, small...), big...)) {
		t.Fatalf("after append: %q", v)
	}
	// A set back to a small value goes to L1 again.
	tc.Set("a", small, 0, 0)
	if !inL1("a") {
		t.Fatal("small value after a large one not in L1")
	}
	// Too large: refused, and a Set removes the old value in both tiers.
	if _, err := tc.Set("a", make([]byte, 100<<10+1), 0, 0); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("set beyond MaxValueSize: %v", err)
	}
	if _, ok := l2.entry("a"); ok || inL1("a") {
		t.Fatal("old value kept after a too-large set")
	}
	if st := tc.Stats().Tier; st.L2Only < 3 {
		t.Fatalf("L2Only %d, want >= 3", st.L2Only)
	}
}

func TestTiered_L2Errors(t *testing.T) {
	tc, l2, _ := newTestTiered(t, tinyL1(), nil, nil)
	boom := errors.New("disk on fire")
	tc.Set("k", []byte("old"), 0, 0)

	l2.inject("put", boom)
	_, err := tc.Set("k", []byte("new"), 0, 0)
	var le *L2Error
	if !errors.Is(err, boom) || !errors.As(err, &le) || le.Op != "put" || le.Key != "k" {
		t.Fatalf("set with a failing L2: %v", err)
	}
	if got := err.Error(); got != `engine: L2 put "k": disk on fire` {
		t.Fatalf("message %q", got)
	}
	// The unacknowledged write is not in L1 either: reads see the last
	// version L2 accepted.
	if v, _, err := tc.Get("k"); err != nil || string(v) != "old" {
		t.Fatalf("after failed set: %q %v", v, err)
	}
	if _, err := tc.Incr("k", 1); !errors.Is(err, ErrNotNumeric) {
		t.Fatalf("incr: %v", err)
	}
	l2.inject("put", nil)

	l2.inject("delete", boom)
	if err := tc.Delete("k"); !errors.Is(err, boom) {
		t.Fatalf("delete with a failing L2: %v", err)
	}
	l2.inject("delete", nil)

	// A read error is a miss plus a counted error.
	tc.Delete("k")
	tc.Set("r", []byte("v"), 0, 0)
	tc.l1.drop("r")
	l2.inject("get", boom)
	if _, _, err := tc.Get("r"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("get with a failing L2: %v", err)
	}
	if _, err := tc.Add("r", []byte("v"), 0, 0); !errors.Is(err, boom) {
		t.Fatalf("add needs L2's answer: %v", err)
	}
	l2.inject("get", nil)
	if v, _, err := tc.Get("r"); err != nil || string(v) != "v" {
		t.Fatalf("get after L2 recovered: %q %v", v, err)
	}

	// A failed clear is returned; L2 is treated as empty for reads and
	// writes fail until a later operation clears it.
	l2.inject("clear", boom)
	if err := tc.FlushAll(0); !errors.Is(err, boom) {
		t.Fatalf("flush with a failing clear: %v", err)
	}
	if _, _, err := tc.Get("r"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("read after a failed clear: %v", err)
	}
	if _, err := tc.Set("x", []byte("1"), 0, 0); !errors.Is(err, boom) {
		t.Fatalf("write after a failed clear: %v", err)
	}
	l2.inject("clear", nil)
	if _, err := tc.Set("x", []byte("1"), 0, 0); err != nil {
		t.Fatal(err)
	}
	if _, _, err := tc.Get("r"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("flushed item back: %v", err)
	}
	st := tc.Stats().Tier
	// put, delete, clear in FlushAll and its retries by Get and Set.
	if st.L2WriteErrors != 5 || st.L2ReadErrors != 3 {
		t.Fatalf("error counts %+v", st)
	}
}

func TestTiered_FlushAllDelayed(t *testing.T) {
	tc, l2, clk := newTestTiered(t, tinyL1(), nil, nil)
	tc.Set("old", []byte("1"), 0, 0)
	if err := tc.FlushAll(10); err != nil {
		t.Fatal(err)
	}
	clk.Advance(5e9)
	tc.Set("mid", []byte("2"), 0, 0)
	if l2.len() != 2 {
		t.Fatalf("L2 cleared before the delay: %d entries", l2.len())
	}
	clk.Advance(5e9)
	for _, k := range []string{"old", "mid"} {
		if _, _, err := tc.Get(k); !errors.Is(err, ErrNotFound) {
			t.Fatalf("%s after the delay: %v", k, err)
		}
	}
	if l2.len() != 0 {
		t.Fatalf("L2 holds %d entries after the delayed flush", l2.len())
	}
	tc.Set("new", []byte("3"), 0, 0)
	tc.l1.drop("new")
	if v, _, err := tc.Get("new"); err != nil || string(v) != "3" {
		t.Fatalf("item after the flush: %q %v", v, err)
	}
}

func TestTiered_WarmUp(t *testing.T) {
	cfg := tinyL1()
	tc, l2, clk := newTestTiered(t, cfg, nil, &TierOptions{LargeValueThreshold: 500})
	val := bytes.Repeat([]byte("w"), 200)
	const n = 2000
	for i := range n {
		if _, err := tc.Set(fmt.Sprint("k", i), val, 0, 0); err != nil {
			t.Fatal(err)
		}
	}
	tc.Set("big", make([]byte, 600), 0, 0)
	tc.Set("gone", val, 0, 1) // expires before the restart
	clk.Advance(2e9)
	if err := tc.Close(); err != nil {
		t.Fatal(err)
	}
	cfg.Clock = clk
	tc2, _, _ := newTestTiered(t, cfg, l2.reopen(), &TierOptions{LargeValueThreshold: 500})
	// A newer version written before the warm-up reaches its key.
	newCAS, _ := tc2.Set("k7", []byte("newer"), 0, 0)
	old, _ := l2.entry("k8")
	tc2.Set("k8", []byte("newer"), 0, 0)
	if ins, _, _ := tc2.l1.restore(Item{Key: "k8", Value: old.Value, CAS: old.CAS}, false); ins {
		t.Fatal("restore replaced a live item")
	}
	if err := tc2.WarmUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	st := tc2.Stats()
	if st.Tier.WarmUpLoaded == 0 || st.Tier.WarmUpRunning || st.Tier.WarmUpScanned == 0 {
		t.Fatalf("warm-up stats %+v", st.Tier)
	}
	// Bounded by L1's capacity: it stopped when L1 was full, nearly full.
	if st.AccountedBytes > st.LimitMaxBytes || st.AccountedBytes < st.LimitMaxBytes*3/4 {
		t.Fatalf("L1 after warm-up: %d of %d bytes", st.AccountedBytes, st.LimitMaxBytes)
	}
	if st.Tier.WarmUpScanned >= n {
		t.Fatalf("warm-up walked all %d entries of L2 although L1 was full", st.Tier.WarmUpScanned)
	}
	if it, ok, _ := tc2.l1.peek("k7"); ok && (string(it.Value) != "newer" || it.CAS != newCAS) {
		t.Fatalf("warm-up replaced a newer L1 item: %+v", it)
	}
	if it, err := tc2.Gets("k7"); err != nil || string(it.Value) != "newer" || it.CAS != newCAS {
		t.Fatalf("k7 after warm-up: %+v %v", it, err)
	}
	for _, k := range []string{"big", "gone"} {
		if _, ok, _ := tc2.l1.peek(k); ok {
			t.Fatalf("warm-up loaded %q", k)
		}
	}
	checkTierInvariants(t, tc2)
}

// TestTiered_WarmUpWhileServing runs a warm-up while writers change the
// keys it loads: no key may end up with an older version in L1.
func TestTiered_WarmUpWhileServing(t *testing.T) {
	cfg := Config{MaxMemory: 4 << 20, Shards: 4, MaxItemSize: 64 << 10}
	tc, l2, clk := newTestTiered(t, cfg, nil, nil)
	const n = 3000
	for i := range n {
		tc.Set(fmt.Sprint("k", i), []byte("v0"), 0, 0)
	}
	tc.Close()
	cfg.Clock = clk
	for round := range 3 {
		tc2, _, _ := newTestTiered(t, cfg, l2.reopen(), nil)
		l2 = tc2.l2.(*memL2)
		var wg sync.WaitGroup
		wg.Go(func() {
			if err := tc2.WarmUp(context.Background()); err != nil {
				t.Error(err)
			}
		})
		last := make([]string, n)
		for w := range 4 {
			wg.Go(func() {
				for i := w; i < n; i += 4 {
					v := fmt.Sprint("r", round, "w", i)
					if _, err := tc2.Set(fmt.Sprint("k", i), []byte(v), 0, 0); err != nil {
						t.Error(err)
						return
					}
					last[i] = v
				}
			})
		}
		wg.Wait()
		for i := range n {
			if v, _, err := tc2.Get(fmt.Sprint("k", i)); err != nil || string(v) != last[i] {
				t.Fatalf("round %d k%d: %q %v, want %q", round, i, v, err, last[i])
			}
		}
		checkTierInvariants(t, tc2)
		tc2.Close()
	}
}

// TestTiered_ConcurrentWritersOneKey has writers of one key race with
// readers and a tiny L1 that keeps evicting it; after every acknowledged
// write, no read returns an older version.
func TestTiered_ConcurrentWritersOneKey(t *testing.T) {
	tc, _, _ := newTestTiered(t, tinyL1(), nil, nil)
	const writers, rounds = 8, 300
	tc.Set("ctr", []byte("0"), 0, 0)
	var (
		mu    sync.Mutex
		acked uint64 // highest counter value acknowledged by Incr
	)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			filler := make([]byte, 3000)
			for i := range rounds {
				switch i % 4 {
				case 0, 1:
					v, err := tc.Incr("ctr", 1)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					acked = max(acked, v)
					mu.Unlock()
				case 2:
					// Read-modify-write through CAS.
					for {
						it, err := tc.Gets("ctr")
						if err != nil {
							t.Error(err)
							return
						}
						var n uint64
						fmt.Sscan(string(it.Value), &n)
						if _, err := tc.CompareAndSwap("ctr", []byte(fmt.Sprint(n+1)), 0, 0, it.CAS); err == nil {
							mu.Lock()
							acked = max(acked, n+1)
							mu.Unlock()
							break
						} else if !errors.Is(err, ErrExists) {
							t.Error(err)
							return
						}
					}
				default:
					tc.Set(fmt.Sprint("fill", w, i), filler, 0, 0) // evicts ctr from L1 now and then
				}
				mu.Lock()
				floor := acked
				mu.Unlock()
				v, _, err := tc.Get("ctr")
				var n uint64
				fmt.Sscan(string(v), &n)
				if err != nil || n < floor {
					t.Errorf("read %q %v after %d was acknowledged", v, err, floor)
					return
				}
			}
		})
	}
	wg.Wait()
	want := uint64(writers * rounds * 3 / 4)
	if v, _, _ := tc.Get("ctr"); string(v) != fmt.Sprint(want) {
		t.Fatalf("counter %q, want %d: an increment was lost", v, want)
	}
	checkTierInvariants(t, tc)
}

// checkTierInvariants checks that every live item of L1 is in L2 with
// the same value, flags, expiry and CAS unique.
func checkTierInvariants(t *testing.T, tc *Tiered) {
	t.Helper()
	l2, ok := tc.l2.(*memL2)
	if h, isHot := tc.l2.(*hotMemL2); isHot {
		l2, ok = h.memL2, true
	}
	if !ok {
		t.Fatalf("L2 is a %T", tc.l2)
	}
	tc.l1.Range(func(key []byte, info RangeInfo) bool {
		it, ok, _ := tc.l1.peek(string(key))
		if !ok {
			return true
		}
		e, ok := l2.entry(string(key))
		if !ok || !bytes.Equal(e.Value, it.Value) || e.Flags != it.Flags || e.Expiry != it.Expiry || e.CAS != it.CAS {
			t.Fatalf("L1 has %q %+v, L2 %+v (present %v)", key, it, e, ok)
		}
		return true
	})
}

func TestTiered_Close(t *testing.T) {
	tc, l2, _ := newTestTiered(t, tinyL1(), nil, nil)
	tc.Set("k", []byte("v"), 0, 0)
	if err := tc.Close(); err != nil {
		t.Fatal(err)
	}
	if err := tc.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
	if _, err := tc.Set("k", []byte("v"), 0, 0); !errors.Is(err, ErrClosed) {
		t.Fatalf("set after close: %v", err)
	}
	if _, _, err := tc.Get("k"); !errors.Is(err, ErrClosed) {
		t.Fatalf("get after close: %v", err)
	}
	if err := tc.WarmUp(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("warm-up after close: %v", err)
	}
	if !l2.closed {
		t.Fatal("L2 not closed")
	}
}

func TestNewTiered_Errors(t *testing.T) {
	l1, _ := newTestCache(t, tinyL1())
	l2 := newMemL2(func() int64 { return 0 })
	for _, tc := range []struct {
		l1   *Cache
		l2   L2
		opts *TierOptions
		want string
	}{
		{nil, l2, nil, "engine: invalid config: Tiered: needs both an L1 cache and an L2 store"},
		{l1, nil, nil, "engine: invalid config: Tiered: needs both an L1 cache and an L2 store"},
		{l1, l2, &TierOptions{LargeValueThreshold: -1}, "engine: invalid config: LargeValueThreshold: negative"},
		{l1, l2, &TierOptions{MaxValueSize: -1}, "engine: invalid config: MaxValueSize: negative"},
	} {
		_, err := NewTiered(tc.l1, tc.l2, tc.opts)
		if !errors.Is(err, ErrInvalidConfig) || err.Error() != tc.want {
			t.Errorf("got %v, want %s", err, tc.want)
		}
	}
}
