package persist_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/ratmemcache/ratmemcache/engine"
	"github.com/ratmemcache/ratmemcache/persist"
)

func mustHotKeys(t *testing.T, s *persist.Store) []string {
	t.Helper()
	keys, err := s.HotKeys()
	if err != nil {
		t.Fatalf("HotKeys: %v", err)
	}
	return keys
}

func TestStore_HotKeys(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, persist.Options{})
	if keys := mustHotKeys(t, s); keys != nil {
		t.Fatalf("new store has hot keys %q", keys)
	}
	if err := s.Put(engine.L2Entry{Key: "item", Value: []byte("v")}); err != nil {
		t.Fatal(err)
	}
	want := []string{"b", "a", strings.Repeat("x", 250), "ü"}
	// Invalid keys are left out.
	if err := s.SaveHotKeys(append(slices.Clone(want), "", strings.Repeat("y", persist.MaxKeySize+1))); err != nil {
		t.Fatal(err)
	}
	if got := mustHotKeys(t, s); !slices.Equal(got, want) {
		t.Fatalf("HotKeys = %q, want %q", got, want)
	}
	// They do not count as items.
	if st := s.Stats(); st.Items != 1 {
		t.Fatalf("items %d", st.Items)
	}
	n := 0
	_ = s.Range(func(engine.L2Entry) bool { n++; return true })
	if n != 1 {
		t.Fatalf("Range saw %d entries", n)
	}

	// They survive a reopen, and a compaction.
	_ = s.Close()
	s = open(t, dir, persist.Options{CompactOnOpen: true})
	if got := mustHotKeys(t, s); !slices.Equal(got, want) {
		t.Fatalf("after reopen HotKeys = %q, want %q", got, want)
	}
	// A new list replaces the old; an empty one is saved as empty.
	if err := s.SaveHotKeys([]string{"c"}); err != nil {
		t.Fatal(err)
	}
	if got := mustHotKeys(t, s); !slices.Equal(got, []string{"c"}) {
		t.Fatalf("HotKeys = %q", got)
	}
	// Clear drops them.
	if err := s.Clear(); err != nil {
		t.Fatal(err)
	}
	if keys := mustHotKeys(t, s); keys != nil {
		t.Fatalf("after Clear HotKeys = %q", keys)
	}
	if err := s.SaveHotKeys([]string{"d"}); err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	// So does ClearOnStartup.
	s = open(t, dir, persist.Options{ClearOnStartup: true})
	if keys := mustHotKeys(t, s); keys != nil {
		t.Fatalf("after ClearOnStartup HotKeys = %q", keys)
	}
	_ = s.Close()
	if _, err := s.HotKeys(); err == nil {
		t.Fatal("HotKeys on a closed store")
	}
	if err := s.SaveHotKeys([]string{"e"}); err == nil {
		t.Fatal("SaveHotKeys on a closed store")
	}
}

// TestTiered_HotWarmUpOverBolt: a Tiered over a Store saves L1's keys at
// Close and the next warm-up loads them first.
func TestTiered_HotWarmUpOverBolt(t *testing.T) {
	dir := t.TempDir()
	cfg := engine.Config{MaxMemory: 128 << 10, Shards: 2, MaxItemSize: 32 << 10, EvictionPolicy: "lru"}
	start := func() *engine.Tiered {
		s, err := persist.Open(dir, persist.Options{Durability: persist.DurabilityNone})
		if err != nil {
			t.Fatal(err)
		}
		c := cfg
		l1, err := engine.New(&c)
		if err != nil {
			t.Fatal(err)
		}
		tc, err := engine.NewTiered(l1, s, nil)
		if err != nil {
			t.Fatal(err)
		}
		return tc
	}
	tc := start()
	val := bytes.Repeat([]byte("v"), 200)
	key := func(i int) string { return fmt.Sprintf("k%04d", i) }
	const n, hotFrom, hotN = 1500, 1000, 30
	for i := range n {
		if _, err := tc.Set(key(i), val, 0, 0); err != nil {
			t.Fatal(err)
		}
		if i > hotFrom+hotN && i%5 == 0 {
			for j := hotFrom; j < hotFrom+hotN; j++ {
				if _, _, err := tc.Get(key(j)); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if err := tc.Close(); err != nil {
		t.Fatal(err)
	}
	tc = start()
	defer tc.Close()
	if err := tc.WarmUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	st := tc.Stats()
	if st.Tier.WarmUpHotLoaded == 0 {
		t.Fatalf("warm-up stats %+v", st.Tier)
	}
	// Every hot key is an L1 hit.
	hits := func() uint64 { return tc.Stats().GetHits }
	h0 := hits()
	for j := hotFrom; j < hotFrom+hotN; j++ {
		if _, _, err := tc.Get(key(j)); err != nil {
			t.Fatal(err)
		}
	}
	if got := hits() - h0; got != hotN {
		t.Fatalf("%d of %d hot keys in L1 after the warm-up", got, hotN)
	}
	// L2 walks in key order: without hot keys the warm-up would have
	// loaded the first keys, which were cold at Close.
	h0 = hits()
	for i := range 100 {
		if _, _, err := tc.Get(key(i)); err != nil {
			t.Fatal(err)
		}
	}
	// Only the room the hot keys left was filled in key order.
	if got := hits() - h0; got > st.Tier.WarmUpLoaded-st.Tier.WarmUpHotLoaded || st.Tier.WarmUpHotLoaded < st.Tier.WarmUpLoaded*9/10 {
		t.Fatalf("%d of the first 100 (cold) keys in L1 after the warm-up (stats %+v)", got, st.Tier)
	}
}
