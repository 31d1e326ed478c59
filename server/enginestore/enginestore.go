// Package enginestore adapts an [engine.Cache] to the [server.Store]
// interface, so that the server speaks memcached's protocols over the
// engine. It is the only place where the server module touches the engine.
package enginestore

import (
	"errors"
	"unsafe"

	"github.com/ratmemcache/ratmemcache/engine"
	"github.com/ratmemcache/ratmemcache/server"
)

// Store serves a server from an engine cache.
type Store struct {
	c *engine.Cache
}

// New returns a Store over c. The caller keeps ownership of c and closes it.
func New(c *engine.Cache) *Store { return &Store{c: c} }

var _ server.Store = (*Store)(nil)

// str views key as a string without copying. The engine never retains
// the strings it is given (keys are copied into its slabs), and key is
// not modified during the call.
func str(key []byte) string {
	if len(key) == 0 {
		return ""
	}
	return unsafe.String(&key[0], len(key))
}

func status(err error) server.Status {
	switch {
	case err == nil:
		return server.StatusOK
	case errors.Is(err, engine.ErrNotFound):
		return server.StatusNotFound
	case errors.Is(err, engine.ErrNotStored):
		return server.StatusNotStored
	case errors.Is(err, engine.ErrExists):
		return server.StatusExists
	case errors.Is(err, engine.ErrTooLarge):
		return server.StatusTooLarge
	case errors.Is(err, engine.ErrNotNumeric):
		return server.StatusNonNumeric
	case errors.Is(err, engine.ErrInvalidKey):
		return server.StatusBadKey
	}
	return server.StatusNoMemory
}

func info(i engine.ItemInfo) server.ItemInfo {
	return server.ItemInfo{Flags: i.Flags, CAS: i.CAS, Exptime: i.Expiry}
}

// Get implements server.Store.
func (s *Store) Get(dst, key []byte) ([]byte, server.ItemInfo, server.Status) {
	v, i, err := s.c.GetInto(dst, str(key))
	return v, info(i), status(err)
}

// GetAndTouch implements server.Store.
func (s *Store) GetAndTouch(dst, key []byte, exptime int64) ([]byte, server.ItemInfo, server.Status) {
	it, err := s.c.GetAndTouch(str(key), exptime)
	if err != nil {
		return dst, server.ItemInfo{}, status(err)
	}
	return append(dst, it.Value...), server.ItemInfo{Flags: it.Flags, CAS: it.CAS, Exptime: it.Expiry}, server.StatusOK
}

// Store implements server.Store.
func (s *Store) Store(mode server.Mode, key, value []byte, flags uint32, exptime int64, cas uint64) (uint64, server.Status) {
	k := str(key)
	var (
		newCAS uint64
		err    error
	)
	switch mode {
	case server.ModeSet:
		newCAS, err = s.c.Set(k, value, flags, exptime)
	case server.ModeAdd:
		newCAS, err = s.c.Add(k, value, flags, exptime)
	case server.ModeReplace:
		newCAS, err = s.c.Replace(k, value, flags, exptime)
	case server.ModeAppend:
		newCAS, err = s.c.Append(k, value)
	case server.ModePrepend:
		newCAS, err = s.c.Prepend(k, value)
	case server.ModeCAS:
		newCAS, err = s.c.CompareAndSwap(k, value, flags, exptime, cas)
	}
	return newCAS, status(err)
}

// Delete implements server.Store.
func (s *Store) Delete(key []byte, cas uint64) server.Status {
	if cas != 0 {
		return status(s.c.DeleteCAS(str(key), cas))
	}
	return status(s.c.Delete(str(key)))
}

// Arith implements server.Store.
func (s *Store) Arith(key []byte, delta uint64, incr bool) (uint64, uint64, server.Status) {
	n, cas, err := s.c.Arith(str(key), delta, incr)
	return n, cas, status(err)
}

// Touch implements server.Store.
func (s *Store) Touch(key []byte, exptime int64) server.Status {
	return status(s.c.Touch(str(key), exptime))
}

// FlushAll implements server.Store.
func (s *Store) FlushAll(delay int64) { s.c.FlushAll(delay) }

