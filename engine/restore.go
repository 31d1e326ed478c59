package engine

// Low-level access for tiering ([Tiered]): storing an item that comes
// from the second tier with the CAS unique and expiry it already has, and
// reading or removing an item without counting it in the statistics.

// restore stores it with its own CAS unique, flags and absolute expiry
// (it.Expiry, Unix seconds, 0 never), stored at the current second. Unless
// replace is set it never replaces a live item: if key holds one, nothing
// changes and inserted is false. An item already expired is not inserted
// (with replace, it removes the old one). An item too large for the cache
// gives [ErrTooLarge] and, with replace, removes the old one. full
// reports that the shard evicted to make room (a warm-up stops filling
// that shard then). The CAS counter is raised to at least it.CAS, so
// uniques assigned later are larger.
func (c *Cache) restore(it Item, replace bool) (inserted, full bool, err error) {
	return c.restoreMode(it, replace, false)
}

// restoreRoom is restore without replace that never evicts: if L1 has no
// room for it without evicting, it inserts nothing and reports full.
func (c *Cache) restoreRoom(it Item) (inserted, full bool, err error) {
	return c.restoreMode(it, false, true)
}

func (c *Cache) restoreMode(it Item, replace, noEvict bool) (inserted, full bool, err error) {
	now := c.now()
	h, s, err := c.lock(it.Key)
	if err != nil {
		return false, false, err
	}
	defer s.mu.Unlock()
	slot, _, _, found := s.lookup(h, it.Key, now)
	if found && !replace {
		return false, false, nil
	}
	dead := it.Expiry != 0 && it.Expiry <= now
	n := itemSize(len(it.Key), len(it.Value))
	if dead || !s.fits(n) {
		if found {
			s.removeSlot(slot, leftDeleted)
		}
		if dead {
			return false, false, nil
		}
		return false, false, ErrTooLarge
	}
	if noEvict && !found && !s.room(n) {
		return false, true, nil
	}
	c.raiseCAS(it.CAS)
	m := meta{cas: it.CAS, exp: storedExpiry(it.Expiry), stored: uint32(now), flags: it.Flags}
	before := s.st.evictions + s.st.reclaimed
	if err := s.put(h, it.Key, slot, found, m, it.Value, nil, now); err != nil {
		return false, true, err
	}
	return true, s.st.evictions+s.st.reclaimed != before, nil
}

// drop removes key if present, without counting a delete.
func (c *Cache) drop(key string) error {
	h, s, err := c.lock(key)
	if err != nil {
		return err
	}
	defer s.mu.Unlock()
	if slot, ok := s.find(h, key); ok {
		s.removeSlot(slot, leftDeleted)
	}
	return nil
}

// shardOf returns the index of the shard of key.
func (c *Cache) shardOf(key string) int {
	return int(hashKey(c.seed, key) >> c.shift & uint64(len(c.shards)-1))
}

// peek returns a copy of the live item of key without counting a read,
// marking it fetched or telling the policy; ok is false if it is absent,
// expired or flushed.
func (c *Cache) peek(key string) (it Item, ok bool, err error) {
	now := c.now()
	h, s, err := c.lock(key)
	if err != nil {
		return Item{}, false, err
	}
	defer s.mu.Unlock()
	slot, found := s.find(h, key)
	if !found {
		return Item{}, false, nil
	}
	x := s.arena.chunk(s.loc[slot])
	if s.invalid(x, now) != 0 {
		return Item{}, false, nil
	}
	v := append([]byte{}, x.value()...)
	return Item{Key: key, Value: v, Flags: x.flags(), Expiry: int64(x.exp()), CAS: x.cas()}, true, nil
}

// raiseCAS makes the CAS counter at least v.
func (c *Cache) raiseCAS(v uint64) {
	for {
		cur := c.cas.Load()
		if cur >= v || c.cas.CompareAndSwap(cur, v) {
			return
		}
	}
}
