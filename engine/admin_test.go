package engine

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestDeleteCAS(t *testing.T) {
	c, _ := newTestCache(t, Config{})
	cas, err := c.Set("k", []byte("v"), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteCAS("k", cas+1); !errors.Is(err, ErrExists) {
		t.Fatalf("DeleteCAS with a stale cas = %v, want ErrExists", err)
	}
	if !c.Contains("k") {
		t.Fatal("item deleted despite a CAS mismatch")
	}
	if err := c.DeleteCAS("k", cas); err != nil {
		t.Fatalf("DeleteCAS = %v", err)
	}
	if err := c.DeleteCAS("k", cas); !errors.Is(err, ErrNotFound) {
		t.Fatalf("DeleteCAS on a missing key = %v", err)
	}
	if _, err := c.Set("k", []byte("v"), 0, 0); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteCAS("k", 0); err != nil {
		t.Fatalf("DeleteCAS with cas 0 = %v", err)
	}
	st := c.Stats()
	if st.DeleteHits != 2 || st.DeleteMisses != 1 {
		t.Fatalf("delete_hits=%d delete_misses=%d, want 2 and 1", st.DeleteHits, st.DeleteMisses)
	}
}

func TestArithReturnsNewCAS(t *testing.T) {
	c, _ := newTestCache(t, Config{})
	cas0, _ := c.Set("n", []byte("41"), 0, 0)
	v, cas, err := c.Arith("n", 1, true)
	if err != nil || v != 42 {
		t.Fatalf("Arith = %d, %v", v, err)
	}
	it, _ := c.Gets("n")
	if cas == cas0 || it.CAS != cas {
		t.Fatalf("Arith cas %d (before %d), Gets cas %d", cas, cas0, it.CAS)
	}
}

func TestResetStats(t *testing.T) {
	c, _ := newTestCache(t, Config{})
	c.FlushAll(0)
	c.Set("a", []byte("1"), 0, 0)
	c.Get("a")
	c.Get("b")
	c.Set("c", []byte("1"), 0, 0)
	c.ResetStats()
	st := c.Stats()
	if st.GetHits != 0 || st.GetMisses != 0 || st.CmdSet != 0 || st.CmdFlush != 0 || st.TotalItems != 0 {
		t.Fatalf("counters survive ResetStats: %+v", st)
	}
	if st.CurrItems != 2 {
		t.Fatalf("curr_items = %d after ResetStats, want 2 (a gauge)", st.CurrItems)
	}
}

func TestRange(t *testing.T) {
	c, clock := newTestCache(t, Config{})
	const n = 3*rangeBatch + 7
	for i := range n {
		exptime := int64(0)
		if i%10 == 0 {
			exptime = 5
		}
		if _, err := c.Set(fmt.Sprintf("key%04d", i), []byte("value"), uint32(i), exptime); err != nil {
			t.Fatal(err)
		}
	}
	c.Get("key0001")
	clock.Advance(10 * time.Second) // every tenth item expires
	seen := map[string]RangeInfo{}
	c.Range(func(key []byte, info RangeInfo) bool {
		if _, dup := seen[string(key)]; dup {
			t.Fatalf("key %s reported twice", key)
		}
		seen[string(key)] = info
		return true
	})
	want := n - (n+9)/10
	if len(seen) != want {
		t.Fatalf("Range saw %d items, want %d", len(seen), want)
	}
	info, ok := seen["key0001"]
	if !ok || info.Flags != 1 || !info.Fetched || info.Size < len("key0001value") || info.CAS == 0 {
		t.Fatalf("key0001: %+v, %v", info, ok)
	}
	if seen["key0002"].Fetched {
		t.Fatal("key0002 reported as fetched")
	}
	if _, ok := seen["key0010"]; ok {
		t.Fatal("expired key0010 reported")
	}
	// Stopping early stops the walk.
	calls := 0
	c.Range(func([]byte, RangeInfo) bool { calls++; return calls < 5 })
	if calls != 5 {
		t.Fatalf("Range went on after fn returned false: %d calls", calls)
	}
	// fn may call back into the cache: no lock is held.
	c.Range(func(key []byte, _ RangeInfo) bool {
		c.Delete(string(key))
		return true
	})
	left := 0
	c.Range(func([]byte, RangeInfo) bool { left++; return true })
	if left != 0 {
		// (Len would also count the expired items the cleaner has not
		// removed yet: Range skips them.)
		t.Fatalf("%d live items left after deleting from inside Range", left)
	}
}

func TestSetMaxMemory(t *testing.T) {
	c, _ := newTestCache(t, Config{MaxMemory: 32 << 20, Shards: 4})
	val := make([]byte, 1000)
	for i := range 20000 {
		if _, err := c.Set(fmt.Sprintf("k%d", i), val, 0, 0); err != nil {
			t.Fatal(err)
		}
	}
	before := c.Stats()
	if err := c.SetMaxMemory(8 << 20); err != nil {
		t.Fatal(err)
	}
	st := c.Stats()
	if st.LimitMaxBytes != 8<<20 || st.AccountedBytes > 8<<20 {
		t.Fatalf("after lowering: limit %d, accounted %d", st.LimitMaxBytes, st.AccountedBytes)
	}
	if st.CurrItems >= before.CurrItems || st.Evictions == before.Evictions {
		t.Fatalf("lowering the limit evicted nothing: %d -> %d items", before.CurrItems, st.CurrItems)
	}
	// New writes respect the new limit.
	for i := range 20000 {
		c.Set(fmt.Sprintf("n%d", i), val, 0, 0)
		if a := c.Stats().AccountedBytes; i%1000 == 0 && a > 8<<20 {
			t.Fatalf("accounted %d over the lowered limit", a)
		}
	}
	if err := c.SetMaxMemory(64 << 20); err != nil {
		t.Fatal(err)
	}
	for i := range 40000 {
		c.Set(fmt.Sprintf("m%d", i), val, 0, 0)
	}
	if st := c.Stats(); st.AccountedBytes <= 8<<20 || st.AccountedBytes > 64<<20 {
		t.Fatalf("after raising: accounted %d", st.AccountedBytes)
	}
	if err := c.SetMaxMemory(1000); err == nil {
		t.Fatal("a limit too small for one item per shard was accepted")
	}
	if got := c.Stats().LimitMaxBytes; got != 64<<20 {
		t.Fatalf("a refused change altered the limit to %d", got)
	}
}
