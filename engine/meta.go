package engine

import "time"

// memcached's meta commands (mg, ms, md, ma, me) on the cache: the
// operations of the classic commands plus the item state the meta
// protocol exposes: a stale mark, a "recache token sent" mark, the
// binary-key mark of base64 keys, the fetched bit and the last access
// time. All of it lives in the existing item header (byte 26 holds the
// bits; the time-stored field doubles as the last access time, as
// memcached's it->time does), so meta support costs no memory per item.

// MetaCommand selects the meta operation of a [MetaOp].
type MetaCommand uint8

const (
	MetaGet    MetaCommand = iota // mg
	MetaSet                       // ms
	MetaDelete                    // md
	MetaArith                     // ma
	MetaDebug                     // me
)

// MetaMode is the storage mode of a MetaSet.
type MetaMode uint8

const (
	MetaModeSet MetaMode = iota
	MetaModeAdd
	MetaModeReplace
	MetaModeAppend
	MetaModePrepend
	// MetaModeCAS is set or replace with a compared CAS (ms with C).
	MetaModeCAS
)

// MetaOp describes one meta request. Exptimes follow memcached's rule
// (see [Expiry]).
type MetaOp struct {
	Command MetaCommand
	// Mode is the storage mode of MetaSet.
	Mode MetaMode
	// Value and Flags are the data block and client flags of MetaSet.
	Value []byte
	Flags uint32
	// Exptime is the item's exptime for MetaSet, and the new exptime of
	// MetaGet, MetaArith and (with Invalidate) MetaDelete when Touch.
	Exptime int64
	Touch   bool
	// Vivify creates a missing item (mg N, ma N) with VivifyExptime.
	// memcached applies N and T in request order: VivifyLast (N after
	// T) makes VivifyExptime, not Exptime, the created item's exptime.
	Vivify        bool
	VivifyExptime int64
	VivifyLast    bool
	// RecacheTTL (mg R, when not 0): win the recache token when the item
	// expires in less than RecacheTTL (an exptime).
	// RecacheAfterTouch (R after T) compares with the touched expiry.
	RecacheTTL        int64
	RecacheAfterTouch bool
	// CAS is compared as memcached does: always by MetaModeCAS, when not
	// 0 by append, prepend and MetaArith, when CompareCAS by MetaDelete.
	CAS        uint64
	CompareCAS bool
	// Invalidate is I: ms stores a value whose CAS is older than the
	// item's as stale; md marks the item stale instead of removing it.
	Invalidate bool
	// BinaryKey marks an item stored by MetaSet as having a binary key.
	BinaryKey bool
	// NoBump (mg u) leaves the fetched bit, the last access time and the
	// eviction order alone.
	NoBump bool
	// WantValue makes MetaGet append the value to dst.
	WantValue bool
	// Decr, Delta and Initial drive MetaArith: Initial is the value of
	// an item it vivifies.
	Decr           bool
	Delta, Initial uint64
}

// MetaResult is what a meta operation found and did. TTLs are remaining
// seconds as memcached reports them, -1 for an item that never expires.
type MetaResult struct {
	// Err is nil, ErrNotFound, ErrNotStored, ErrExists, ErrNotNumeric,
	// ErrTooLarge, ErrNoMemory, ErrInvalidKey or ErrClosed.
	Err   error
	Flags uint32
	// CAS is the item's CAS unique after the operation.
	CAS uint64
	// TTL is the remaining TTL before the operation; TouchedTTL the one
	// Exptime gives (when Touch), VivifiedTTL the one VivifyExptime gives
	// (when Vivified).
	TTL, TouchedTTL, VivifiedTTL int64
	// LastAccess is the number of seconds since the item was last
	// accessed (mg, me).
	LastAccess int64
	// Fetched: the item had been fetched before this request.
	Fetched bool
	// BinaryKey: the item was stored with a binary key.
	BinaryKey bool
	// Stale, TokenSent and Won are mg's X, Z and W.
	Stale, TokenSent, Won bool
	// Vivified: the operation created the item.
	Vivified bool
	// Size is the value length (mg), or the item's size in bytes,
	// header included (me).
	Size int
	// Number is MetaArith's new value.
	Number uint64
	// Class is the item's slab class, numbered from 1 (me); 0 for an item
	// with a buffer of its own.
	Class int
}

// itemUpdateInterval is memcached's ITEM_UPDATE_INTERVAL: a read moves an
// item's last access time only when it is older than this.
const itemUpdateInterval = 60

// remaining converts a stored expiry into memcached's remaining TTL.
func remaining(exp uint32, now int64) int64 {
	if exp == 0 {
		return -1
	}
	return int64(exp) - now
}

