package sim

import (
	"fmt"
	"math/bits"
	"slices"

	arc "github.com/hashicorp/golang-lru/arc/v2"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/maypok86/otter/v2"
	"github.com/ratmemcache/ratmemcache/engine"
)

// Cache is a cache under simulation: Get reports whether key is resident
// and, on a miss, inserts it (evicting as the policy decides).
type Cache interface {
	Get(key uint64) bool
}

// Reference policies implemented by other libraries, for comparison.
const (
	RefOtter = "otter"          // github.com/maypok86/otter/v2 (adaptive W-TinyLFU)
	RefLRU   = "golang-lru"     // github.com/hashicorp/golang-lru/v2 LRU
	RefARC   = "golang-lru-arc" // github.com/hashicorp/golang-lru/arc/v2 ARC
	Ref2Q    = "golang-lru-2q"  // github.com/hashicorp/golang-lru/v2 2Q
)

// PolicyNames lists every policy New accepts: the engine's, then the
// references.
func PolicyNames() []string {
	return append(engine.PolicyNames(), RefOtter, RefLRU, RefARC, Ref2Q)
}

// New returns an empty cache of size entries (each of weight 1) managed
// by the named policy.
func New(policy string, size int) (Cache, error) {
	if size < 1 {
		return nil, fmt.Errorf("sim: size %d must be at least 1", size)
	}
	switch policy {
	case RefOtter:
		c, err := otter.New(&otter.Options[uint64, struct{}]{
			MaximumSize: size,
			Executor:    func(fn func()) { fn() },
		})
		if err != nil {
			return nil, err
		}
		return &otterCache{c: c}, nil
	case RefLRU:
		c, err := lru.New[uint64, struct{}](size)
		if err != nil {
			return nil, err
		}
		return &hashicorpCache{get: c.Get, add: func(k uint64) { c.Add(k, struct{}{}) }}, nil
	case RefARC:
		c, err := arc.NewARC[uint64, struct{}](size)
		if err != nil {
			return nil, err
		}
		return &hashicorpCache{get: c.Get, add: func(k uint64) { c.Add(k, struct{}{}) }}, nil
	case Ref2Q:
		c, err := lru.New2Q[uint64, struct{}](size)
		if err != nil {
			return nil, err
		}
		return &hashicorpCache{get: c.Get, add: func(k uint64) { c.Add(k, struct{}{}) }}, nil
	}
	p, err := engine.NewPolicy(policy, uint64(size))
	if err != nil {
		return nil, fmt.Errorf("sim: unknown policy %q (known: %v)", policy, PolicyNames())
	}
	return &engineCache{p: p, size: size, ids: make(map[uint64]uint32, size)}, nil
}

// NewSharded returns a cache of size entries split over shards by key
// hash, as the engine splits a Cache: each shard holds its share of size
// (size/shards, the first size%shards one more) under its own instance of
// the policy. The engine's hybrid shards share their decision, as in a
// Cache (engine.NewPolicies). With one shard it is New.
func NewSharded(policy string, size, shards int) (Cache, error) {
	if shards < 1 || shards > size {
		return nil, fmt.Errorf("sim: %d shards for %d entries: want 1 to size", shards, size)
	}
	if shards == 1 {
		return New(policy, size)
	}
	sc := &shardedCache{shards: make([]Cache, shards)}
	share := func(i int) int {
		if i < size%shards {
			return size/shards + 1
		}
		return size / shards
	}
	ps, err := engine.NewPolicies(policy, uint64(size/shards), shards)
	if err != nil {
		// A reference policy: independent instances.
		for i := range sc.shards {
			if sc.shards[i], err = New(policy, share(i)); err != nil {
				return nil, err
			}
		}
		return sc, nil
	}
	for i, p := range ps {
		sc.shards[i] = &engineCache{p: p, size: share(i), ids: make(map[uint64]uint32, share(i))}
	}
	return sc, nil
}

// shardedCache routes each key to one of its shards by a mix of the key
// (trace keys are often small integers).
type shardedCache struct {
	shards []Cache
}

func (c *shardedCache) Get(key uint64) bool {
	h := key * 0x9E3779B97F4A7C15
	h ^= h >> 29
	h *= 0xBF58476D1CE4E5B9
	h ^= h >> 32
	i, _ := bits.Mul64(h, uint64(len(c.shards)))
	return c.shards[i].Get(key)
}

// engineCache drives an engine.Policy the way the engine's shards do:
// dense slot ids recycled through a free list, insert first, then evict
// while over capacity.
type engineCache struct {
	p    engine.Policy
	size int
	ids  map[uint64]uint32
	keys []uint64 // by slot id
	free []uint32
}

func (c *engineCache) Get(key uint64) bool {
	if id, ok := c.ids[key]; ok {
		c.p.Access(id)
		return true
	}
	var id uint32
	if n := len(c.free); n > 0 {
		id = c.free[n-1]
		c.free = c.free[:n-1]
	} else {
		id = uint32(len(c.keys))
		c.keys = append(c.keys, 0)
	}
	c.keys[id] = key
	c.ids[key] = id
	c.p.Insert(id, key, 1)
	for len(c.ids) > c.size {
		v, ok := c.p.Evict()
		if !ok {
			panic(fmt.Sprintf("sim: policy has no victim with %d entries resident", len(c.ids)))
		}
		delete(c.ids, c.keys[v])
		c.free = append(c.free, v)
	}
	return false
}

type otterCache struct {
	c *otter.Cache[uint64, struct{}]
}

func (c *otterCache) Get(key uint64) bool {
	if _, ok := c.c.GetIfPresent(key); ok {
		return true
	}
	c.c.Set(key, struct{}{})
	return false
}

type hashicorpCache struct {
	get func(uint64) (struct{}, bool)
	add func(uint64)
}

func (c *hashicorpCache) Get(key uint64) bool {
	if _, ok := c.get(key); ok {
		return true
	}
	c.add(key)
	return false
}

// Result is the outcome of one replay.
type Result struct {
	Trace    string
	Size     int
	Policy   string
	Requests uint64
	Hits     uint64
}

// HitRatio returns hits per request in percent (0 for an empty trace).
func (r Result) HitRatio() float64 {
	if r.Requests == 0 {
		return 0
	}
	return 100 * float64(r.Hits) / float64(r.Requests)
}

// Replay runs keys through a new cache of the given policy and size,
// starting empty.
func Replay(keys []uint64, size int, policy string) (Result, error) {
	return ReplaySharded(keys, size, policy, 1)
}

// ReplaySharded is Replay with the cache split over shards (NewSharded).
func ReplaySharded(keys []uint64, size int, policy string, shards int) (Result, error) {
	c, err := NewSharded(policy, size, shards)
	if err != nil {
		return Result{}, err
	}
	r := Result{Size: size, Policy: policy, Requests: uint64(len(keys))}
	for _, k := range keys {
		if c.Get(k) {
			r.Hits++
		}
	}
	return r, nil
}

// KnownPolicy reports whether New accepts name.
func KnownPolicy(name string) bool { return slices.Contains(PolicyNames(), name) }