// Stats implements server.Store.
func (s *Store) Stats() server.StoreStats {
	st := s.c.Stats()
	return server.StoreStats{
		CmdGet: st.CmdGet, CmdSet: st.CmdSet, CmdFlush: st.CmdFlush, CmdTouch: st.CmdTouch,
		GetHits: st.GetHits, GetMisses: st.GetMisses, GetExpired: st.GetExpired, GetFlushed: st.GetFlushed,
		DeleteHits: st.DeleteHits, DeleteMisses: st.DeleteMisses,
		IncrHits: st.IncrHits, IncrMisses: st.IncrMisses, DecrHits: st.DecrHits, DecrMisses: st.DecrMisses,
		CasHits: st.CasHits, CasMisses: st.CasMisses, CasBadval: st.CasBadval,
		TouchHits: st.TouchHits, TouchMisses: st.TouchMisses,
		Evictions: st.Evictions, Reclaimed: st.Reclaimed,
		ExpiredUnfetched: st.ExpiredUnfetched, EvictedUnfetched: st.EvictedUnfetched,
		CurrItems: st.CurrItems, TotalItems: st.TotalItems,
		Bytes: st.Bytes, LimitMaxbytes: st.LimitMaxBytes,
		Extra: []server.Stat{{Name: "ratmemcache_accounted_bytes", Value: st.AccountedBytes}},
	}
}

// ResetStats implements server.Store.
func (s *Store) ResetStats() { s.c.ResetStats() }

// SetMemoryLimit implements server.Store.
func (s *Store) SetMemoryLimit(bytes int64) error { return s.c.SetMaxMemory(bytes) }

// Range implements server.Store.
func (s *Store) Range(fn func(key []byte, info server.ItemInfo) bool) {
	s.c.Range(func(key []byte, i engine.RangeInfo) bool {
		in := info(i.ItemInfo)
		// The engine keeps the time of the last write, not of the last
		// read: report it as the last access.
		in.LastAccess, in.Fetched, in.Size = i.Stored, i.Fetched, i.Size
		return fn(key, in)
	})
}

// Meta implements server.Store.
func (s *Store) Meta(dst, key []byte, op *server.MetaOp) ([]byte, server.MetaResult) {
	e := engine.MetaOp{
		Command:           engine.MetaCommand(op.Command),
		Mode:              metaMode(op.Mode),
		Value:             op.Value,
		Flags:             op.Flags,
		Exptime:           op.Exptime,
		Touch:             op.Touch,
		Vivify:            op.Vivify,
		VivifyExptime:     op.VivifyExptime,
		VivifyLast:        op.VivifyLast,
		RecacheTTL:        op.RecacheTTL,
		RecacheAfterTouch: op.RecacheAfterTouch,
		CAS:               op.CAS,
		CompareCAS:        op.CompareCAS,
		Invalidate:        op.Invalidate,
		BinaryKey:         op.BinaryKey,
		NoBump:            op.NoBump,
		WantValue:         op.WantValue,
		Decr:              op.Decr,
		Delta:             op.Delta,
		Initial:           op.Initial,
	}
	dst, r := s.c.Meta(dst, str(key), &e)
	return dst, server.MetaResult{
		Status: status(r.Err), Flags: r.Flags, CAS: r.CAS,
		TTL: r.TTL, TouchedTTL: r.TouchedTTL, VivifiedTTL: r.VivifiedTTL,
		LastAccess: r.LastAccess, Fetched: r.Fetched, BinaryKey: r.BinaryKey,
		Stale: r.Stale, TokenSent: r.TokenSent, Won: r.Won, Vivified: r.Vivified,
		Size: r.Size, Number: r.Number, Class: r.Class,
	}
}

func metaMode(m server.Mode) engine.MetaMode {
	switch m {
	case server.ModeAdd:
		return engine.MetaModeAdd
	case server.ModeReplace:
		return engine.MetaModeReplace
	case server.ModeAppend:
		return engine.MetaModeAppend
	case server.ModePrepend:
		return engine.MetaModePrepend
	case server.ModeCAS:
		return engine.MetaModeCAS
	}
	return engine.MetaModeSet
}
