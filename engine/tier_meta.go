package engine

import "time"

// Meta runs the meta operation op on key over both tiers, with the
// semantics of [Cache.Meta], and returns the extended dst and the result.
//
// Under the key's stripe lock, an item held only in L2 is promoted into
// L1 in the same L1 critical section as the operation (so no eviction can
// come between), L1 runs the operation, and the outcome is written
// through: a created or changed item (new CAS unique or expiry) is put to
// L2, a deleted one is deleted from L2. A failed L2 write is returned as
// the result's Err (an [*L2Error]) and the key leaves L1, as for the other
// writes.
//
// The meta marks (stale, recache token sent, fetched, binary key, last
// access) live in L1 only: L2 keeps value, flags, expiry and CAS unique,
// so an item read back from L2 starts with the marks clear and a last
// access of 0 seconds ago.
//
// Large values (see [Tiered]) never enter L1. A meta operation on a large
// item, or one that makes an item large (ms of a large value, append or
// prepend that outgrows the threshold), is applied to the item read from
// L2 and the result is written back to L2 alone: mg reports the value,
// flags, CAS unique and TTL and may touch it, md deletes it (with I it
// gets a new CAS unique, the stale mark is not kept), ma works on it as on
// any number, and me reports its size with class 0. mg's recache token
// (R) is then won by every request that qualifies, as no token state is
// kept.
func (t *Tiered) Meta(dst []byte, key string, op *MetaOp) ([]byte, MetaResult) {
	mu, si, err := t.begin(key)
	if err != nil {
		return dst, MetaResult{Err: err}
	}
	defer mu.Unlock()
	defer t.wrote(si)
	now := t.l1.now()
	cur, inL1, found, err := t.current(key, now)
	if err != nil {
		return dst, MetaResult{Err: err}
	}
	if t.metaDirect(key, op, cur, found) {
		return t.metaL2(dst, key, op, cur, found, now)
	}
	var promote *Item
	if found && !inL1 {
		promote = &cur
	}
	dst, r, w := t.l1.metaWrite(dst, key, op, promote)
	if w.unfit {
		// L1 cannot take the item now (its shard is too small for it).
		return t.metaL2(dst, key, op, cur, found, now)
	}
	if w.promoted {
		t.st.promotions.Add(1) // L1 counts the read itself as a hit
	}
	switch {
	case w.changed:
		if err := t.persist(w.item, now); err != nil {
			return dst, MetaResult{Err: err}
		}
	case found && !w.after:
		// Deleted, or dropped by L1 as too large, as memcached does.
		if err := t.l2.Delete(key); err != nil {
			t.st.l2WriteErrors.Add(1)
			return dst, MetaResult{Err: &L2Error{Op: "delete", Key: key, Err: err}}
		}
		t.st.l2Writes.Add(1)
	}
	return dst, r
}

// metaDirect reports whether op must bypass L1: the item is large, or the
// operation would store a large value.
func (t *Tiered) metaDirect(key string, op *MetaOp, cur Item, found bool) bool {
	if found && t.large(key, len(cur.Value)) {
		return true
	}
	if op.Command != MetaSet {
		return false
	}
	n := len(op.Value)
	if op.Mode == MetaModeAppend || op.Mode == MetaModePrepend {
		if !found {
			return false
		}
		n += len(cur.Value)
	}
	return t.large(key, n) || t.tooLarge(key, n)
}

