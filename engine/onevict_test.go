package engine

import (
	"fmt"
	"testing"
	"time"
)

// OnEvict is told of every live item evicted, and of nothing else: the
// keys it reports are gone, their metadata is the item's, and their count
// is the evictions counter; expired items reclaimed and deletions are not
// reported.
func TestCache_OnEvict(t *testing.T) {
	type ev struct {
		key  string
		info RangeInfo
	}
	var got []ev
	c, clk := newTestCache(t, Config{MaxMemory: 2 << 20, Shards: 1, CleanupInterval: -1,
		OnEvict: func(key []byte, info RangeInfo) { got = append(got, ev{string(key), info}) }})
	val := make([]byte, 1000)
	if _, err := c.Set("short", val, 0, 10); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Set("gone", val, 0, 0); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete("gone"); err != nil {
		t.Fatal(err)
	}
	clk.Advance(11 * time.Second) // "short" expires: reclaimed, not evicted
	start := clk.Now().Unix()
	for i := range 10_000 {
		if _, err := c.Set(fmt.Sprintf("k%05d", i), val, 7, 3600); err != nil {
			t.Fatal(err)
		}
	}
	st := c.Stats()
	if st.Evictions == 0 || uint64(len(got)) != st.Evictions {
		t.Fatalf("OnEvict called %d times, evictions counter %d", len(got), st.Evictions)
	}
	for _, e := range got {
		if e.key == "short" || e.key == "gone" {
			t.Fatalf("OnEvict reported %q, which was not evicted", e.key)
		}
		if c.Contains(e.key) {
			t.Fatalf("OnEvict reported %q, which is still cached", e.key)
		}
		if e.info.Flags != 7 || e.info.Expiry != start+3600 || e.info.Fetched ||
			e.info.Size != ItemHeaderSize+len(e.key)+len(val) {
			t.Fatalf("OnEvict(%q) info %+v", e.key, e.info)
		}
	}
}

// Peek reports a live item's metadata and changes nothing: no statistic,
// no fetched bit.
func TestCache_Peek(t *testing.T) {
	c, clk := newTestCache(t, Config{CleanupInterval: -1})
	if _, ok := c.Peek("k"); ok {
		t.Fatal("Peek found a missing key")
	}
	if _, err := c.Set("k", []byte("value"), 9, 100); err != nil {
		t.Fatal(err)
	}
	before := c.Stats()
	info, ok := c.Peek("k")
	if !ok || info.Flags != 9 || info.Fetched || info.Size != ItemHeaderSize+len("k")+len("value") ||
		info.Expiry != clk.Now().Unix()+100 {
		t.Fatalf("Peek = %+v, %v", info, ok)
	}
	if after := c.Stats(); after.GetHits != before.GetHits || after.GetMisses != before.GetMisses || after.CmdGet != before.CmdGet {
		t.Fatalf("Peek counted: before %+v after %+v", before, after)
	}
	if _, _, err := c.Get("k"); err != nil {
		t.Fatal(err)
	}
	if info, _ := c.Peek("k"); !info.Fetched {
		t.Fatal("Peek does not report the fetched bit")
	}
	clk.Advance(101 * time.Second)
	if _, ok := c.Peek("k"); ok {
		t.Fatal("Peek found an expired item")
	}
}
