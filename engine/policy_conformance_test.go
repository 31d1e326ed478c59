package engine

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// residentCounter is implemented by every policy for tests.
type residentCounter interface{ resident() int }

// forEachPolicy runs f as a subtest for every registered policy.
func forEachPolicy(t *testing.T, f func(t *testing.T, name string)) {
	t.Helper()
	for _, name := range PolicyNames() {
		t.Run(name, func(t *testing.T) { f(t, name) })
	}
}

func mustPolicy(t testing.TB, name string, capacity uint64) Policy {
	t.Helper()
	p, err := NewPolicy(name, capacity)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPolicyNamesKnown(t *testing.T) {
	names := PolicyNames()
	if !slices.IsSorted(names) {
		t.Errorf("PolicyNames not sorted: %v", names)
	}
	for _, n := range names {
		if _, err := NewPolicy(n, 8); err != nil {
			t.Errorf("NewPolicy(%q): %v", n, err)
		}
	}
	if _, err := NewPolicy("nope", 8); err == nil {
		t.Error("NewPolicy(nope) succeeded")
	}
	if !slices.Contains(names, DefaultEvictionPolicy) {
		t.Errorf("DefaultEvictionPolicy %q not registered", DefaultEvictionPolicy)
	}
}

// conformance model: the owner side of the Policy contract, as the cache
// core uses it.
type policyModel struct {
	t        testing.TB
	p        Policy
	capacity uint64
	weight   map[uint32]uint32
	total    uint64
	free     []uint32
	next     uint32
}

func newPolicyModel(t testing.TB, name string, capacity uint64) *policyModel {
	return &policyModel{t: t, p: mustPolicy(t, name, capacity), capacity: capacity, weight: map[uint32]uint32{}}
}

func (m *policyModel) newID() uint32 {
	if n := len(m.free); n > 0 {
		id := m.free[n-1]
		m.free = m.free[:n-1]
		return id
	}
	m.next++
	return m.next - 1
}

func (m *policyModel) evictToFit() {
	for m.total > m.capacity {
		id, ok := m.p.Evict()
		if !ok {
			m.t.Fatalf("Evict failed with total weight %d > capacity %d and %d entries", m.total, m.capacity, len(m.weight))
		}
		w, present := m.weight[id]
		if !present {
			m.t.Fatalf("Evict returned id %d which is not resident", id)
		}
		delete(m.weight, id)
		m.total -= uint64(w)
		m.free = append(m.free, id)
	}
}

func (m *policyModel) insert(hash uint64, w uint32) uint32 {
	id := m.newID()
	m.p.Insert(id, hash, w)
	m.weight[id] = w
	m.total += uint64(w)
	m.evictToFit()
	return id
}

func (m *policyModel) check() {
	if m.total > m.capacity {
		m.t.Fatalf("total weight %d exceeds capacity %d", m.total, m.capacity)
	}
	if rc, ok := m.p.(residentCounter); ok && rc.resident() != len(m.weight) {
		m.t.Fatalf("policy has %d resident, owner %d", rc.resident(), len(m.weight))
	}
}

func (m *policyModel) randomResident(r *rand.Rand) (uint32, bool) {
	if len(m.weight) == 0 {
		return 0, false
	}
	k := r.IntN(len(m.weight))
	for id := range m.weight {
		if k == 0 {
			return id, true
		}
		k--
	}
	return 0, false
}

func TestPolicyConformanceRandomOps(t *testing.T) {
	forEachPolicy(t, func(t *testing.T, name string) {
		for _, weighted := range []bool{false, true} {
			r := rand.New(rand.NewPCG(1, uint64(len(name))))
			m := newPolicyModel(t, name, 200)
			maxW := uint32(1)
			if weighted {
				maxW = 20
			}
			m.randomOps(r, 20000, 1000, maxW, nil)
			m.drain()
		}
	})
}

// randomOps applies steps random inserts (keys below keys), accesses,
// updates and removes with weights 1..maxWeight, checking the model after
// each and then calling after (when not nil).
func (m *policyModel) randomOps(r *rand.Rand, steps int, keys uint64, maxWeight uint32, after func()) {
	for range steps {
		w := 1 + r.Uint32N(maxWeight)
		switch op := r.IntN(10); {
		case op < 4:
			m.insert(r.Uint64N(keys), w)
		case op < 7:
			if id, ok := m.randomResident(r); ok {
				m.p.Access(id)
			}
		case op < 8:
			if id, ok := m.randomResident(r); ok {
				m.total = m.total - uint64(m.weight[id]) + uint64(w)
				m.weight[id] = w
				m.p.Update(id, w)
				m.evictToFit()
			}
		default:
			if id, ok := m.randomResident(r); ok {
				m.p.Remove(id)
				m.total -= uint64(m.weight[id])
				delete(m.weight, id)
				m.free = append(m.free, id)
			}
		}
		m.check()
		if after != nil {
			after()
		}
	}
}

// drain checks that Evict returns every resident id exactly once, then
// reports an empty policy.
func (m *policyModel) drain() {
	t := m.t
	for len(m.weight) > 0 {
		id, ok := m.p.Evict()
		if !ok {
			t.Fatalf("Evict failed with %d resident", len(m.weight))
		}
		if _, present := m.weight[id]; !present {
			t.Fatalf("Evict returned absent id %d", id)
		}
		delete(m.weight, id)
	}
	if id, ok := m.p.Evict(); ok {
		t.Fatalf("Evict on empty policy returned %d", id)
	}
}

func TestPolicyConformanceRemoveAll(t *testing.T) {
	forEachPolicy(t, func(t *testing.T, name string) {
		p := mustPolicy(t, name, 100)
		for id := range uint32(50) {
			p.Insert(id, uint64(id)*7919, 1)
		}
		for id := range uint32(50) {
			if id%3 == 0 {
				p.Access(id)
			}
		}
		for id := range uint32(50) {
			p.Remove(id)
		}
		if id, ok := p.Evict(); ok {
			t.Fatalf("Evict after removing everything returned %d", id)
		}
		// Reuse of ids after removal works.
		for id := range uint32(10) {
			p.Insert(id, uint64(id), 1)
		}
		seen := map[uint32]bool{}
		for {
			id, ok := p.Evict()
			if !ok {
				break
			}
			if id >= 10 || seen[id] {
				t.Fatalf("Evict returned %d (seen %v)", id, seen)
			}
			seen[id] = true
		}
		if len(seen) != 10 {
			t.Fatalf("drained %d ids, want 10", len(seen))
		}
	})
}

func TestPolicyConformanceUnitWeightCapacity(t *testing.T) {
	// A simulator-style replay: the number of resident entries never
	// exceeds the capacity and hits are counted consistently.
	forEachPolicy(t, func(t *testing.T, name string) {
		for _, capacity := range []uint64{1, 2, 7, 64} {
			m := newPolicyModel(t, name, capacity)
			ids := map[uint64]uint32{}
			hashOf := map[uint32]uint64{}
			r := rand.New(rand.NewPCG(7, capacity))
			for range 5000 {
				k := r.Uint64N(3 * capacity)
				if id, ok := ids[k]; ok && hashOf[id] == k {
					if _, res := m.weight[id]; res {
						m.p.Access(id)
						continue
					}
				}
				id := m.insert(k, 1)
				ids[k] = id
				hashOf[id] = k
				m.check()
			}
		}
	})
}

func TestPolicyAccessZeroAllocs(t *testing.T) {
	forEachPolicy(t, func(t *testing.T, name string) {
		p := mustPolicy(t, name, 1024)
		for id := range uint32(1024) {
			p.Insert(id, uint64(id), 1)
		}
		var i uint32
		allocs := testing.AllocsPerRun(1000, func() {
			p.Access(i % 1024)
			i++
		})
		if allocs != 0 {
			t.Errorf("Access allocates %v per op", allocs)
		}
	})
}

func BenchmarkPolicyAccess(b *testing.B) {
	for _, name := range PolicyNames() {
		b.Run(name, func(b *testing.B) {
			const n = 1 << 16
			p := mustPolicy(b, name, n)
			for id := range uint32(n) {
				p.Insert(id, uint64(id), 1)
			}
			b.ReportAllocs()
			var x uint32 = 1
			for b.Loop() {
				x = x*1664525 + 1013904223
				p.Access(x & (n - 1))
			}
		})
	}
}

func BenchmarkPolicyInsertEvict(b *testing.B) {
	for _, name := range PolicyNames() {
		b.Run(name, func(b *testing.B) {
			const n = 1 << 14
			p := mustPolicy(b, name, n)
			for id := range uint32(n) {
				p.Insert(id, uint64(id), 1)
			}
			b.ReportAllocs()
			h := uint64(n)
			for b.Loop() {
				id, _ := p.Evict()
				h++
				p.Insert(id, h*0x9E3779B97F4A7C15, 1)
			}
		})
	}
}
