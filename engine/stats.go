package engine

// Stats is a snapshot of a [Cache]'s counters and gauges. Field comments
// give the name memcached uses in its "stats" output.
type Stats struct {
	GetHits          uint64 // get_hits
	GetMisses        uint64 // get_misses
	GetExpired       uint64 // get_expired: misses because the item had expired
	GetFlushed       uint64 // get_flushed: misses because of flush_all
	CmdGet           uint64 // cmd_get: keys fetched (get, gets, gat, gats)
	CmdSet           uint64 // cmd_set: store requests
	CmdTouch         uint64 // cmd_touch: touch and gat requests
	CmdFlush         uint64 // cmd_flush
	DeleteHits       uint64 // delete_hits
	DeleteMisses     uint64 // delete_misses
	IncrHits         uint64 // incr_hits
	IncrMisses       uint64 // incr_misses
	DecrHits         uint64 // decr_hits
	DecrMisses       uint64 // decr_misses
	CasHits          uint64 // cas_hits
	CasMisses        uint64 // cas_misses
	CasBadval        uint64 // cas_badval
	TouchHits        uint64 // touch_hits
	TouchMisses      uint64 // touch_misses
	Evictions        uint64 // evictions: live items removed to make room
	ExpiredUnfetched uint64 // expired_unfetched
	EvictedUnfetched uint64 // evicted_unfetched
	Reclaimed        uint64 // reclaimed: expired or flushed items removed
	TotalItems       uint64 // total_items: items stored

	CurrItems      uint64 // curr_items
	Bytes          uint64 // bytes: header, key and value of current items
	AccountedBytes uint64 // bytes counted against LimitMaxBytes (chunks, pages, per-item overhead)
	LimitMaxBytes  uint64 // limit_maxbytes
}

// Stats returns a snapshot of the counters. Each shard is read under its
// lock, so the figures of one shard are consistent with each other.
func (c *Cache) Stats() Stats {
	var st Stats
	for _, s := range c.shards {
		s.mu.Lock()
		k := s.st
		st.GetHits += k.getHits
		st.GetMisses += k.getMisses
		st.GetExpired += k.getExpired
		st.GetFlushed += k.getFlushed
		st.CmdGet += k.cmdGet
		st.CmdSet += k.cmdSet
		st.CmdTouch += k.cmdTouch
		st.DeleteHits += k.deleteHits
		st.DeleteMisses += k.deleteMisses
		st.IncrHits += k.incrHits
		st.IncrMisses += k.incrMisses
		st.DecrHits += k.decrHits
		st.DecrMisses += k.decrMisses
		st.CasHits += k.casHits
		st.CasMisses += k.casMisses
		st.CasBadval += k.casBadval
		st.TouchHits += k.touchHits
		st.TouchMisses += k.touchMisses
		st.Evictions += k.evictions
		st.ExpiredUnfetched += k.expiredUnfetched
		st.EvictedUnfetched += k.evictedUnfetched
		st.Reclaimed += k.reclaimed
		st.TotalItems += k.totalItems
		st.CurrItems += uint64(s.count)
		st.Bytes += uint64(s.bytes)
		if s.arena != nil {
			st.AccountedBytes += uint64(s.arena.held + s.count*itemOverhead)
		}
		s.mu.Unlock()
	}
	st.CmdFlush = c.flushN.Load()
	st.LimitMaxBytes = uint64(c.maxMemory.Load())
	return st
}
