package engine

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

// modelItem is the plain-map model's view of one item.
type modelItem struct {
	value  []byte
	flags  uint32
	exp    int64 // absolute Unix seconds, 0 never
	stored int64
	cas    uint64
}

// model is a straightforward, obviously correct cache without capacity.
type model struct {
	items  map[string]*modelItem
	flush  *flushState
	defTTL time.Duration
	maxTTL time.Duration
}

func (m *model) live(k string, now int64) (*modelItem, bool) {
	it, ok := m.items[k]
	if !ok {
		return nil, false
	}
	dead := it.exp != 0 && it.exp <= now
	for _, f := range []flushCut{m.flush.done, m.flush.pending} {
		if f.oldestLive != 0 && f.oldestLive <= now &&
			(it.stored <= f.oldestLive || (f.oldestCAS != 0 && it.cas < f.oldestCAS)) {
			dead = true
		}
	}
	if dead {
		delete(m.items, k)
		return nil, false
	}
	return it, true
}

func (m *model) exp(exptime, now int64) int64 {
	e := Expiry(exptime, time.Unix(now, 0), m.defTTL, m.maxTTL)
	if e < 0 {
		return 1
	}
	return e
}

// modelCounter mirrors memcached's incr/decr on the model.
func modelCounter(v []byte, delta uint64, incr bool) ([]byte, uint64, bool) {
	s := string(bytes.TrimRight(v, " "))
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return nil, 0, false
	}
	if incr {
		n += delta
	} else if delta > n {
		n = 0
	} else {
		n -= delta
	}
	out := []byte(strconv.FormatUint(n, 10))
	for len(out) < len(v) {
		out = append(out, ' ')
	}
	return out, n, true
}

func TestCache_Model(t *testing.T) {
	cases := []struct {
		name   string
		cfg    Config
		keys   int
		ops    int
		valMax int
	}{
		{"roomy", Config{MaxMemory: 64 << 20}, 200, 60000, 64},
		{"ttl", Config{MaxMemory: 64 << 20, DefaultTTL: 3 * time.Second, MaxTTL: 10 * time.Second}, 100, 30000, 64},
		{"tight-memory", Config{MaxMemory: 2 << 20, Shards: 1, MaxItemSize: 64 << 10, EvictionPolicy: "lru"}, 3000, 60000, 3000},
		{"tight-shards", Config{MaxMemory: 8 << 20, Shards: 4, MaxItemSize: 256 << 10}, 3000, 60000, 5000},
		{"tight-entries", Config{MaxMemory: 16 << 20, Shards: 2, MaxEntries: 50}, 300, 30000, 64},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ops, seeds := tc.ops, uint64(3)
			if raceEnabled || testing.Short() {
				ops, seeds = ops/10, 1
			}
			for seed := uint64(1); seed <= seeds; seed++ {
				runModel(t, tc.cfg, tc.keys, ops, tc.valMax, seed)
			}
		})
	}
}

func runModel(t *testing.T, cfg Config, nkeys, nops, valMax int, seed uint64) {
	c, clk := newTestCache(t, cfg)
	m := &model{items: map[string]*modelItem{}, flush: &flushState{}, defTTL: cfg.DefaultTTL, maxTTL: cfg.MaxTTL}
	r := rand.New(rand.NewPCG(seed, 42))
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
	for step := range nops {
		now := clk.Now().Unix()
		k := keys[r.IntN(len(keys))]
		it, has := m.live(k, now)
		if has && !c.Contains(k) {
			// Evicted to respect capacity: the one thing the model does not predict.
			delete(m.items, k)
			it, has = nil, false
		}
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
			err := c.Delete(k)
			if has != (err == nil) {
				fail(step, "delete", k, "err %v, model has %v", err, has)
			}
			delete(m.items, k)
		case 8:
			delta := r.Uint64() >> r.IntN(64)
			incr := r.IntN(2) == 0
			var got uint64
			var err error
			if incr {
				got, err = c.Incr(k, delta)
			} else {
				got, err = c.Decr(k, delta)
			}
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
			it.value, it.stored, it.cas = nv, now, c.cas.Load()
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
			if r.IntN(20) == 0 {
				delay := int64(0)
				if r.IntN(2) == 0 {
					delay = int64(r.IntN(4))
				}
				c.FlushAll(delay)
				m.flush = c.flush.Load()
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
			checkInvariants(t, c, cfg)
		}
	}
	checkInvariants(t, c, cfg)
	st := c.Stats()
	t.Logf("seed %d: %d items, %d evictions, %d reclaimed, %d hits, %d misses", seed, st.CurrItems, st.Evictions, st.Reclaimed, st.GetHits, st.GetMisses)
}

// checkInvariants verifies the capacity rules and the internal structure
// of every shard.
func checkInvariants(t *testing.T, c *Cache, cfg Config) {
	t.Helper()
	st := c.Stats()
	if st.AccountedBytes > st.LimitMaxBytes {
		t.Fatalf("accounted %d > limit %d", st.AccountedBytes, st.LimitMaxBytes)
	}
	if cfg.MaxEntries > 0 && st.CurrItems > uint64(cfg.MaxEntries) {
		t.Fatalf("%d items > MaxEntries %d", st.CurrItems, cfg.MaxEntries)
	}
	for _, s := range c.shards {
		s.mu.Lock()
		live := 0
		for slot, addr := range s.loc {
			if addr == deadAddr {
				continue
			}
			live++
			it := s.arena.chunk(addr)
			got, ok := s.find(hashKey(c.seed, it.key()), string(it.key()))
			if !ok || got != uint32(slot) {
				t.Fatalf("index lost key %q", it.key())
			}
		}
		if int64(live) != s.count || s.idx.n != live {
			t.Fatalf("count %d, live slots %d, index %d", s.count, live, s.idx.n)
		}
		if s.arena.held+s.count*itemOverhead > s.c.set.shardMemory {
			t.Fatalf("shard accounted %d > %d", s.arena.held+s.count*itemOverhead, s.c.set.shardMemory)
		}
		s.mu.Unlock()
	}
}
