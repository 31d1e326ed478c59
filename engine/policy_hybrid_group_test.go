package engine

import (
	"math/rand/v2"
	"testing"
)

// groupReplay replays keys through the shards' policies, each key routed
// to a shard by its hash as a Cache routes it, every shard under the
// conformance model with its share of the capacity and entries of the
// given weight. It returns the hits.
func groupReplay(t *testing.T, ps []Policy, capacity uint64, w uint32, keys []uint64) int {
	t.Helper()
	models := make([]*policyModel, len(ps))
	ids := make([]map[uint64]uint32, len(ps))
	keyOf := make([]map[uint32]uint64, len(ps))
	for i, p := range ps {
		models[i] = &policyModel{t: t, p: p, capacity: capacity, weight: map[uint32]uint32{}}
		ids[i], keyOf[i] = map[uint64]uint32{}, map[uint32]uint64{}
	}
	hits := 0
	for _, k := range keys {
		s := int(mix64(k^0x5bd1e995) % uint64(len(ps)))
		m := models[s]
		if id, ok := ids[s][k]; ok && keyOf[s][id] == k {
			if _, res := m.weight[id]; res {
				m.p.Access(id)
				hits++
				continue
			}
		}
		id := m.insert(k, w)
		ids[s][k], keyOf[s][id] = id, k
	}
	for _, m := range models {
		m.check()
	}
	return hits
}

// recencyKeys is a workload on which recency wins: 30% new keys, the rest
// re-requests at an exponentially distributed distance of mean scale.
func recencyKeys(seed uint64, requests int, scale float64) []uint64 {
	r := rand.New(rand.NewPCG(seed, seed+1))
	keys := make([]uint64, 0, requests)
	fresh := uint64(0)
	for range requests {
		if len(keys) == 0 || r.Float64() < 0.3 {
			fresh++
			keys = append(keys, fresh)
			continue
		}
		d := min(int(r.ExpFloat64()*scale), len(keys)-1)
		keys = append(keys, keys[len(keys)-1-d])
	}
	return keys
}

// TestHybridGroupFollowsOneLeader: the hybrid policies of a cache's shards
// decide together. On a recency workload that starts under W-TinyLFU, the
// group moves to a recency expert, every shard follows it, and the sharded
// hybrid scores within 2% of sharded LRU (the first decisions cost a
// little, as they do a hybrid alone) and at least as well as shards that
// decide alone with exact miniatures, each shard's miniatures holding only
// a share of the sample.
func TestHybridGroupFollowsOneLeader(t *testing.T) {
	const shards, perShard, requests = 8, 5000, 600000
	keys := recencyKeys(11, requests, shards*perShard/5)
	ps, err := NewPolicies("hybrid", perShard, shards)
	if err != nil {
		t.Fatal(err)
	}
	hyb := groupReplay(t, ps, perShard, 1, keys)
	lrus, _ := NewPolicies("lru", perShard, shards)
	lru := groupReplay(t, lrus, perShard, 1, keys)
	alone := make([]Policy, shards) // each with exact miniatures of its own
	for i := range alone {
		alone[i] = newHybrid(perShard)
	}
	solo := groupReplay(t, alone, perShard, 1, keys)
	t.Logf("sharded hybrid %d (independent shards %d), LRU %d of %d", hyb, solo, lru, requests)
	if hyb < lru*98/100 || hyb < solo*995/1000 {
		t.Errorf("sharded hybrid hit %d, independent hybrid shards %d, LRU %d", hyb, solo, lru)
	}
	g := ps[0].(*hybrid).group
	if g == nil {
		t.Fatal("the shards' hybrid policies have no group")
	}
	leader := int(g.leader.Load())
	if leader == 0 {
		t.Errorf("the group still follows W-TinyLFU (expert 0) on a recency workload")
	}
	for i, p := range ps {
		h := p.(*hybrid)
		if h.group != g {
			t.Errorf("shard %d has another group", i)
		}
		if h.cur != leader && h.old == nil {
			t.Errorf("shard %d follows expert %d, the group %d", i, h.cur, leader)
		}
		if h.follow || h.rate != perShard/(hybridMiniEntries/shards) {
			t.Errorf("shard %d: follow %v, rate %d; want sampled at %d", i, h.follow, h.rate, perShard/(hybridMiniEntries/shards))
		}
	}
}

