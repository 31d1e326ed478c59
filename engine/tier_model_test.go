package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
	"time"
)

// TestTiered_Model is TestCache_Model on a Tiered cache whose L1 holds a
// small fraction of the keys, so that most reads and read-modify-writes
// go through L2. L2 has no capacity limit, so unlike the plain model test
// nothing may go missing: every operation must give exactly the model's
// answer. The sequence closes the cache and reopens a new L1 over the
// same L2 twice (as a restart does), the second time with a warm-up
// running alongside the operations.
func TestTiered_Model(t *testing.T) {
	tiny := Config{MaxMemory: 256 << 10, Shards: 2, MaxItemSize: 64 << 10}
	withPolicy := func(c Config, p string) Config { c.EvictionPolicy = p; return c }
	cases := []struct {
		name   string
		cfg    Config
		opts   TierOptions
		keys   int
		ops    int
		valMax int
		flush  int // one flush_all per about 16*flush operations
	}{
		{"tiny-lru", withPolicy(tiny, "lru"), TierOptions{}, 600, 40000, 3000, 200},
		{"tiny-wtinylfu", withPolicy(tiny, "wtinylfu"), TierOptions{}, 600, 40000, 3000, 200},
		{"tiny-s3fifo", withPolicy(tiny, "s3fifo"), TierOptions{}, 600, 40000, 3000, 200},
		{"large-values", tiny, TierOptions{LargeValueThreshold: 1000}, 600, 40000, 3000, 200},
		{"beyond-l1-items", Config{MaxMemory: 256 << 10, Shards: 2, MaxItemSize: 16 << 10}, TierOptions{MaxValueSize: 100 << 10}, 600, 20000, 3000, 200},
		// Values up to 30 KB: L1 (256 KiB) must overflow between two
		// flushes, so that reads reach L2.
		{"flushes", withPolicy(tiny, "lru"), TierOptions{}, 300, 30000, 30000, 20},
		{"ttl-entries", Config{MaxMemory: 8 << 20, Shards: 2, MaxEntries: 20, DefaultTTL: 3 * time.Second, MaxTTL: 10 * time.Second}, TierOptions{}, 200, 30000, 64, 20},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ops, seeds := tc.ops, uint64(3)
			if raceEnabled || testing.Short() {
				ops, seeds = ops/10, 1
			}
			for seed := uint64(1); seed <= seeds; seed++ {
				runTieredModel(t, tc.cfg, tc.opts, tc.keys, ops, tc.valMax, tc.flush, seed)
			}
		})
	}
}

