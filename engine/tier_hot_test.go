package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
)

// hotMemL2 is a memL2 that also keeps hot keys ([L2HotKeys]).
type hotMemL2 struct {
	*memL2
	saveErr error
}

var _ L2HotKeys = (*hotMemL2)(nil)

func (l *hotMemL2) SaveHotKeys(keys []string) error {
	if err := l.check("savehot"); err != nil {
		return err
	}
	if l.saveErr != nil {
		return l.saveErr
	}
	l.d.mu.Lock()
	defer l.d.mu.Unlock()
	l.d.hot = slices.Clone(keys)
	return nil
}

func (l *hotMemL2) HotKeys() ([]string, error) {
	if err := l.check("hotkeys"); err != nil {
		return nil, err
	}
	l.d.mu.Lock()
	defer l.d.mu.Unlock()
	return slices.Clone(l.d.hot), nil
}

func newHotTiered(t *testing.T, cfg Config, l2 *hotMemL2) *Tiered {
	t.Helper()
	l1, err := New(&cfg)
	if err != nil {
		t.Fatal(err)
	}
	tc, err := NewTiered(l1, l2, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tc.Close() })
	return tc
}

// TestTiered_WarmUpHotFirst: after a restart the warm-up restores what
// L1 held at Close (the hot set the policy kept), not whatever comes
// first in L2.
func TestTiered_WarmUpHotFirst(t *testing.T) {
	for _, policy := range []string{"lru", "s3fifo", "wtinylfu"} {
		t.Run(policy, func(t *testing.T) {
			clk := newFakeClock()
			cfg := tinyL1()
			cfg.EvictionPolicy = policy
			cfg.Clock = clk
			l2 := &hotMemL2{memL2: newMemL2(func() int64 { return clk.Now().Unix() })}
			tc := newHotTiered(t, cfg, l2)
			val := bytes.Repeat([]byte("v"), 200)
			key := func(i int) string { return fmt.Sprintf("k%04d", i) }
			const n, hotFrom, hotN = 2000, 1500, 40
			for i := hotFrom; i < hotFrom+hotN; i++ {
				if _, err := tc.Set(key(i), val, 0, 0); err != nil {
					t.Fatal(err)
				}
			}
			for i := range n {
				if i >= hotFrom && i < hotFrom+hotN {
					continue
				}
				if _, err := tc.Set(key(i), val, 0, 0); err != nil {
					t.Fatal(err)
				}
				if i%5 == 0 {
					for j := hotFrom; j < hotFrom+hotN; j++ {
						if _, _, err := tc.Get(key(j)); err != nil {
							t.Fatal(err)
						}
					}
				}
			}
			tc.Set("gone", val, 0, 1) // expires before the restart
			before := tc.l1.Keys("")
			if len(before) >= n/2 {
				t.Fatalf("L1 holds %d of %d items: too large for the test", len(before), n)
			}
			for j := hotFrom; j < hotFrom+hotN; j++ {
				if _, ok, _ := tc.l1.peek(key(j)); !ok {
					t.Fatalf("the policy did not keep hot key %s", key(j))
				}
			}
			clk.Advance(2e9)
			if err := tc.Close(); err != nil {
				t.Fatal(err)
			}
			saved, err := (&hotMemL2{memL2: l2.reopen()}).HotKeys()
			if err != nil {
				t.Fatal(err)
			}
			if slices.Contains(saved, "gone") {
				t.Fatal("an expired item was saved as hot")
			}
			if len(saved) != len(before)-1 || len(saved) == 0 {
				t.Fatalf("saved %d hot keys, L1 held %d live", len(saved), len(before)-1)
			}

			// The keys read since written (the hot ones) are saved first.
			first := slices.Clone(saved[:hotN])
			slices.Sort(first)
			for j, k := range first {
				if k != key(hotFrom+j) {
					t.Fatalf("saved hot keys begin with %q", saved[:hotN])
				}
			}

			tc2 := newHotTiered(t, cfg, &hotMemL2{memL2: l2.reopen()})
			if err := tc2.WarmUp(context.Background()); err != nil {
				t.Fatal(err)
			}
			st := tc2.Stats().Tier
			if st.WarmUpHotLoaded == 0 || st.WarmUpHotLoaded > st.WarmUpLoaded {
				t.Fatalf("warm-up stats %+v", st)
			}
			// Every hot key is back, and nearly all of the saved set.
			for j := hotFrom; j < hotFrom+hotN; j++ {
				if _, ok, _ := tc2.l1.peek(key(j)); !ok {
					t.Errorf("hot key %s not loaded (stats %+v)", key(j), st)
				}
			}
			if st.WarmUpHotLoaded < uint64(len(saved))*9/10 {
				t.Errorf("loaded %d of %d saved hot keys", st.WarmUpHotLoaded, len(saved))
			}
			// The cold keys that come first in key order are not.
			cold := 0
			for i := range 100 {
				if _, ok, _ := tc2.l1.peek(key(i)); ok {
					cold++
				}
			}
			// Only the room the hot keys left was filled from L2's walk.
			if cold > 5 || uint64(cold) > st.WarmUpLoaded-st.WarmUpHotLoaded {
				t.Errorf("%d of the first 100 (cold) keys loaded (stats %+v)", cold, st)
			}
			if _, ok, _ := tc2.l1.peek("gone"); ok {
				t.Error("expired item loaded")
			}
			checkTierInvariants(t, tc2)
		})
	}
}

