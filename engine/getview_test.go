package engine

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"testing"
)

// TestGetView: a value above the largest slab class comes back without a
// copy (view), a smaller one appended to dst; and nothing the cache does
// afterwards to the item (touch, overwrite, append, delete, eviction)
// changes the bytes of a view already returned.
func TestGetView(t *testing.T) {
	c, _ := newTestCache(t, Config{MaxMemory: 8 << 20, Shards: 1, MaxItemSize: 2 << 20})
	big := bytes.Repeat([]byte("abcdefgh"), 100000) // 800,000 bytes: above half a 1 MiB page
	if _, err := c.Set("big", big, 7, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Set("small", []byte("tiny"), 1, 0); err != nil {
		t.Fatal(err)
	}
	dst := make([]byte, 0, 16)
	v, info, view, err := c.GetView(dst, "small")
	if err != nil || view || string(v) != "tiny" || &v[:1][0] != &dst[:1][0] || info.Flags != 1 {
		t.Fatalf("small: %q, %+v, view %v, %v: want a copy into dst", v, info, view, err)
	}
	v, info, view, err = c.GetView(dst, "big")
	if err != nil || !view || !bytes.Equal(v, big) || info.Flags != 7 || cap(v) != len(v) {
		t.Fatalf("big: %d bytes (cap %d), %+v, view %v, %v: want a view", len(v), cap(v), info, view, err)
	}
	if _, _, view, err := c.GetView(nil, "absent"); !errors.Is(err, ErrNotFound) || view {
		t.Fatalf("absent: view %v, %v", view, err)
	}
	if err := c.Touch("big", 100); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Append("big", []byte("more")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Set("big", bytes.Repeat([]byte("X"), len(big)), 0, 0); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete("big"); err != nil {
		t.Fatal(err)
	}
	for i := range 40 { // evict everything else
		if _, err := c.Set(fmt.Sprint("fill", i), bytes.Repeat([]byte{byte(i)}, len(big)), 0, 0); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(v, big) {
		t.Fatal("a view changed after the item was touched, appended to, overwritten, deleted and evicted")
	}
	if st := c.Stats(); st.GetHits != 2 || st.GetMisses != 1 {
		t.Errorf("hits %d, misses %d: want 2 and 1", st.GetHits, st.GetMisses)
	}
}

// TestGetViewConcurrent: readers take views of a large value while
// writers overwrite it; every view is one whole value (run with -race:
// the cache must never write into a buffer a view may alias).
func TestGetViewConcurrent(t *testing.T) {
	c, _ := newTestCache(t, Config{MaxMemory: 16 << 20, Shards: 2, MaxItemSize: 2 << 20})
	const size = 600000
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Go(func() {
			for i := range 30 {
				b := byte('a' + (w*30+i)%26)
				if _, err := c.Set("k", bytes.Repeat([]byte{b}, size), uint32(b), 0); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	for range 3 {
		wg.Go(func() {
			for range 200 {
				v, info, view, err := c.GetView(nil, "k")
				if errors.Is(err, ErrNotFound) {
					continue
				}
				if err != nil || !view || len(v) != size {
					t.Errorf("view %v, %d bytes, %v", view, len(v), err)
					return
				}
				if v[0] != byte(info.Flags) || bytes.Count(v, v[:1]) != size {
					t.Errorf("a torn value: starts with %q, flags %d", v[0], info.Flags)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestTieredGetView: a large value in L1 is a view; once L1 has lost it,
// it comes from L2 as a copy; a miss in both is a miss.
func TestTieredGetView(t *testing.T) {
	tc, _, _ := newTestTiered(t, Config{MaxMemory: 4 << 20, Shards: 1, MaxItemSize: 2 << 20}, nil, nil)
	big := bytes.Repeat([]byte("0123456789"), 70000)
	if _, err := tc.Set("big", big, 3, 0); err != nil {
		t.Fatal(err)
	}
	v, info, view, err := tc.GetView(nil, "big")
	if err != nil || !view || !bytes.Equal(v, big) || info.Flags != 3 {
		t.Fatalf("from L1: view %v, %d bytes, %+v, %v", view, len(v), info, err)
	}
	tc.l1.FlushAll(0) // L1 only: the value stays in L2
	v, _, view, err = tc.GetView(nil, "big")
	if err != nil || view || !bytes.Equal(v, big) {
		t.Fatalf("from L2: view %v, %d bytes, %v", view, len(v), err)
	}
	if _, _, view, err := tc.GetView(nil, "absent"); !errors.Is(err, ErrNotFound) || view {
		t.Fatalf("absent: view %v, %v", view, err)
	}
}
