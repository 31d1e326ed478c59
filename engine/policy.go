package engine

import (
	"fmt"
	"sort"
)

// Policy decides which entry of a shard is evicted next.
//
// A Policy sees entries only as slot ids chosen by its owner (small dense
// integers, unique among the entries currently resident), their key hashes
// and their weights (accounted bytes in the engine, 1 in the simulator).
// It keeps its bookkeeping in pointer-free slices indexed by id, so that a
// cache of millions of entries costs the garbage collector nothing to scan.
// Every method runs in O(1) amortised time.
//
// A Policy is not safe for concurrent use: each shard owns one and calls it
// with the shard's lock held.
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

var policies = map[string]PolicyFactory{
	"lru": func(capacity uint64) Policy { return newLRU() },
}

// NewPolicy returns a new Policy by name ("lru", ...) for a capacity
// expressed in weight units.
func NewPolicy(name string, capacity uint64) (Policy, error) {
	f, ok := policies[name]
	if !ok {
		return nil, fmt.Errorf("engine: unknown eviction policy %q (known: %v)", name, PolicyNames())
	}
	return f(capacity), nil
}

// PolicyNames lists the names NewPolicy accepts, sorted.
func PolicyNames() []string {
	names := make([]string, 0, len(policies))
	for n := range policies {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