// TestHybridGroupMemory: with many shards, weights in bytes and a
// capacity of many bytes per shard, the experts' bookkeeping stays a small
// share of the entries: every shard's miniatures target their share of the
// group's sample (here the floor, hybridShardMiniEntries), and no
// frequency sketch is sized for the capacity in bytes.
func TestHybridGroupMemory(t *testing.T) {
	const shards, weight, perShard = 64, 150, 4000 // entries per shard when full
	capacity := uint64(weight * perShard)
	ps, err := NewPolicies("hybrid", capacity, shards)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(5, 6))
	z := rand.NewZipf(r, 1.01, 1, 1<<22)
	keys := make([]uint64, 3*shards*perShard)
	for i := range keys {
		keys[i] = z.Uint64()
	}
	groupReplay(t, ps, capacity, weight, keys)
	for i, p := range ps {
		h := p.(*hybrid)
		if h.follow {
			t.Fatalf("shard %d is in follow mode (exact miniatures) with %d entries", i, h.n)
		}
		miniEntries, words := 0, 0
		for _, m := range h.minis {
			miniEntries += len(m.hash)
			if s := sketchOf(m.p); s != nil {
				words += len(s.table)
			}
		}
		if s := sketchOf(h.real); s != nil {
			words += len(s.table)
		}
		if h.shadow != nil {
			words += len(h.shadow.table)
		}
		// Slots for at most twice the target per miniature, a sketch
		// word at most four per entry it tracks.
		if max := 2 * hybridN * hybridShardMiniEntries; miniEntries > max {
			t.Errorf("shard %d: %d miniature slots, want at most %d", i, miniEntries, max)
		}
		if max := 4 * (h.n + 4*hybridShardMiniEntries); words > max {
			t.Errorf("shard %d: %d sketch words for %d entries, want at most %d", i, words, h.n, max)
		}
	}
}

// TestSketchSizedByEntries: a W-TinyLFU whose weights are bytes sizes its
// sketch for the entries it holds, not for its capacity; with weights of
// 1 the sketch is sized for the capacity from the start, as before.
func TestSketchSizedByEntries(t *testing.T) {
	p := newWTinyLFU(1 << 30)
	for id := range uint32(1000) {
		p.Insert(id, uint64(id)*0x9E3779B97F4A7C15, 200)
	}
	if n := len(p.sketch.table); n > 4*1000 {
		t.Errorf("sketch of %d words for 1,000 entries of 200 bytes", n)
	}
	q := newWTinyLFU(5000)
	q.Insert(0, 1, 1)
	if n := len(q.sketch.table); n != 8192 {
		t.Errorf("sketch of %d words for a capacity of 5,000 entries, want 8192", n)
	}
}

// TestNewPolicies checks the shards' policies: one per shard, a group only
// for the hybrid ones of several shards, errors named.
func TestNewPolicies(t *testing.T) {
	ps, err := NewPolicies("hybrid", 100, 1)
	if err != nil || len(ps) != 1 || ps[0].(*hybrid).group != nil {
		t.Errorf("one hybrid shard: %v, %v", ps, err)
	}
	ps, err = NewPolicies("lru", 100, 3)
	if err != nil || len(ps) != 3 || ps[0] == ps[1] {
		t.Errorf("three LRU shards: %v, %v", ps, err)
	}
	if _, err := NewPolicies("nope", 100, 2); err == nil {
		t.Error("unknown policy accepted")
	}
	if _, err := NewPolicies("lru", 100, 0); err == nil {
		t.Error("0 shards accepted")
	}
}

// TestHybridGroupConformance runs the conformance model's random
// operations against the shards of a group, in sampled and in follow mode,
// while the group's leader is changed under them every few hundred
// operations (as another shard's report changes it): each shard switches
// at its next request, and Evict then returns every resident entry
// exactly once.
func TestHybridGroupConformance(t *testing.T) {
	for _, c := range []struct {
		capacity uint64
		follow   bool
	}{{40000, false}, {400, true}} {
		ps, err := NewPolicies("hybrid", c.capacity, 4)
		if err != nil {
			t.Fatal(err)
		}
		g := ps[0].(*hybrid).group
		r := rand.New(rand.NewPCG(31, c.capacity))
		steps := 20000
		if raceEnabled {
			steps = 8000
		}
		switches := 0
		for i, p := range ps {
			h := p.(*hybrid)
			m := &policyModel{t: t, p: p, capacity: c.capacity, weight: map[uint32]uint32{}}
			m.randomOps(r, steps, 3*c.capacity, 3, func() {
				if r.IntN(300) == 0 {
					g.leader.Store(int32(r.IntN(hybridN)))
				}
				if h.old == nil && h.cur != int(g.leader.Load()) && h.requests > 0 {
					switches++
				}
			})
			if h.follow != c.follow {
				t.Fatalf("shard %d: follow %v, want %v", i, h.follow, c.follow)
			}
			m.drain()
		}
		if switches == 0 {
			t.Errorf("capacity %d: no shard lagged behind its group's leader: the test exercised nothing", c.capacity)
		}
	}
}
