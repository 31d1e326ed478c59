package engine

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestHybridSampledMode runs the conformance model against a hybrid large
// enough to sample its miniatures (rate > 1, a real expert instance), and
// one that starts sampled and recalibrates to follow mode because its
// entries are heavy.
func TestHybridSampledMode(t *testing.T) {
	for _, c := range []struct {
		capacity uint64
		maxW     int
		follow   bool
	}{
		{40000, 1, false},
		{100000, 2000, true},
	} {
		m := newPolicyModel(t, "hybrid", c.capacity)
		r := rand.New(rand.NewPCG(3, c.capacity))
		z := rand.NewZipf(r, 1.05, 1, 200000)
		ids := map[uint64]uint32{}
		for range 200000 {
			k := z.Uint64()
			if id, ok := ids[k]; ok {
				if _, res := m.weight[id]; res && m.p.(*hybrid).hash[id] == k {
					m.p.Access(id)
					continue
				}
			}
			ids[k] = m.insert(k, uint32(1+r.IntN(c.maxW)))
			m.check()
		}
		h := m.p.(*hybrid)
		if h.follow != c.follow {
			t.Errorf("capacity %d: follow = %v, want %v (rate %d)", c.capacity, h.follow, c.follow, h.rate)
		}
	}
}

func TestHybridFollowsLeader(t *testing.T) {
	// On a loop slightly larger than the cache LRU never hits; the
	// ensemble must move away from it and score like W-TinyLFU.
	p := newHybrid(100)
	m := &policyModel{t: t, p: p, capacity: 100, weight: map[uint32]uint32{}}
	ids := map[uint64]uint32{}
	hits := 0
	for i := range 120 * 200 {
		k := uint64(i % 120)
		if id, ok := ids[k]; ok && p.hash[id] == k {
			if _, res := m.weight[id]; res {
				m.p.Access(id)
				hits++
				continue
			}
		}
		ids[k] = m.insert(k, 1)
	}
	if hits < 120*200/2 {
		t.Errorf("hybrid hit %d of %d on a loop", hits, 120*200)
	}
}

// TestHybridNoFlipFlop replays zig-zag sweeps, on which recency (LRU, ARC)
// is best and the experts' hits come in alternating bursts: the ensemble
// must not chase the bursts (each switch costs the contents) and must end
// up close to LRU.
func TestHybridNoFlipFlop(t *testing.T) {
	const capacity, span = 250, 1001
	var keys []uint64
	for r := range 40 {
		for i := range span {
			if r%2 == 0 {
				keys = append(keys, uint64(i))
			} else {
				keys = append(keys, uint64(span-1-i))
			}
		}
	}
	replay := func(p Policy) int { return replayKeys(t, p, capacity, keys) }
	lru, hyb := replay(newLRU()), replay(newHybrid(capacity))
	t.Logf("hybrid %d, LRU %d", hyb, lru)
	if hyb < lru*96/100 {
		t.Errorf("hybrid hit %d, LRU %d on zig-zag sweeps", hyb, lru)
	}
}

// TestLIRSConformance runs the conformance model's random operations
// against LIRS, which is not a registered policy (only an expert of
// hybrid), weighted and not, including a cache too small for any LIR
// entry.
func TestLIRSConformance(t *testing.T) {
	for _, capacity := range []uint64{1, 3, 200} {
		for _, weighted := range []bool{false, true} {
			r := rand.New(rand.NewPCG(5, capacity))
			m := &policyModel{t: t, p: newLIRS(capacity), capacity: capacity, weight: map[uint32]uint32{}}
			maxW := uint32(1)
			if weighted {
				maxW = uint32(min(capacity, 20))
			}
			m.randomOps(r, 20000, 5*capacity, maxW, func() {
				if l := m.p.(*lirs); l.ghostW > lirsGhostFactor*capacity {
					t.Fatalf("ghosts weigh %d, capacity %d", l.ghostW, capacity)
				} else if l.ghosts.n > lirsGhostFactor*max(l.n, 1) {
					t.Fatalf("%d ghosts for %d resident entries", l.ghosts.n, l.n)
				}
			})
			m.drain()
		}
	}
}