// TestTiered_WarmUpHotKeysNewer: a hot key written before the warm-up
// reaches it keeps its newer version, and a failing HotKeys only costs
// the hot pass.
func TestTiered_WarmUpHotKeysNewer(t *testing.T) {
	clk := newFakeClock()
	cfg := tinyL1()
	cfg.Clock = clk
	l2 := &hotMemL2{memL2: newMemL2(func() int64 { return clk.Now().Unix() })}
	tc := newHotTiered(t, cfg, l2)
	for i := range 20 {
		tc.Set(fmt.Sprint("k", i), []byte("old"), 0, 0)
	}
	if err := tc.Close(); err != nil {
		t.Fatal(err)
	}
	l2b := &hotMemL2{memL2: l2.reopen()}
	tc2 := newHotTiered(t, cfg, l2b)
	cas, _ := tc2.Set("k3", []byte("new"), 0, 0)
	if err := tc2.WarmUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	if it, err := tc2.Gets("k3"); err != nil || string(it.Value) != "new" || it.CAS != cas {
		t.Fatalf("k3 after warm-up: %+v %v", it, err)
	}
	if st := tc2.Stats().Tier; st.WarmUpHotLoaded != 19 {
		t.Fatalf("warm-up stats %+v", st)
	}
	tc2.Close()

	l2c := &hotMemL2{memL2: l2.reopen()}
	l2c.inject("hotkeys", errors.New("boom"))
	tc3 := newHotTiered(t, cfg, l2c)
	if err := tc3.WarmUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := tc3.Stats().Tier; st.WarmUpHotLoaded != 0 || st.WarmUpLoaded != 20 || st.L2ReadErrors != 1 {
		t.Fatalf("warm-up stats after a HotKeys error %+v", st)
	}
}

// TestTiered_CloseSaveHotKeysError: a failing SaveHotKeys is reported by
// Close, which still closes L2.
func TestTiered_CloseSaveHotKeysError(t *testing.T) {
	boom := errors.New("boom")
	l2 := &hotMemL2{memL2: newMemL2(func() int64 { return 0 }), saveErr: boom}
	tc := newHotTiered(t, tinyL1(), l2)
	tc.Set("a", []byte("1"), 0, 0)
	err := tc.Close()
	var le *L2Error
	if !errors.Is(err, boom) || !errors.As(err, &le) || le.Op != "save hot keys" {
		t.Fatalf("Close: %v", err)
	}
	if _, _, err := l2.Get("a"); !errors.Is(err, errMemClosed) {
		t.Fatalf("L2 not closed: %v", err)
	}
	if err := tc.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}
