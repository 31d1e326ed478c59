package engine

import (
	"strconv"
	"sync"
)

// itemOverhead is the fixed number of bytes accounted per item on top of
// its chunk: the index entry (8 bytes at a load of at most 3/4), the slot
// table entry, and the policy's per-entry bookkeeping.
const itemOverhead = 32

// deadAddr marks a free slot in shard.loc.
const deadAddr = ^uint32(0)

// Reasons an item leaves a shard other than being overwritten.
const (
	leftDeleted = iota
	leftEvicted
	leftExpired   // expired or flushed, found lazily or by the cleaner
	leftReclaimed // expired or flushed, chosen by the policy as victim
)

// counters are the per-shard statistics, updated with the shard lock held.
type counters struct {
	getHits, getMisses, getExpired, getFlushed    uint64
	cmdGet, cmdSet, cmdTouch                      uint64
	deleteHits, deleteMisses                      uint64
	incrHits, incrMisses, decrHits, decrMisses    uint64
	casHits, casMisses, casBadval                 uint64
	touchHits, touchMisses                        uint64
	evictions, expiredUnfetched, evictedUnfetched uint64
	reclaimed, totalItems                         uint64
}

// shard is one independently locked part of a Cache: an arena of item
// chunks, an index from key hash to slot id, a slot table from slot id to
// chunk address, and the eviction policy state.
type shard struct {
	c *Cache

	mu      sync.Mutex // protects all fields below
	closed  bool
	arena   *arena
	idx     index
	loc     []uint32 // slot id -> chunk address, deadAddr if free
	free    []uint32 // free slot ids
	count   int64    // live items
	bytes   int64    // sum of item sizes (header, key, value)
	policy  Policy
	cursor  int    // next slot the cleaner looks at
	scratch []byte // reused buffer for append/prepend
	st      counters
	limit   int64 // accounted-byte limit: shardMemory, or set by SetMaxMemory
}

// newShard returns an empty shard of c whose eviction policy is p.
func newShard(c *Cache, p Policy) *shard {
	return &shard{c: c, arena: newArena(c.set.pageSize), policy: p, limit: c.set.shardMemory}
}

// find returns the slot of key, or false. It does not check expiry.
func (s *shard) find(h uint64, key string) (uint32, bool) {
	x := &s.idx
	if x.n == 0 {
		return 0, false
	}
	tag := uint32(h)
	m := x.mask()
	for i := x.home(tag); ; i = (i + 1) & m {
		e := x.t[i]
		if e == 0 {
			return 0, false
		}
		if uint32(e>>32) == tag {
			slot := uint32(e) - 1
			if string(s.arena.chunk(s.loc[slot]).key()) == key {
				return slot, true
			}
		}
	}
}

// invalid reports whether the item is expired (1) or flushed (2) at now.
func (s *shard) invalid(it hdr, now int64) int {
	if expired(it.exp(), now) {
		return 1
	}
	if s.c.flush.Load().flushed(it.stored(), it.cas(), now) {
		return 2
	}
	return 0
}

// lookup finds a live item. An expired or flushed item is removed and
// reported as why (1 expired, 2 flushed) with ok false.
func (s *shard) lookup(h uint64, key string, now int64) (slot uint32, it hdr, why int, ok bool) {
	slot, ok = s.find(h, key)
	if !ok {
		return 0, nil, 0, false
	}
	it = s.arena.chunk(s.loc[slot])
	if why = s.invalid(it, now); why != 0 {
		s.removeSlot(slot, leftExpired)
		return 0, nil, why, false
	}
	return slot, it, 0, true
}

// removeSlot unlinks the item of slot from the index, the policy (unless
// it was evicted, which the policy already forgot) and the arena.
func (s *shard) removeSlot(slot uint32, why int) {
	addr := s.loc[slot]
	it := s.arena.chunk(addr)
	h := hashKey(s.c.seed, it.key())
	s.idx.remove(uint32(h), slot)
	switch why {
	case leftEvicted:
		s.st.evictions++
		if !it.fetched() {
			s.st.evictedUnfetched++
		}
		if f := s.c.set.OnEvict; f != nil {
			f(it.key(), it.rangeInfo())
		}
	case leftExpired, leftReclaimed:
		s.st.reclaimed++
		if !it.fetched() {
			s.st.expiredUnfetched++
		}
		if why == leftExpired {
			s.policy.Remove(slot)
		}
	default:
		s.policy.Remove(slot)
	}
	s.bytes -= int64(it.size())
	s.count--
	s.arena.free(addr)
	s.loc[slot] = deadAddr
	s.free = append(s.free, slot)
}

// moved records that compaction copied the item at src to dst.
func (s *shard) moved(src, dst uint32) {
	tag := uint32(hashKey(s.c.seed, s.arena.chunk(dst).key()))
	x := &s.idx
	m := x.mask()
	for i := x.home(tag); x.t[i] != 0; i = (i + 1) & m {
		if e := x.t[i]; uint32(e>>32) == tag && s.loc[uint32(e)-1] == src {
			s.loc[uint32(e)-1] = dst
			return
		}
	}
	panic("engine: moved chunk not in index")
}

// evictOne asks the policy for a victim and removes it; an expired victim
// counts as reclaimed rather than evicted, as in memcached.
func (s *shard) evictOne(now int64) bool {
	if s.c.set.DisableEvictions {
		return s.reclaimOne(now)
	}
	slot, ok := s.policy.Evict()
	if !ok {
		return false
	}
	if s.invalid(s.arena.chunk(s.loc[slot]), now) != 0 {
		s.removeSlot(slot, leftReclaimed)
		return true
	}
	s.removeSlot(slot, leftEvicted)
	return true
}

