package engine

import "fmt"

// Policy decides which entry of a shard is evicted next.
//
// A Policy sees entries only as slot ids chosen by its owner (small dense
// integers, unique among the entries currently resident, never
// 0xFFFFFFFF), their key hashes and their weights (accounted bytes in the
// engine, 1 in the simulator). It keeps its bookkeeping in pointer-free
// slices indexed by id, so that a cache of millions of entries costs the
// garbage collector nothing to scan; memory grows with the largest id seen.
// Every method runs in O(1) amortised time.
//
// The owner decides when to evict: it inserts first and then calls Evict
// while the total weight exceeds the capacity. A Policy is not safe for
// concurrent use: each shard owns one and calls it with the shard's lock
// held.
type Policy interface {
	// Insert records a new resident entry. A policy with admission control
	// may choose the new entry itself as the next victim.
	Insert(id uint32, hash uint64, weight uint32)
	// Access records a read hit on a resident entry.
	Access(id uint32)
	// Update records an overwrite of a resident entry with a new weight;
	// it counts as an access.
	Update(id uint32, weight uint32)
	// Remove forgets a resident entry that left for a reason other than
	// Evict (delete, expiry, flush).
	Remove(id uint32)
	// Evict chooses a victim among the resident entries, forgets it and
	// returns its id; ok is false when no entry is resident.
	Evict() (id uint32, ok bool)
}

// PolicyFactory makes a Policy for a cache (or shard) whose capacity is
// the given total weight.
type PolicyFactory func(capacity uint64) Policy

// policyFactory returns the factory of the named policy, nil if unknown.
// It is a switch rather than a mutable package-level map so that nothing
// can register into (or corrupt) a process-wide table.
func policyFactory(name string) PolicyFactory {
	switch name {
	case "lru":
		return func(uint64) Policy { return newLRU() }
	case "fifo":
		return func(uint64) Policy { return newFIFO() }
	case "lfu":
		return func(uint64) Policy { return newLFU() }
	case "sieve":
		return func(uint64) Policy { return newSIEVE() }
	case "s3fifo":
		return func(c uint64) Policy { return newS3FIFO(c) }
	case "arc":
		return func(c uint64) Policy { return newARC(c) }
	case "2q":
		return func(c uint64) Policy { return newTwoQ(c) }
	case "wtinylfu":
		return func(c uint64) Policy { return newWTinyLFU(c) }
	case "hybrid":
		return func(c uint64) Policy { return newHybrid(c) }
	}
	return nil
}

// NewPolicy returns a new Policy by name (one of PolicyNames) for a
// capacity expressed in weight units.
func NewPolicy(name string, capacity uint64) (Policy, error) {
	f := policyFactory(name)
	if f == nil {
		return nil, fmt.Errorf("engine: unknown eviction policy %q (known: %v)", name, PolicyNames())
	}
	return f(capacity), nil
}

// NewPolicies returns the policies of the n shards of one cache, each for
// a capacity (its shard's share), by name. Keys spread over the shards by
// hash see the same workload, so the shards' `hybrid` policies share one
// decision: each runs a smaller share of the miniature experts (their
// memory stays bounded however many shards there are) and reports their
// hits to the group, which picks the leader for all of them. Other
// policies are independent of each other.
func NewPolicies(name string, capacity uint64, n int) ([]Policy, error) {
	f := policyFactory(name)
	if f == nil {
		return nil, fmt.Errorf("engine: unknown eviction policy %q (known: %v)", name, PolicyNames())
	}
	if n < 1 {
		return nil, fmt.Errorf("engine: %d shards: want at least 1", n)
	}
	var g *hybridGroup
	if name == "hybrid" && n > 1 {
		g = newHybridGroup(n)
		f = func(c uint64) Policy { return newHybridIn(c, g) }
	}
	ps := make([]Policy, n)
	for i := range ps {
		ps[i] = f(capacity)
	}
	return ps, nil
}

// PolicyNames lists the names NewPolicy accepts, sorted. The caller owns
// the returned slice.
func PolicyNames() []string {
	return []string{"2q", "arc", "fifo", "hybrid", "lfu", "lru", "s3fifo", "sieve", "wtinylfu"}
}
