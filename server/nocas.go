package server

// noCASStore is the Store a server with DisableCAS (memcached -C) serves
// from: every CAS unique it reports is 0, as memcached's items carry none
// when CAS is disabled, and every comparison with a unique behaves as
// memcached's does against an item whose unique is 0. A cas command (or
// ms with C) never matches: EXISTS when the item exists, NOT_FOUND when it
// does not; binary stores ignore their unique (the server passes none). A binary delete with a unique,
// md with C other than 0 and ma with C other than 0 fail with EXISTS; md
// C0 matches; append and prepend ignore a unique.
var _ Store = noCASStore{}

type noCASStore struct {
	inner Store
}

// noCAS is a unique no item ever has: the store counts uniques up from 1.
const noCAS = ^uint64(0)

func (s noCASStore) Get(dst, key []byte) ([]byte, ItemInfo, Status) {
	v, info, st := s.inner.Get(dst, key)
	info.CAS = 0
	return v, info, st
}

func (s noCASStore) GetAndTouch(dst, key []byte, exptime int64) ([]byte, ItemInfo, Status) {
	v, info, st := s.inner.GetAndTouch(dst, key, exptime)
	info.CAS = 0
	return v, info, st
}

// Store ignores the client's unique: memcached -C has nowhere to keep it.
func (s noCASStore) Store(mode Mode, key, value []byte, flags uint32, exptime int64, _ uint64) (uint64, Status) {
	var cas uint64
	if mode == ModeCAS {
		cas = noCAS
	}
	_, st := s.inner.Store(mode, key, value, flags, exptime, cas)
	return 0, st
}

func (s noCASStore) Delete(key []byte, cas uint64) Status {
	if cas != 0 {
		cas = noCAS
	}
	return s.inner.Delete(key, cas)
}

func (s noCASStore) Arith(key []byte, delta uint64, incr bool) (uint64, uint64, Status) {
	n, _, st := s.inner.Arith(key, delta, incr)
	return n, 0, st
}

func (s noCASStore) Range(fn func(key []byte, info ItemInfo) bool) {
	s.inner.Range(func(key []byte, info ItemInfo) bool {
		info.CAS = 0
		return fn(key, info)
	})
}

func (s noCASStore) Meta(dst, key []byte, op *MetaOp) ([]byte, MetaResult) {
	switch op.Command {
	case MetaSet:
		if op.Mode == ModeCAS {
			op.CAS = noCAS
		} else {
			op.CAS = 0 // append and prepend ignore C, as memcached -C does
		}
	case MetaDelete:
		if op.CompareCAS && op.CAS == 0 {
			op.CompareCAS = false
		} else if op.CompareCAS {
			op.CAS = noCAS
		}
	case MetaArith:
		if op.CAS != 0 {
			op.CAS = noCAS
		}
	}
	v, r := s.inner.Meta(dst, key, op)
	r.CAS = 0
	return v, r
}

func (s noCASStore) Touch(key []byte, exptime int64) Status { return s.inner.Touch(key, exptime) }
func (s noCASStore) FlushAll(delay int64)                   { s.inner.FlushAll(delay) }
func (s noCASStore) Stats() StoreStats                      { return s.inner.Stats() }
func (s noCASStore) ResetStats()                            { s.inner.ResetStats() }
func (s noCASStore) SetMemoryLimit(bytes int64) error       { return s.inner.SetMemoryLimit(bytes) }