func runTieredModel(t *testing.T, cfg Config, opts TierOptions, nkeys, nops, valMax, flushRarity int, seed uint64) {
	c, l2, clk := newTestTiered(t, cfg, nil, &opts)
	cfg.Clock = clk
	m := &model{items: map[string]*modelItem{}, flush: &flushState{}, defTTL: cfg.DefaultTTL, maxTTL: cfg.MaxTTL}
	r := rand.New(rand.NewPCG(seed, 43))
	keys := make([]string, nkeys)
	for i := range keys {
		keys[i] = fmt.Sprintf("key:%d", i)
	}
	randExptime := func(now int64) int64 {
		switch r.IntN(16) {
		case 0:
			return -1
		case 1:
			return now + int64(r.IntN(5)) // absolute, maybe past
		case 2, 3:
			return int64(1 + r.IntN(5))
		default:
			return 0
		}
	}
	randValue := func() []byte {
		n := r.IntN(valMax)
		if r.IntN(50) == 0 {
			n = r.IntN(40 << 10)
		}
		if r.IntN(4) == 0 {
			return []byte(strconv.FormatUint(r.Uint64()>>r.IntN(64), 10))
		}
		v := make([]byte, n)
		for i := range v {
			v[i] = byte('a' + r.IntN(26))
		}
		return v
	}
	fail := func(step int, op, k string, format string, args ...any) {
		t.Helper()
		t.Fatalf("seed %d step %d %s %q: "+format, append([]any{seed, step, op, k}, args...)...)
	}
	var warm sync.WaitGroup
	reopen := func(step int, warmUp bool) {
		warm.Wait()
		if err := c.Close(); err != nil {
			t.Fatalf("step %d: close: %v", step, err)
		}
		// A restart forgets a delayed flush that has not taken effect;
		// one that has is already in L2 (Close applies it).
		now := clk.Now().Unix()
		for k := range m.items {
			m.live(k, now)
		}
		c, _, _ = newTestTiered(t, cfg, l2.reopen(), &opts)
		l2 = c.l2.(*memL2)
		m.flush = c.l1.flush.Load()
		if warmUp {
			warm.Go(func() {
				if err := c.WarmUp(context.Background()); err != nil {
					t.Errorf("warm-up: %v", err)
				}
			})
		}
	}
	for step := range nops {
		switch step {
		case nops / 3:
			reopen(step, false)
		case 2 * nops / 3:
			reopen(step, true)
		}
		now := clk.Now().Unix()
		k := keys[r.IntN(len(keys))]
		it, has := m.live(k, now)
		switch op := r.IntN(16); op {
		case 0, 1, 2:
			v, fl, et := randValue(), r.Uint32(), randExptime(now)
			cas, err := c.Set(k, v, fl, et)
			if err != nil {
				fail(step, "set", k, "%v", err)
			}
			m.items[k] = &modelItem{value: v, flags: fl, exp: m.exp(et, now), stored: now, cas: cas}
		case 3:
			v, fl, et := randValue(), r.Uint32(), randExptime(now)
			cas, err := c.Add(k, v, fl, et)
			if has != errors.Is(err, ErrNotStored) || (!has && err != nil) {
				fail(step, "add", k, "err %v, model has %v", err, has)
			}
			if !has {
				m.items[k] = &modelItem{value: v, flags: fl, exp: m.exp(et, now), stored: now, cas: cas}
			}
		case 4:
			v, fl, et := randValue(), r.Uint32(), randExptime(now)
			cas, err := c.Replace(k, v, fl, et)
			if has == errors.Is(err, ErrNotStored) || (has && err != nil) {
				fail(step, "replace", k, "err %v, model has %v", err, has)
			}
			if has {
				m.items[k] = &modelItem{value: v, flags: fl, exp: m.exp(et, now), stored: now, cas: cas}
			}
		case 5:
			v := randValue()
			var cas uint64
			var err error
			app := r.IntN(2) == 0
			if app {
				cas, err = c.Append(k, v)
			} else {
				cas, err = c.Prepend(k, v)
			}
			if has == errors.Is(err, ErrNotStored) || (has && err != nil && !errors.Is(err, ErrTooLarge)) {
				fail(step, "append/prepend", k, "err %v, model has %v", err, has)
			}
			if has && errors.Is(err, ErrTooLarge) && !c.tooLarge(k, len(it.value)+len(v)) {
				fail(step, "append/prepend", k, "%v for %d+%d bytes", err, len(it.value), len(v))
			}
			if has && err == nil {
				nv := append([]byte{}, it.value...)
				if app {
					nv = append(nv, v...)
				} else {
					nv = append(append([]byte{}, v...), nv...)
				}
				m.items[k] = &modelItem{value: nv, flags: it.flags, exp: it.exp, stored: now, cas: cas}
			}
		case 6:
			v, fl, et := randValue(), r.Uint32(), randExptime(now)
			want := uint64(r.Uint32())
			if has && r.IntN(2) == 0 {
				want = it.cas
			}
			cas, err := c.CompareAndSwap(k, v, fl, et, want)
			switch {
			case !has:
				if !errors.Is(err, ErrNotFound) {
					fail(step, "cas", k, "absent: %v", err)
				}
			case want != it.cas:
				if !errors.Is(err, ErrExists) {
					fail(step, "cas", k, "stale: %v", err)
				}
			default:
				if err != nil {
					fail(step, "cas", k, "%v", err)
				}
				m.items[k] = &modelItem{value: v, flags: fl, exp: m.exp(et, now), stored: now, cas: cas}
			}
		case 7:
			var err error
			if has && r.IntN(2) == 0 {
				err = c.DeleteCAS(k, it.cas)
			} else {
				err = c.Delete(k)
			}
			if has != (err == nil) {
				fail(step, "delete", k, "err %v, model has %v", err, has)
			}
			delete(m.items, k)
		case 8:
			delta := r.Uint64() >> r.IntN(64)
			incr := r.IntN(2) == 0
			got, cas, err := c.Arith(k, delta, incr)
			if !has {
				if !errors.Is(err, ErrNotFound) {
					fail(step, "incr/decr", k, "absent: %v", err)
				}
				break
			}
			nv, n, ok := modelCounter(it.value, delta, incr)
			if !ok {
				if !errors.Is(err, ErrNotNumeric) {
					fail(step, "incr/decr", k, "value %q: %v", it.value, err)
				}
				break
			}
			if err != nil || got != n {
				fail(step, "incr/decr", k, "value %q delta %d: got %d %v want %d", it.value, delta, got, err, n)
			}
			it.value, it.stored, it.cas = nv, now, cas
		case 9:
			et := randExptime(now)
			err := c.Touch(k, et)
			if has != (err == nil) {
				fail(step, "touch", k, "err %v, model has %v", err, has)
			}
			if has {
				it.exp = m.exp(et, now)
			}
		case 10:
			et := randExptime(now)
			got, err := c.GetAndTouch(k, et)
			if has != (err == nil) {
				fail(step, "gat", k, "err %v, model has %v", err, has)
			}
			if has {
				it.exp = m.exp(et, now)
				if !bytes.Equal(got.Value, it.value) || got.Flags != it.flags || got.CAS != it.cas {
					fail(step, "gat", k, "got %+v want %+v", got, it)
				}
			}
		case 11:
			if r.IntN(flushRarity) == 0 {
				delay := int64(0)
				if r.IntN(2) == 0 {
					delay = int64(r.IntN(4))
				}
				if err := c.FlushAll(delay); err != nil {
					fail(step, "flush_all", "", "%v", err)
				}
				m.flush = c.l1.flush.Load()
			}
		case 12:
			if r.IntN(8) == 0 {
				clk.Advance(time.Duration(r.IntN(3)) * time.Second)
			}
		default:
			got, info, err := c.GetInto(nil, k)
			if has != (err == nil) {
				fail(step, "get", k, "err %v, model has %v", err, has)
			}
			if has && (!bytes.Equal(got, it.value) || info.Flags != it.flags || info.CAS != it.cas || info.Expiry != it.exp) {
				fail(step, "get", k, "got %q %+v want %q %+v", got, info, it.value, it)
			}
		}
		if step%97 == 0 {
			checkInvariants(t, c.l1, cfg)
			checkTierInvariants(t, c)
		}
	}
	warm.Wait()
	checkInvariants(t, c.l1, cfg)
	checkTierInvariants(t, c)
	st := c.Stats()
	if st.Tier.L2Hits == 0 {
		t.Fatalf("seed %d: no read went to L2: %+v", seed, st.Tier)
	}
	t.Logf("seed %d: L1 %d items, L2 %d entries; %d L1 hits, %d L2 hits, %d misses, %d promotions, %d L2 only; warm-up loaded %d",
		seed, st.CurrItems, l2.len(), st.Tier.L1Hits, st.Tier.L2Hits, st.Tier.Misses, st.Tier.Promotions, st.Tier.L2Only, st.Tier.WarmUpLoaded)
}