// TestLIRSLoop: on a loop slightly larger than the cache LIRS keeps a
// stable LIR set and hits on most of it, where LRU never hits.
func TestLIRSLoop(t *testing.T) {
	const capacity, span, rounds = 100, 120, 50
	keys := make([]uint64, span*rounds)
	for i := range keys {
		keys[i] = uint64(i % span)
	}
	if hits := replayKeys(t, newLIRS(capacity), capacity, keys); hits < span*rounds*3/4 {
		t.Errorf("LIRS hit %d of %d on a loop", hits, span*rounds)
	}
}

// TestLIRSOrder pins LIRS's choices on a cache of three (two LIR entries,
// one resident HIR entry): a ghost that comes back is promoted and demotes
// the oldest LIR entry; victims leave Q oldest first; an HIR entry hit
// outside the stack stays HIR and goes to the back of Q.
func TestLIRSOrder(t *testing.T) {
	p := newLIRS(3)
	var got []uint32
	evict := func() {
		id, ok := p.Evict()
		if !ok {
			t.Fatal("Evict failed")
		}
		got = append(got, id)
	}
	p.Insert(0, 10, 1) // A: LIR
	p.Insert(1, 11, 1) // B: LIR
	p.Insert(2, 12, 1) // C: resident HIR
	p.Insert(3, 13, 1) // D: resident HIR
	evict()            // C, the oldest in Q, becomes a ghost
	p.Insert(2, 12, 1) // C is back: LIR; A, the bottom LIR, is demoted
	evict()            // D, now the oldest in Q
	p.Access(0)        // A: HIR, not in the stack any more: back of Q
	p.Insert(3, 14, 1) // E: resident HIR
	evict()            // A
	want := []uint32{2, 3, 0}
	if !slices.Equal(got, want) {
		t.Fatalf("evicted %v, want %v", got, want)
	}
	if p.state[p.nodeOf[2]] != lirsLIR || p.state[p.nodeOf[1]] != lirsLIR {
		t.Errorf("B and C should be LIR")
	}
}

// TestHybridSwitchMigratesGradually: in sampled mode a switch hands the
// resident entries to a fresh instance of the new leader a batch per
// operation, in the previous instance's eviction order, and at once for an
// entry requested before its turn; no switch does the whole move in one
// operation. (While entries move, one that moves lands ahead of entries
// requested a little earlier: the policies insert at their most recent
// end. The move is short: hybridMigrateBatch per operation.)
func TestHybridSwitchMigratesGradually(t *testing.T) {
	const n = 40000
	p := newHybrid(n)
	for id := range uint32(n) {
		p.Insert(id, uint64(id)*0x9e3779b97f4a7c15, 1)
	}
	order := rand.New(rand.NewPCG(9, 9)).Perm(n)
	for _, id := range order {
		p.Access(uint32(id))
	}
	if p.follow {
		t.Fatalf("capacity %d should sample (rate %d)", n, p.rate)
	}
	p.rebuild(1) // LRU
	if p.old == nil || p.oldN != n {
		t.Fatalf("after the switch the previous instance holds %d entries, want all %d", p.oldN, n)
	}
	// The most recently used entries, requested again right after the
	// switch, move at once (and a batch of the stalest with each).
	late := order[n-100:]
	for _, id := range late {
		before := p.oldN
		p.Access(uint32(id))
		if p.inOld[id] {
			t.Fatalf("entry %d requested after the switch is still in the previous instance", id)
		}
		if moved := before - p.oldN; p.old != nil && moved > hybridMigrateBatch+1 {
			t.Fatalf("one request moved %d entries", moved)
		}
	}
	ops := 0
	for p.old != nil {
		p.Access(uint32(late[ops%len(late)]))
		ops++
	}
	if want := n/hybridMigrateBatch + 1; ops > want {
		t.Fatalf("the move took %d more requests, want at most %d", ops, want)
	}
	// Once the move is over the new instance alone decides: requested
	// again, the late entries are the LRU's most recent and leave last.
	isLate := map[uint32]bool{}
	for _, id := range late {
		isLate[uint32(id)] = true
		p.Access(uint32(id))
	}
	for i := range n {
		id, ok := p.Evict()
		if !ok {
			t.Fatal("Evict failed")
		}
		if isLate[id] && i < n-len(late) {
			t.Fatalf("entry %d, just requested, evicted %d-th of %d", id, i, n)
		}
	}
}

