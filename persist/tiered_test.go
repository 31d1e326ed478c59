package persist_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/ratmemcache/ratmemcache/engine"
	"github.com/ratmemcache/ratmemcache/persist"
)

// tieredItem is the model's view of one key.
type tieredItem struct {
	value []byte
	flags uint32
	cas   uint64
}

// TestTiered_ModelOverBolt runs random operations (text and meta) on an
// engine.Tiered whose L1 is tiny, over the real bbolt store, against a
// map; in the middle it closes everything and reopens the same directory
// (with a warm-up running alongside), as a restart does. Every answer must
// be the model's, CAS uniques included.
func TestTiered_ModelOverBolt(t *testing.T) {
	for _, tc := range []struct {
		name  string
		large int // TierOptions.LargeValueThreshold
	}{{"small-values", 0}, {"large-values", 1500}} {
		for seed := uint64(1); seed <= 2; seed++ {
			t.Run(fmt.Sprint(tc.name, "-seed", seed), func(t *testing.T) { runTieredBolt(t, tc.large, seed) })
		}
	}
}

func runTieredBolt(t *testing.T, large int, seed uint64) {
	dir := t.TempDir()
	open := func(warm bool) *engine.Tiered {
		t.Helper()
		s, err := persist.Open(dir, persist.Options{Durability: persist.DurabilityNone, CompressionThreshold: 256})
		if err != nil {
			t.Fatal(err)
		}
		l1, err := engine.New(&engine.Config{MaxMemory: 256 << 10, Shards: 2, MaxItemSize: 64 << 10, EvictionPolicy: "lru"})
		if err != nil {
			t.Fatal(err)
		}
		tc, err := engine.NewTiered(l1, s, &engine.TierOptions{LargeValueThreshold: large})
		if err != nil {
			t.Fatal(err)
		}
		if warm {
			go tc.WarmUp(context.Background())
		}
		return tc
	}
	c := open(false)
	defer func() { c.Close() }()

	r := rand.New(rand.NewPCG(seed, 7))
	model := map[string]*tieredItem{}
	const nkeys, nops = 400, 4000
	randValue := func() []byte {
		n := r.IntN(3000)
		v := make([]byte, n)
		for i := range v {
			v[i] = byte('a' + r.IntN(4)) // compressible
		}
		return v
	}
	same := bytes.Equal
	// number parses a counter as memcached does: digits, then the end or
	// a space (what follows the space does not matter).
	number := func(v []byte) (uint64, error) {
		d := bytes.TrimLeft(v, " ")
		if i := bytes.IndexByte(d, ' '); i >= 0 {
			d = d[:i]
		}
		return strconv.ParseUint(string(d), 10, 64)
	}
	// counter formats n as memcached does in place: padded with spaces to
	// the old length when shorter.
	counter := func(n uint64, old []byte) []byte {
		s := []byte(strconv.FormatUint(n, 10))
		for len(s) < len(old) {
			s = append(s, ' ')
		}
		return s
	}
	for i := range nops {
		if i == nops/3 || i == 2*nops/3 {
			if err := c.Close(); err != nil {
				t.Fatalf("op %d: close: %v", i, err)
			}
			c = open(i == 2*nops/3)
		}
		key := "k" + strconv.Itoa(r.IntN(nkeys))
		m, found := model[key]
		fail := func(format string, args ...any) {
			t.Helper()
			t.Fatalf("op %d key %s (model %v): %s", i, key, found, fmt.Sprintf(format, args...))
		}
		switch op := r.IntN(14); op {
		case 0, 1, 2: // set
			v, fl := randValue(), r.Uint32()
			cas, err := c.Set(key, v, fl, 0)
			if err != nil {
				fail("set: %v", err)
			}
			model[key] = &tieredItem{v, fl, cas}
		case 3: // add or replace
			v := randValue()
			var cas uint64
			var err error
			if r.IntN(2) == 0 {
				cas, err = c.Add(key, v, 1, 0)
				if found != errors.Is(err, engine.ErrNotStored) {
					fail("add: %v", err)
				}
			} else {
				cas, err = c.Replace(key, v, 1, 0)
				if found == errors.Is(err, engine.ErrNotStored) {
					fail("replace: %v", err)
				}
			}
			if err == nil {
				model[key] = &tieredItem{v, 1, cas}
			}
		case 4: // append or prepend
			v := randValue()
			v = v[:min(len(v), r.IntN(50))]
			var cas uint64
			var err error
			app := r.IntN(2) == 0
			if app {
				cas, err = c.Append(key, v)
			} else {
				cas, err = c.Prepend(key, v)
			}
			if !found {
				if !errors.Is(err, engine.ErrNotStored) {
					fail("append/prepend of a missing key: %v", err)
				}
				break
			}
			if err != nil {
				fail("append/prepend: %v", err)
			}
			nv := append([]byte{}, m.value...)
			if app {
				nv = append(nv, v...)
			} else {
				nv = append(append([]byte{}, v...), m.value...)
			}
			m.value, m.cas = nv, cas
		case 5: // cas, right or wrong unique
			var want uint64
			if found {
				want = m.cas
			}
			if r.IntN(3) == 0 {
				want++
			}
			v := randValue()
			cas, err := c.CompareAndSwap(key, v, 2, 0, want)
			switch {
			case !found:
				if !errors.Is(err, engine.ErrNotFound) {
					fail("cas of a missing key: %v", err)
				}
			case want != m.cas:
				if !errors.Is(err, engine.ErrExists) {
					fail("cas with a wrong unique: %v", err)
				}
			case err != nil:
				fail("cas: %v", err)
			default:
				model[key] = &tieredItem{v, 2, cas}
			}
		case 6: // incr on a counter
			if r.IntN(2) == 0 || !found {
				cas, err := c.Set(key, []byte("100"), 3, 0)
				if err != nil {
					fail("set counter: %v", err)
				}
				m, found = &tieredItem{[]byte("100"), 3, cas}, true
				model[key] = m
			}
			n, numeric := number(m.value)
			d := uint64(r.IntN(200))
			incr := r.IntN(2) == 0
			v, cas, err := c.Arith(key, d, incr)
			if numeric != nil {
				if !errors.Is(err, engine.ErrNotNumeric) {
					fail("arith on a non-number %q: %v", m.value, err)
				}
				break
			}
			if incr {
				n += d
			} else {
				n -= min(n, d)
			}
			if err != nil || v != n {
				fail("arith: %d %v, want %d", v, err, n)
			}
			m.value, m.cas = counter(n, m.value), cas
		case 7: // delete
			err := c.Delete(key)
			if found != (err == nil) {
				fail("delete: %v", err)
			}
			delete(model, key)
		case 8, 9: // gets
			it, err := c.Gets(key)
			if !found {
				if !errors.Is(err, engine.ErrNotFound) {
					fail("gets of a missing key: %+v %v", it, err)
				}
				break
			}
			if err != nil || !same(it.Value, m.value) || it.Flags != m.flags || it.CAS != m.cas {
				fail("gets: %d bytes flags %d cas %d %v, want %d bytes flags %d cas %d",
					len(it.Value), it.Flags, it.CAS, err, len(m.value), m.flags, m.cas)
			}
		case 10: // mg
			v, res := c.Meta(nil, key, &engine.MetaOp{Command: engine.MetaGet, WantValue: true})
			if !found {
				if !errors.Is(res.Err, engine.ErrNotFound) {
					fail("mg of a missing key: %+v", res)
				}
				break
			}
			if res.Err != nil || !same(v, m.value) || res.Flags != m.flags || res.CAS != m.cas {
				fail("mg: %d bytes %+v, want flags %d cas %d", len(v), res, m.flags, m.cas)
			}
		case 11: // ms, in set or append mode
			v := randValue()
			if r.IntN(2) == 0 {
				_, res := c.Meta(nil, key, &engine.MetaOp{Command: engine.MetaSet, Value: v, Flags: 4})
				if res.Err != nil {
					fail("ms: %+v", res)
				}
				model[key] = &tieredItem{v, 4, res.CAS}
				break
			}
			v = v[:min(len(v), r.IntN(40))]
			_, res := c.Meta(nil, key, &engine.MetaOp{Command: engine.MetaSet, Mode: engine.MetaModeAppend, Value: v})
			if !found {
				if !errors.Is(res.Err, engine.ErrNotStored) {
					fail("ms MA of a missing key: %+v", res)
				}
				break
			}
			if res.Err != nil {
				fail("ms MA: %+v", res)
			}
			m.value, m.cas = append(append([]byte{}, m.value...), v...), res.CAS
		case 12: // md, maybe with a compared unique
			op := &engine.MetaOp{Command: engine.MetaDelete}
			wrong := false
			if found && r.IntN(3) == 0 {
				op.CompareCAS, op.CAS = true, m.cas+1
				wrong = true
			}
			_, res := c.Meta(nil, key, op)
			switch {
			case !found:
				if !errors.Is(res.Err, engine.ErrNotFound) {
					fail("md of a missing key: %+v", res)
				}
			case wrong:
				if !errors.Is(res.Err, engine.ErrExists) {
					fail("md with a wrong unique: %+v", res)
				}
			case res.Err != nil:
				fail("md: %+v", res)
			default:
				delete(model, key)
			}
		case 13: // ma with autovivify
			_, res := c.Meta(nil, key, &engine.MetaOp{Command: engine.MetaArith, Delta: 5, Vivify: true, Initial: 9})
			if !found {
				if res.Err != nil || !res.Vivified || res.Number != 9 {
					fail("ma N of a missing key: %+v", res)
				}
				model[key] = &tieredItem{[]byte("9"), 0, res.CAS}
				break
			}
			n, numeric := number(m.value)
			if numeric != nil {
				if !errors.Is(res.Err, engine.ErrNotNumeric) {
					fail("ma on a non-number: %+v", res)
				}
				break
			}
			if res.Err != nil || res.Number != n+5 {
				fail("ma: %+v, want %d", res, n+5)
			}
			m.value, m.cas = counter(n+5, m.value), res.CAS
		}
	}
	// Finally every key, after one more restart.
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	c = open(false)
	for i := range nkeys {
		key := "k" + strconv.Itoa(i)
		it, err := c.Gets(key)
		m, found := model[key]
		if !found {
			if !errors.Is(err, engine.ErrNotFound) {
				t.Fatalf("%s after restart: %+v %v, want a miss", key, it, err)
			}
			continue
		}
		if err != nil || !same(it.Value, m.value) || it.Flags != m.flags || it.CAS != m.cas {
			t.Fatalf("%s after restart: %d bytes flags %d cas %d %v, want %d bytes flags %d cas %d",
				key, len(it.Value), it.Flags, it.CAS, err, len(m.value), m.flags, m.cas)
		}
	}
	st := c.Stats().Tier
	if st.L2Hits == 0 || st.L2WriteErrors != 0 || st.L2ReadErrors != 0 {
		t.Fatalf("tier stats %+v: want L2 hits and no errors", st)
	}
}
