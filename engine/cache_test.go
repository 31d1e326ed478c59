package engine

import (
	"errors"
	"sync"
	"testing"
	"time"
)

// fakeClock is a Clock whose time moves only when told to.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	tickers []chan time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Unix(1_700_000_000, 0)} }

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) NewTicker(d time.Duration) (<-chan time.Time, func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ch := make(chan time.Time, 1)
	f.tickers = append(f.tickers, ch)
	return ch, func() {}
}

// Advance moves the clock by d and delivers one tick to each ticker.
func (f *fakeClock) Advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	now := f.now
	ts := f.tickers
	f.mu.Unlock()
	for _, ch := range ts {
		select {
		case ch <- now:
		default:
		}
	}
}

func newTestCache(t testing.TB, cfg Config) (*Cache, *fakeClock) {
	t.Helper()
	clk := newFakeClock()
	cfg.Clock = clk
	c, err := New(&cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, clk
}

func TestCache_Basic(t *testing.T) {
	c, clk := newTestCache(t, Config{CleanupInterval: -1})
	if _, _, err := c.Get("a"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("get missing: %v", err)
	}
	cas1, err := c.Set("a", []byte("hello"), 7, 0)
	if err != nil {
		t.Fatal(err)
	}
	v, fl, err := c.Get("a")
	if err != nil || string(v) != "hello" || fl != 7 {
		t.Fatalf("get = %q %d %v", v, fl, err)
	}
	if _, err := c.Add("a", []byte("x"), 0, 0); !errors.Is(err, ErrNotStored) {
		t.Fatalf("add existing: %v", err)
	}
	if _, err := c.Append("a", []byte("!")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Prepend("a", []byte(">")); err != nil {
		t.Fatal(err)
	}
	it, err := c.Gets("a")
	if err != nil || string(it.Value) != ">hello!" || it.Flags != 7 || it.CAS <= cas1 {
		t.Fatalf("gets = %+v %v", it, err)
	}
	if _, err := c.CompareAndSwap("a", []byte("new"), 1, 0, cas1); !errors.Is(err, ErrExists) {
		t.Fatalf("cas stale: %v", err)
	}
	if _, err := c.CompareAndSwap("a", []byte("new"), 1, 0, it.CAS); err != nil {
		t.Fatalf("cas: %v", err)
	}
	if _, err := c.Set("n", []byte("10"), 0, 0); err != nil {
		t.Fatal(err)
	}
	if v, err := c.Decr("n", 3); err != nil || v != 7 {
		t.Fatalf("decr = %d %v", v, err)
	}
	if v, _, _ := c.Get("n"); string(v) != "7 " {
		t.Fatalf("after decr value %q, want memcached's space padding", v)
	}
	if v, err := c.Incr("n", 1<<64-1); err != nil || v != 6 {
		t.Fatalf("incr wrap = %d %v", v, err)
	}
	if v, err := c.Incr("n", 100); err != nil || v != 106 {
		t.Fatalf("incr = %d %v", v, err)
	}
	if _, err := c.Incr("a", 1); !errors.Is(err, ErrNotNumeric) {
		t.Fatalf("incr non-numeric: %v", err)
	}
	if _, err := c.Set("t", []byte("x"), 0, 10); err != nil {
		t.Fatal(err)
	}
	clk.Advance(9 * time.Second)
	if !c.Contains("t") {
		t.Fatal("expired early")
	}
	clk.Advance(time.Second)
	if c.Contains("t") {
		t.Fatal("not expired")
	}
	c.FlushAll(0)
	if _, _, err := c.Get("a"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after flush: %v", err)
	}
	st := c.Stats()
	if st.GetFlushed != 1 || st.CasBadval != 1 || st.CasHits != 1 || st.IncrHits != 2 {
		t.Fatalf("stats %+v", st)
	}
}