// TestHybridSampledRecency: on a recency-driven workload (LRU's best case,
// W-TinyLFU's worst) a sampled hybrid, which starts with W-TinyLFU, must
// leave it within about one turnover of the cache and end close to LRU.
func TestHybridSampledRecency(t *testing.T) {
	const capacity, requests = 40000, 600000
	keys := recencyKeys(11, requests, capacity/5)
	replay := func(p Policy) int { return replayKeys(t, p, capacity, keys) }
	lru, tiny, hyb := replay(newLRU()), replay(newWTinyLFU(capacity)), replay(newHybrid(capacity))
	t.Logf("hybrid %d, LRU %d, W-TinyLFU %d of %d", hyb, lru, tiny, requests)
	if hyb < lru*99/100 {
		t.Errorf("hybrid hit %d, LRU %d", hyb, lru)
	}
}

// replayKeys replays keys through p (every entry of weight 1, a miss
// inserting the key) under the conformance model and returns the hits.
func replayKeys(t *testing.T, p Policy, capacity uint64, keys []uint64) int {
	m := &policyModel{t: t, p: p, capacity: capacity, weight: map[uint32]uint32{}}
	ids, keyOf := map[uint64]uint32{}, map[uint32]uint64{}
	hits := 0
	for _, k := range keys {
		if id, ok := ids[k]; ok && keyOf[id] == k {
			if _, res := m.weight[id]; res {
				m.p.Access(id)
				hits++
				continue
			}
		}
		id := m.insert(k, 1)
		ids[k], keyOf[id] = id, k
	}
	return hits
}

// TestHybridRebuildKeepsSketch: a W-TinyLFU rebuilt in sampled mode, after
// a detour through another expert, starts with the frequency sketch it
// would have had had it run all along, since a sketch depends only on the
// requests.
func TestHybridRebuildKeepsSketch(t *testing.T) {
	const n = 40000
	p := newHybrid(n)
	var want sketch
	want.init(n)
	r := rand.New(rand.NewPCG(4, 4))
	next := uint32(0)
	request := func() {
		if next > 0 && r.IntN(3) > 0 {
			id := uint32(r.IntN(int(next)))
			if p.present[id] {
				p.Access(id)
				want.increment(p.hash[id])
				return
			}
		}
		id := next
		next++
		h := uint64(id) * 0x9e3779b97f4a7c15
		p.Insert(id, h, 1)
		want.ensure(p.n)
		want.increment(h)
		for p.weightN > n {
			if _, ok := p.Evict(); !ok {
				t.Fatal("Evict failed")
			}
		}
	}
	for range 3 * n {
		request()
	}
	if p.follow {
		t.Fatalf("capacity %d should sample", n)
	}
	for _, e := range []int{1, 6} { // LRU, LIRS
		p.rebuild(e)
		for range n {
			request()
		}
	}
	p.rebuild(0) // back to W-TinyLFU
	got := sketchOf(p.real)
	if got == nil {
		t.Fatal("real policy is not a W-TinyLFU")
	}
	if !slices.Equal(got.table, want.table) || got.additions != want.additions {
		t.Errorf("rebuilt sketch differs from one fed every request (additions %d, want %d)", got.additions, want.additions)
	}
	if p.shadow != nil {
		t.Error("shadow kept while the real policy carries the sketch")
	}
}

// TestHybridMigrationConformance runs the conformance model's random
// operations (inserts, hits, weight updates, removals, evictions) against
// a sampled hybrid while switches move its entries between instances,
// with switches forced every few hundred operations, some before the last
// move is over; then Evict must return every resident entry exactly once.
func TestHybridMigrationConformance(t *testing.T) {
	for _, weighted := range []bool{false, true} {
		const capacity = 40000
		r := rand.New(rand.NewPCG(21, 22))
		p := newHybrid(capacity)
		m := &policyModel{t: t, p: p, capacity: capacity, weight: map[uint32]uint32{}}
		maxW := uint32(1)
		if weighted {
			maxW = 4
		}
		switches, steps := 0, 60000
		if raceEnabled {
			steps = 30000
		}
		m.randomOps(r, steps, 3*capacity, maxW, func() {
			if r.IntN(600) == 0 && !p.follow {
				p.rebuild(r.IntN(hybridN))
				switches++
			}
			if p.old != nil && (p.oldN <= 0 || p.oldN > p.n) {
				t.Fatalf("previous instance holds %d of %d entries", p.oldN, p.n)
			}
		})
		if p.follow || switches < steps/2000 {
			t.Fatalf("follow %v, %d switches: the test did not exercise sampled switches", p.follow, switches)
		}
		m.drain()
	}
}