// weight is what the policy is told an item of n bytes costs.
func (s *shard) weight(n int) uint32 { return uint32(s.arena.chunkCost(n) + itemOverhead) }

// fits reports whether an item of n bytes can ever be stored.
func (s *shard) fits(n int) bool {
	return n <= s.c.set.MaxItemSize && int64(s.arena.chunkCost(n))+itemOverhead <= s.limit
}

// room reports whether a new item of n bytes can be stored without
// evicting anything (conservatively: it may say no when alloc would
// have found room by reorganising the arena).
func (s *shard) room(n int) bool {
	a := s.arena
	items := s.count + 1
	if lim := s.c.set.shardEntries; lim > 0 && items > lim {
		return false
	}
	budget := s.limit - items*itemOverhead
	if a.held > budget {
		return false
	}
	c := a.classFor(n)
	if c == hugeClass {
		return a.held+int64(hugeSize(n)) <= budget
	}
	return a.classes[c].freeChunks() > 0 || len(a.pool) > 0 || a.held+int64(a.pageSize) <= budget
}

// alloc finds a chunk for an item of n bytes, evicting as needed so that
// the accounted bytes (arena bytes held plus itemOverhead per item) stay
// within the shard's memory. keep is the slot being overwritten, or
// deadAddr; it may itself be evicted.
func (s *shard) alloc(n int, keep uint32, now int64) (uint32, error) {
	a := s.arena
	c := a.classFor(n)
	for {
		items := s.count + 1
		if keep != deadAddr && s.loc[keep] != deadAddr {
			items--
		}
		if lim := s.c.set.shardEntries; lim > 0 && items > lim {
			if !s.evictOne(now) {
				return 0, ErrNoMemory
			}
			continue
		}
		budget := s.limit - items*itemOverhead
		if a.held <= budget {
			if c == hugeClass {
				if addr, ok := a.allocHuge(n, budget); ok {
					return addr, nil
				}
			} else {
				if addr, ok := a.popFree(c); ok {
					return addr, nil
				}
				if a.grow(c, budget) {
					continue
				}
			}
		}
		if a.shrink(s.moved, c == hugeClass || a.held > budget) {
			continue
		}
		if !s.evictOne(now) {
			return 0, ErrNoMemory
		}
	}
}

// put stores a new version of key: in place of slot when found, else in
// a new slot. The value is v1 followed by v2.
func (s *shard) put(h uint64, key string, slot uint32, found bool, m meta, v1, v2 []byte, now int64) error {
	n := itemSize(len(key), len(v1)+len(v2))
	if found {
		addr := s.loc[slot]
		old := s.arena.chunk(addr)
		oldSize := old.size()
		if s.arena.classFor(oldSize) == s.arena.classFor(n) && s.arena.classFor(n) != hugeClass {
			old.write(m, key, v1, v2)
			s.bytes += int64(n - oldSize)
			s.policy.Update(slot, s.weight(n))
			s.st.totalItems++
			return nil
		}
	}
	keep := deadAddr
	if found {
		keep = slot
	}
	addr, err := s.alloc(n, keep, now)
	if err != nil {
		if found && s.loc[slot] != deadAddr {
			s.removeSlot(slot, leftDeleted)
		}
		return err
	}
	if found && s.loc[slot] != deadAddr {
		old := s.arena.chunk(s.loc[slot])
		s.bytes -= int64(old.size())
		s.arena.free(s.loc[slot])
		s.loc[slot] = addr
		s.arena.chunk(addr).write(m, key, v1, v2)
		s.bytes += int64(n)
		s.policy.Update(slot, s.weight(n))
		s.st.totalItems++
		return nil
	}
	if k := len(s.free); k > 0 {
		slot = s.free[k-1]
		s.free = s.free[:k-1]
	} else {
		slot = uint32(len(s.loc))
		s.loc = append(s.loc, deadAddr)
	}
	s.loc[slot] = addr
	s.arena.chunk(addr).write(m, key, v1, v2)
	s.idx.insert(uint32(h), slot)
	s.policy.Insert(slot, h, s.weight(n))
	s.count++
	s.bytes += int64(n)
	s.st.totalItems++
	return nil
}

// formatCounter renders v for a counter that held old bytes: in place and
// space-padded when the new number is not longer, as memcached does.
func formatCounter(buf []byte, v uint64, oldLen int) []byte {
	buf = strconv.AppendUint(buf[:0], v, 10)
	for len(buf) < oldLen {
		buf = append(buf, ' ')
	}
	return buf
}

// reclaimScan bounds the slots a store looks at for an expired item when
// evictions are disabled (memcached looks at a few items of an LRU tail).
const reclaimScan = 64

// reclaimOne makes room without evicting a live item: it removes the
// expired or flushed items among the next reclaimScan slots and reports
// whether it found any.
func (s *shard) reclaimOne(now int64) bool {
	before := s.count
	s.clean(reclaimScan, now)
	return s.count < before
}

// clean removes up to n expired or flushed items, scanning slots from the
// cleaner's cursor; it returns the number of slots looked at.
func (s *shard) clean(n int, now int64) int {
	looked := 0
	for ; looked < n && len(s.loc) > 0; looked++ {
		if s.cursor >= len(s.loc) {
			s.cursor = 0
		}
		slot := uint32(s.cursor)
		s.cursor++
		if addr := s.loc[slot]; addr != deadAddr && s.invalid(s.arena.chunk(addr), now) != 0 {
			s.removeSlot(slot, leftExpired)
		}
	}
	return looked
}