// Meta runs the meta operation op on key. MetaGet with WantValue appends
// the value to dst; the extended dst is returned. It never retains key,
// op or dst.
func (c *Cache) Meta(dst []byte, key string, op *MetaOp) ([]byte, MetaResult) {
	now := c.now()
	h, s, err := c.lock(key)
	if err != nil {
		return dst, MetaResult{Err: err}
	}
	defer s.mu.Unlock()
	switch op.Command {
	case MetaGet:
		return s.metaGet(dst, h, key, op, now)
	case MetaSet:
		return dst, s.metaSet(h, key, op, now)
	case MetaDelete:
		return dst, s.metaDelete(h, key, op, now)
	case MetaArith:
		return dst, s.metaArith(h, key, op, now)
	}
	return dst, s.metaDebug(h, key, now)
}

func (s *shard) metaGet(dst []byte, h uint64, key string, op *MetaOp, now int64) ([]byte, MetaResult) {
	c := s.c
	s.st.cmdGet++
	if op.Touch {
		s.st.cmdTouch++
	}
	slot, it, why, ok := s.lookup(h, key, now)
	if !ok {
		s.st.getMisses++
		switch why {
		case 1:
			s.st.getExpired++
		case 2:
			s.st.getFlushed++
		}
		if op.Touch {
			s.st.touchMisses++
		}
		if !op.Vivify {
			return dst, MetaResult{Err: ErrNotFound}
		}
		// memcached creates an empty item and hands this client the
		// recache token.
		exp := c.expiry(op.VivifyExptime, now)
		m := meta{cas: c.cas.Add(1), exp: exp, stored: uint32(now), bits: itemTokenSent}
		if !op.NoBump {
			m.bits |= itemFetched // as memcached, the creating mg fetched it
		}
		touched := exp
		if op.Touch {
			touched = c.expiry(op.Exptime, now)
			if !op.VivifyLast {
				m.exp = touched
			}
		}
		if !s.fits(itemSize(len(key), 0)) {
			return dst, MetaResult{Err: ErrTooLarge}
		}
		if err := s.put(h, key, 0, false, m, nil, nil, now); err != nil {
			return dst, MetaResult{Err: err}
		}
		return dst, MetaResult{CAS: m.cas, TTL: -1, VivifiedTTL: remaining(exp, now),
			TouchedTTL: remaining(touched, now), Vivified: true, Won: true}
	}
	s.st.getHits++
	bits := it.bits()
	exp := it.exp()
	r := MetaResult{
		Flags:      it.flags(),
		CAS:        it.cas(),
		TTL:        remaining(exp, now),
		LastAccess: now - int64(it.stored()),
		Fetched:    bits&itemFetched != 0,
		BinaryKey:  bits&itemBinaryKey != 0,
		Stale:      bits&itemStale != 0,
		TokenSent:  bits&itemTokenSent != 0,
		Size:       it.vlen(),
	}
	if op.Touch {
		s.st.touchHits++
		touched := c.expiry(op.Exptime, now)
		it.setExp(touched)
		r.TouchedTTL = remaining(touched, now)
		if op.RecacheAfterTouch {
			exp = touched
		}
	}
	if !r.TokenSent {
		switch {
		case r.Stale:
			r.Won = true
		case op.RecacheTTL != 0 && exp != 0:
			r.Won = int64(exp) < Expiry(op.RecacheTTL, time.Unix(now, 0), 0, 0)
		}
	}
	if r.Won {
		bits |= itemTokenSent
	}
	if !op.NoBump {
		bits |= itemFetched
		if int64(it.stored()) < now-itemUpdateInterval {
			it.setStored(uint32(now))
		}
		s.policy.Access(slot)
	}
	it.setBits(bits)
	if op.WantValue {
		dst = append(dst, it.value()...)
	}
	return dst, r
}

func (s *shard) metaSet(h uint64, key string, op *MetaOp, now int64) MetaResult {
	c := s.c
	s.st.cmdSet++
	slot, it, _, found := s.lookup(h, key, now)
	m := meta{exp: c.expiry(op.Exptime, now), stored: uint32(now), flags: op.Flags}
	if op.BinaryKey {
		m.bits = itemBinaryKey
	}
	v1, v2 := op.Value, []byte(nil)
	switch op.Mode {
	case MetaModeAdd:
		if found {
			s.policy.Access(slot)
			return MetaResult{Err: ErrNotStored}
		}
	case MetaModeReplace:
		if !found {
			return MetaResult{Err: ErrNotStored}
		}
	case MetaModeAppend, MetaModePrepend:
		if !found {
			return MetaResult{Err: ErrNotStored}
		}
		if op.CAS != 0 && op.CAS != it.cas() {
			return MetaResult{Err: ErrExists}
		}
		// memcached builds a new item: old flags and expiry, no marks.
		m.exp, m.flags, m.bits = it.exp(), it.flags(), 0
		s.scratch = append(s.scratch[:0], it.value()...)
		if op.Mode == MetaModeAppend {
			v1, v2 = s.scratch, op.Value
		} else {
			v1, v2 = op.Value, s.scratch
		}
	case MetaModeCAS:
		if !found {
			s.st.casMisses++
			return MetaResult{Err: ErrNotFound}
		}
		switch {
		case op.Invalidate && op.CAS != 0 && op.CAS < it.cas():
			// An older CAS with I stores the value as stale, keeping
			// the item's expiry and a sent token.
			m.exp = it.exp()
			m.bits |= itemStale | it.bits()&itemTokenSent
		case it.cas() != op.CAS:
			s.st.casBadval++
			return MetaResult{Err: ErrExists}
		}
		s.st.casHits++
	}
	n := itemSize(len(key), len(v1)+len(v2))
	if !s.fits(n) {
		if found {
			s.removeSlot(slot, leftDeleted)
		}
		return MetaResult{Err: ErrTooLarge}
	}
	m.cas = c.cas.Add(1)
	if err := s.put(h, key, slot, found, m, v1, v2, now); err != nil {
		return MetaResult{Err: err}
	}
	if cap(s.scratch) > 64<<10 {
		s.scratch = nil
	}
	return MetaResult{CAS: m.cas}
}

