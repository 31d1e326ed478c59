package engine

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

// With DisableEvictions a full cache refuses new items with ErrNoMemory,
// keeps every item it holds, and takes new items again once old ones
// expire (memcached -M).
func TestCache_DisableEvictions(t *testing.T) {
	for _, policy := range []string{"lru", "wtinylfu", "hybrid"} {
		t.Run(policy, func(t *testing.T) {
			c, clk := newTestCache(t, Config{MaxMemory: 2 << 20, Shards: 1, EvictionPolicy: policy,
				DisableEvictions: true, CleanupInterval: -1})
			val := make([]byte, 1000)
			var stored []string
			var full bool
			for i := 0; i < 10_000; i++ {
				key := fmt.Sprintf("k%05d", i)
				exp := int64(0)
				if i%2 == 1 {
					exp = 60 // every other item expires in a minute
				}
				_, err := c.Set(key, val, 0, exp)
				if errors.Is(err, ErrNoMemory) {
					full = true
					break
				}
				if err != nil {
					t.Fatalf("set %s: %v", key, err)
				}
				stored = append(stored, key)
			}
			if !full {
				t.Fatal("10 MB into a 2 MiB cache never answered ErrNoMemory")
			}
			st := c.Stats()
			if st.Evictions != 0 {
				t.Fatalf("%d evictions with evictions disabled", st.Evictions)
			}
			for _, k := range stored {
				if !c.Contains(k) {
					t.Fatalf("%s, stored before the cache filled, is gone", k)
				}
			}
			// Still full: another set fails, an overwrite of the same size
			// in place succeeds.
			if _, err := c.Set("more", val, 0, 0); !errors.Is(err, ErrNoMemory) {
				t.Fatalf("set into a full cache: %v", err)
			}
			if _, err := c.Set(stored[0], val, 7, 0); err != nil {
				t.Fatalf("overwrite in place: %v", err)
			}
			// Half the items expire: their room is reclaimed for new ones.
			clk.Advance(2 * time.Minute)
			for i := 0; i < len(stored)/4; i++ {
				if _, err := c.Set(fmt.Sprintf("new%05d", i), val, 0, 0); err != nil {
					t.Fatalf("set %d after expiry: %v", i, err)
				}
			}
			if st := c.Stats(); st.Evictions != 0 {
				t.Fatalf("%d evictions with evictions disabled", st.Evictions)
			}
			for i, k := range stored {
				if i%2 == 0 && !c.Contains(k) {
					t.Fatalf("%s (no expiry) is gone", k)
				}
			}
		})
	}
}