// metaL2 applies op to cur (the item read from L2, if found) without L1
// and writes the result to L2; see [Tiered.Meta] for what it keeps.
func (t *Tiered) metaL2(dst []byte, key string, op *MetaOp, cur Item, found bool, now int64) ([]byte, MetaResult) {
	ttl := func(exp int64) int64 {
		if exp == 0 {
			return -1
		}
		return exp - now
	}
	n := cur
	switch op.Command {
	case MetaGet:
		if !found {
			return dst, MetaResult{Err: ErrNotFound} // vivify never reaches here
		}
		r := MetaResult{Flags: cur.Flags, CAS: cur.CAS, TTL: ttl(cur.Expiry), Size: len(cur.Value)}
		exp := cur.Expiry
		if op.Touch {
			_, n.Expiry = t.expiry(op.Exptime, now)
			r.TouchedTTL = ttl(n.Expiry)
			if op.RecacheAfterTouch {
				exp = n.Expiry
			}
			if _, err := t.commit(n, now); err != nil {
				return dst, MetaResult{Err: err}
			}
		}
		if op.RecacheTTL != 0 && exp != 0 {
			r.Won = exp < Expiry(op.RecacheTTL, time.Unix(now, 0), 0, 0)
		}
		if op.WantValue {
			dst = append(dst, cur.Value...)
		}
		return dst, r
	case MetaDebug:
		if !found {
			return dst, MetaResult{Err: ErrNotFound}
		}
		return dst, MetaResult{Flags: cur.Flags, CAS: cur.CAS, TTL: ttl(cur.Expiry), Size: itemSize(len(key), len(cur.Value))}
	case MetaDelete:
		if !found {
			return dst, MetaResult{Err: ErrNotFound}
		}
		if op.CompareCAS && op.CAS != cur.CAS {
			return dst, MetaResult{Err: ErrExists}
		}
		if !op.Invalidate {
			if err := t.dropBoth(key); err != nil {
				return dst, MetaResult{Err: err}
			}
			t.st.l2Writes.Add(1)
			return dst, MetaResult{}
		}
		if op.Touch {
			_, n.Expiry = t.expiry(op.Exptime, now)
		}
		n.CAS = t.l1.cas.Add(1)
		if _, err := t.commit(n, now); err != nil {
			return dst, MetaResult{Err: err}
		}
		return dst, MetaResult{CAS: n.CAS}
	case MetaArith:
		if !found {
			return dst, MetaResult{Err: ErrNotFound} // vivify never reaches here
		}
		if op.CAS != 0 && op.CAS != cur.CAS {
			return dst, MetaResult{Err: ErrExists}
		}
		v, ok := parseCounter(cur.Value)
		if !ok {
			return dst, MetaResult{Err: ErrNotNumeric}
		}
		if op.Decr {
			v -= min(v, op.Delta)
		} else {
			v += op.Delta
		}
		n.Value = formatCounter(make([]byte, 0, 24), v, len(cur.Value))
		r := MetaResult{TTL: ttl(cur.Expiry), Number: v}
		if op.Touch {
			_, exp := t.expiry(op.Exptime, now)
			r.TouchedTTL = ttl(exp)
			if len(n.Value) == len(cur.Value) {
				n.Expiry = exp
			}
		}
		n.CAS = t.l1.cas.Add(1)
		if _, err := t.commit(n, now); err != nil {
			return dst, MetaResult{Err: err}
		}
		r.CAS = n.CAS
		return dst, r
	}
	// MetaSet.
	_, exp := t.expiry(op.Exptime, now)
	n = Item{Key: key, Value: op.Value, Flags: op.Flags, Expiry: exp}
	switch op.Mode {
	case MetaModeAdd:
		if found {
			return dst, MetaResult{Err: ErrNotStored}
		}
	case MetaModeReplace:
		if !found {
			return dst, MetaResult{Err: ErrNotStored}
		}
	case MetaModeAppend, MetaModePrepend:
		if !found {
			return dst, MetaResult{Err: ErrNotStored}
		}
		if op.CAS != 0 && op.CAS != cur.CAS {
			return dst, MetaResult{Err: ErrExists}
		}
		v := make([]byte, 0, len(cur.Value)+len(op.Value))
		if op.Mode == MetaModeAppend {
			v = append(append(v, cur.Value...), op.Value...)
		} else {
			v = append(append(v, op.Value...), cur.Value...)
		}
		n = Item{Key: key, Value: v, Flags: cur.Flags, Expiry: cur.Expiry}
	case MetaModeCAS:
		switch {
		case !found:
			return dst, MetaResult{Err: ErrNotFound}
		case op.Invalidate && op.CAS != 0 && op.CAS < cur.CAS:
			n.Expiry = cur.Expiry // stored as stale in L1; the mark is not kept in L2
		case cur.CAS != op.CAS:
			return dst, MetaResult{Err: ErrExists}
		}
	}
	if t.tooLarge(key, len(n.Value)) {
		if found {
			if err := t.dropBoth(key); err != nil {
				return dst, MetaResult{Err: err}
			}
		}
		return dst, MetaResult{Err: ErrTooLarge}
	}
	n.CAS = t.l1.cas.Add(1)
	if _, err := t.commit(n, now); err != nil {
		return dst, MetaResult{Err: err}
	}
	return dst, MetaResult{CAS: n.CAS}
}

// metaOutcome is what [Cache.metaWrite] saw of the item around the
// operation.
type metaOutcome struct {
	promoted bool // the item was inserted from L2 before the operation
	unfit    bool // the item to promote does not fit L1: nothing was done
	after    bool // the item exists after the operation
	changed  bool // it was created or got a new CAS unique or expiry
	item     Item // a copy of it when changed
}

// metaWrite is [Cache.Meta] that first inserts promote (when not nil and
// key is absent) and reports the outcome, all under one shard lock, so
// that no eviction can come between the promotion, the operation and the
// look at its result.
func (c *Cache) metaWrite(dst []byte, key string, op *MetaOp, promote *Item) ([]byte, MetaResult, metaOutcome) {
	var w metaOutcome
	now := c.now()
	h, s, err := c.lock(key)
	if err != nil {
		return dst, MetaResult{Err: err}, w
	}
	defer s.mu.Unlock()
	if promote != nil {
		slot, _, _, found := s.lookup(h, key, now)
		dead := promote.Expiry != 0 && promote.Expiry <= now
		if !found && !dead {
			if !s.fits(itemSize(len(key), len(promote.Value))) {
				w.unfit = true
				return dst, MetaResult{}, w
			}
			c.raiseCAS(promote.CAS)
			m := meta{cas: promote.CAS, exp: storedExpiry(promote.Expiry), stored: uint32(now), flags: promote.Flags}
			if err := s.put(h, key, slot, false, m, promote.Value, nil, now); err != nil {
				return dst, MetaResult{Err: err}, w
			}
			w.promoted = true
		}
	}
	var beforeCAS uint64
	var beforeExp uint32
	before := false
	if slot, ok := s.find(h, key); ok {
		if x := s.arena.chunk(s.loc[slot]); s.invalid(x, now) == 0 {
			before, beforeCAS, beforeExp = true, x.cas(), x.exp()
		}
	}
	var r MetaResult
	switch op.Command {
	case MetaGet:
		dst, r = s.metaGet(dst, h, key, op, now)
	case MetaSet:
		r = s.metaSet(h, key, op, now)
	case MetaDelete:
		r = s.metaDelete(h, key, op, now)
	case MetaArith:
		r = s.metaArith(h, key, op, now)
	default:
		r = s.metaDebug(h, key, now)
	}
	if slot, ok := s.find(h, key); ok {
		if x := s.arena.chunk(s.loc[slot]); s.invalid(x, now) == 0 {
			w.after = true
			if !before || x.cas() != beforeCAS || x.exp() != beforeExp {
				w.changed = true
				w.item = Item{Key: key, Value: append([]byte{}, x.value()...), Flags: x.flags(),
					Expiry: int64(x.exp()), CAS: x.cas()}
			}
		}
	}
	return dst, r, w
}
