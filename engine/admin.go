package engine

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
				infos = append(infos, RangeInfo{
					ItemInfo: ItemInfo{Flags: it.flags(), Expiry: int64(it.exp()), CAS: it.cas()},
					Stored:   int64(it.stored()),
					Fetched:  it.fetched(),
					Size:     it.size(),
				})
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
