package engine

import "strconv"

// Operations a server needs beyond the core get/store/delete set:
// conditional delete, statistics reset and a consistent walk over the
// items for key listings (memcached's lru_crawler metadump).

// DeleteCAS removes key only if its CAS unique is cas: [ErrNotFound] if
// absent, [ErrExists] if it changed since it was read. A cas of 0 deletes
// unconditionally, like [Cache.Delete].
func (c *Cache) DeleteCAS(key string, cas uint64) error {
	if cas == 0 {
		return c.Delete(key)
	}
	now := c.now()
	h, s, err := c.lock(key)
	if err != nil {
		return err
	}
	defer s.mu.Unlock()
	slot, it, _, ok := s.lookup(h, key, now)
	if !ok {
		s.st.deleteMisses++
		return ErrNotFound
	}
	if it.cas() != cas {
		return ErrExists
	}
	s.st.deleteHits++
	s.removeSlot(slot, leftDeleted)
	return nil
}

// SetMaxMemory changes the memory limit at run time (memcached's
// cache_memlimit). Lowering it evicts, per the policy, until every shard
// is within its new share; raising it lets the cache grow. The limit
// must leave each shard room for one item of MaxItemSize, or the call
// fails with a [*ConfigError] and changes nothing. The eviction policy
// keeps the capacity it was sized for at construction.
func (c *Cache) SetMaxMemory(n int64) error {
	per := n / int64(len(c.shards))
	if n <= 0 || per < int64(c.set.MaxItemSize)+itemOverhead || per > maxShardMemory {
		return &ConfigError{"MaxMemory", "cannot change the limit to " + strconv.FormatInt(n, 10) +
			" bytes: each of the " + strconv.Itoa(len(c.shards)) + " shards needs room for an item of MaxItemSize"}
	}
	now := c.now()
	for _, s := range c.shards {
		s.mu.Lock()
		s.limit = per
		for s.arena.held+s.count*itemOverhead > s.limit {
			if s.arena.shrink(s.moved, true) {
				continue
			}
			if !s.evictOne(now) {
				break
			}
		}
		s.mu.Unlock()
	}
	c.maxMemory.Store(n)
	return nil
}

// ResetStats zeroes the counters (memcached's "stats reset"). Gauges such
// as the current item count and bytes are not counters and stay.
func (c *Cache) ResetStats() {
	for _, s := range c.shards {
		s.mu.Lock()
		s.st = counters{}
		s.mu.Unlock()
	}
	c.flushN.Store(0)
}

// RangeInfo is the metadata [Cache.Range] reports for an item.
type RangeInfo struct {
	ItemInfo
	// Stored is the Unix second the item was last written.
	Stored int64
	// Fetched reports whether the item was read since it was written.
	Fetched bool
	// Size is the item's size in bytes: header, key and value.
	Size int
}

// rangeBatch bounds how many slots Range looks at per lock hold, so a
// walk never stalls a shard for long.
const rangeBatch = 512

// Range calls fn for every live item, shard by shard, until fn returns
// false. Items are copied out in small batches under the shard lock and
// fn runs without any lock held, so fn may be slow (write to a network
// connection) or call back into the cache. key is valid only during the
// call. Items written during the walk may or may not be seen.
func (c *Cache) Range(fn func(key []byte, info RangeInfo) bool) {
	var (
		keys  []byte
		ends  []int
		infos []RangeInfo
	)
	for _, s := range c.shards {
		for next := 0; ; {
			keys, ends, infos = keys[:0], ends[:0], infos[:0]
			now := c.now()
			s.mu.Lock()
			if s.closed {
				s.mu.Unlock()
				return
			}
			stop := min(next+rangeBatch, len(s.loc))
			for ; next < stop; next++ {
				addr := s.loc[next]
				if addr == deadAddr {
					continue
				}
				it := s.arena.chunk(addr)
				if s.invalid(it, now) != 0 {
					continue
				}
				keys = append(keys, it.key()...)
				ends = append(ends, len(keys))
				infos = append(infos, it.rangeInfo())
			}
			done := next >= len(s.loc)
			s.mu.Unlock()
			start := 0
			for i, end := range ends {
				if !fn(keys[start:end:end], infos[i]) {
					return
				}
				start = end
			}
			if done {
				break
			}
		}
	}
}