func (s *shard) metaDelete(h uint64, key string, op *MetaOp, now int64) MetaResult {
	slot, it, _, ok := s.lookup(h, key, now)
	if !ok {
		s.st.deleteMisses++
		return MetaResult{Err: ErrNotFound}
	}
	if op.CompareCAS && op.CAS != it.cas() {
		return MetaResult{Err: ErrExists}
	}
	s.st.deleteHits++
	if !op.Invalidate {
		s.removeSlot(slot, leftDeleted)
		return MetaResult{}
	}
	// Invalidation keeps the item, marked stale, with a new CAS and the
	// recache token up for grabs again.
	if op.Touch {
		it.setExp(s.c.expiry(op.Exptime, now))
	}
	it.setBits(it.bits()&^itemTokenSent | itemStale)
	cas := s.c.cas.Add(1)
	it.setCAS(cas)
	return MetaResult{CAS: cas}
}

func (s *shard) metaArith(h uint64, key string, op *MetaOp, now int64) MetaResult {
	c := s.c
	slot, it, _, ok := s.lookup(h, key, now)
	if !ok {
		if op.Decr {
			s.st.decrMisses++
		} else {
			s.st.incrMisses++
		}
		if !op.Vivify {
			return MetaResult{Err: ErrNotFound}
		}
		var buf [24]byte
		num := formatCounter(buf[:0], op.Initial, 0)
		exp := c.expiry(op.VivifyExptime, now)
		m := meta{cas: c.cas.Add(1), exp: exp, stored: uint32(now)}
		r := MetaResult{CAS: m.cas, TTL: -1, VivifiedTTL: remaining(exp, now), Vivified: true, Number: op.Initial}
		if op.Touch {
			touched := c.expiry(op.Exptime, now)
			r.TouchedTTL = remaining(touched, now)
			if !op.VivifyLast {
				m.exp = touched
			}
		}
		if !s.fits(itemSize(len(key), len(num))) {
			return MetaResult{Err: ErrTooLarge}
		}
		if err := s.put(h, key, 0, false, m, num, nil, now); err != nil {
			return MetaResult{Err: err}
		}
		return r
	}
	if op.CAS != 0 && op.CAS != it.cas() {
		return MetaResult{Err: ErrExists}
	}
	v, ok := parseCounter(it.value())
	if !ok {
		return MetaResult{Err: ErrNotNumeric}
	}
	if op.Decr {
		v -= min(v, op.Delta)
		s.st.decrHits++
	} else {
		v += op.Delta
		s.st.incrHits++
	}
	var buf [24]byte
	num := formatCounter(buf[:0], v, it.vlen())
	exp := it.exp()
	r := MetaResult{TTL: remaining(exp, now), Number: v}
	if op.Touch {
		touched := c.expiry(op.Exptime, now)
		r.TouchedTTL = remaining(touched, now)
		// memcached touches the item it incremented in place; a number
		// that outgrew its item lands in a new item, untouched.
		if len(num) == it.vlen() {
			exp = touched
		}
	}
	m := meta{cas: c.cas.Add(1), exp: exp, stored: uint32(now), flags: it.flags(), bits: it.bits()}
	if err := s.put(h, key, slot, true, m, num, nil, now); err != nil {
		return MetaResult{Err: err}
	}
	r.CAS = m.cas
	return r
}

func (s *shard) metaDebug(h uint64, key string, now int64) MetaResult {
	slot, ok := s.find(h, key)
	if !ok {
		return MetaResult{Err: ErrNotFound}
	}
	it := s.arena.chunk(s.loc[slot])
	if s.invalid(it, now) != 0 {
		return MetaResult{Err: ErrNotFound}
	}
	bits := it.bits()
	r := MetaResult{
		Flags:      it.flags(),
		CAS:        it.cas(),
		TTL:        remaining(it.exp(), now),
		LastAccess: now - int64(it.stored()),
		Fetched:    bits&itemFetched != 0,
		BinaryKey:  bits&itemBinaryKey != 0,
		Stale:      bits&itemStale != 0,
		TokenSent:  bits&itemTokenSent != 0,
		Size:       it.size(),
	}
	if cl := s.arena.classFor(it.size()); cl != hugeClass {
		r.Class = cl + 1
	}
	return r
}
