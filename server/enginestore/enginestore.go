// Package enginestore adapts an [engine.Cache] or an [engine.Tiered] to
// the [server.Store] interface, so that the server speaks memcached's
// protocols over the engine. It is the only place where the server module
// touches the engine.
package enginestore

import (
	"errors"
	"unsafe"

	"github.com/ratmemcache/ratmemcache/engine"
	"github.com/ratmemcache/ratmemcache/server"
)

// cache is what Store uses of an [engine.Cache] or an [engine.Tiered]:
// the methods they share with the same signatures.
type cache interface {
	GetInto(dst []byte, key string) ([]byte, engine.ItemInfo, error)
	GetView(dst []byte, key string) ([]byte, engine.ItemInfo, bool, error)
	GetAndTouch(key string, exptime int64) (engine.Item, error)
	Set(key string, value []byte, flags uint32, exptime int64) (uint64, error)
	Add(key string, value []byte, flags uint32, exptime int64) (uint64, error)
	Replace(key string, value []byte, flags uint32, exptime int64) (uint64, error)
	Append(key string, value []byte) (uint64, error)
	Prepend(key string, value []byte) (uint64, error)
	CompareAndSwap(key string, value []byte, flags uint32, exptime int64, cas uint64) (uint64, error)
	Delete(key string) error
	DeleteCAS(key string, cas uint64) error
	Arith(key string, delta uint64, incr bool) (value, cas uint64, err error)
	Touch(key string, exptime int64) error
	ResetStats()
	SetMaxMemory(n int64) error
	Meta(dst []byte, key string, op *engine.MetaOp) ([]byte, engine.MetaResult)
	Peek(key string) (engine.RangeInfo, bool)
}

var (
	_ cache = (*engine.Cache)(nil)
	_ cache = (*engine.Tiered)(nil)
)

// Store serves a server from an engine cache. It is safe for concurrent
// use.
type Store struct {
	c     cache
	l1    *engine.Cache  // when serving a Cache
	tier  *engine.Tiered // when serving a Tiered
	extra func() []server.Stat
}

// New returns a Store over c. The caller keeps ownership of c and closes it.
func New(c *engine.Cache) *Store { return &Store{c: c, l1: c} }

// NewTiered returns a Store over the tiered cache t. Its statistics
// include the tiering counters (ratmemcache_l1_hits, ratmemcache_l2_hits,
// ratmemcache_l2_promotions, ...), and memcached's get_hits and
// get_misses count a read served by L2 as a hit. extra, if not nil, adds
// statistics of its own to every stats call (for instance those of the
// L2 store). The caller keeps ownership of t and closes it.
//
// NOTE: keys reach t, and through it its L2, as strings that alias the
// server's read buffer for the duration of the call: an L2 must copy a
// key it keeps after returning (persist.Store does).
func NewTiered(t *engine.Tiered, extra func() []server.Stat) *Store {
	return &Store{c: t, tier: t, extra: extra}
}

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

// GetView implements server.ViewStore: a large value is returned without
// a copy (see [engine.Cache.GetView]).
func (s *Store) GetView(dst, key []byte) ([]byte, server.ItemInfo, bool, server.Status) {
	v, i, view, err := s.c.GetView(dst, str(key))
	return v, info(i), view, status(err)
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

// FlushAll implements server.Store. The error of a Tiered's L2 clear is
// counted in its statistics (ratmemcache_l2_write_errors).
func (s *Store) FlushAll(delay int64) {
	if s.tier != nil {
		s.tier.FlushAll(delay)
		return
	}
	s.l1.FlushAll(delay)
}

// Stats implements server.Store.
func (s *Store) Stats() server.StoreStats {
	if s.tier == nil {
		return storeStats(s.l1.Stats())
	}
	ts := s.tier.Stats()
	st := ts.Stats
	t := ts.Tier
	// L1 counted a read served by L2 as a miss.
	st.GetHits += t.L2Hits
	st.GetMisses -= min(st.GetMisses, t.L2Hits)
	out := storeStats(st)
	b := func(v bool) uint64 {
		if v {
			return 1
		}
		return 0
	}
	out.Extra = append(out.Extra,
		server.Stat{Name: "ratmemcache_l1_hits", Value: t.L1Hits},
		server.Stat{Name: "ratmemcache_l2_hits", Value: t.L2Hits},
		server.Stat{Name: "ratmemcache_l2_misses", Value: t.Misses},
		server.Stat{Name: "ratmemcache_l2_promotions", Value: t.Promotions},
		server.Stat{Name: "ratmemcache_l2_demotions", Value: t.Demotions},
		server.Stat{Name: "ratmemcache_l2_only_writes", Value: t.L2Only},
		server.Stat{Name: "ratmemcache_l2_writes", Value: t.L2Writes},
		server.Stat{Name: "ratmemcache_l2_write_errors", Value: t.L2WriteErrors},
		server.Stat{Name: "ratmemcache_l2_read_errors", Value: t.L2ReadErrors},
		server.Stat{Name: "ratmemcache_warmup_running", Value: b(t.WarmUpRunning)},
		server.Stat{Name: "ratmemcache_warmup_scanned", Value: t.WarmUpScanned},
		server.Stat{Name: "ratmemcache_warmup_loaded", Value: t.WarmUpLoaded},
		server.Stat{Name: "ratmemcache_warmup_hot_loaded", Value: t.WarmUpHotLoaded},
		server.Stat{Name: "ratmemcache_warmup_skipped", Value: t.WarmUpSkipped},
	)
	if s.extra != nil {
		out.Extra = append(out.Extra, s.extra()...)
	}
	return out
}

func storeStats(st engine.Stats) server.StoreStats {
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

// Range implements server.Store. Over a Tiered it walks L2, which holds
// every item, and the last access and fetched bit are not known (0).
func (s *Store) Range(fn func(key []byte, info server.ItemInfo) bool) {
	f := func(key []byte, i engine.RangeInfo) bool {
		in := info(i.ItemInfo)
		// The engine keeps the time of the last write, not of the last
		// read: report it as the last access.
		in.LastAccess, in.Fetched, in.Size = i.Stored, i.Fetched, i.Size
		in.ValueLen = i.Size - engine.ItemHeaderSize - len(key)
		return fn(key, in)
	}
	if s.tier != nil {
		s.tier.Range(f)
		return
	}
	s.l1.Range(f)
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
	// Called on the concrete type: through the interface, &e would
	// escape and cost an allocation per request.
	var r engine.MetaResult
	if s.l1 != nil {
		dst, r = s.l1.Meta(dst, str(key), &e)
	} else {
		dst, r = s.tier.Meta(dst, str(key), &e)
	}
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

// Peek reports whether key is cached (in L1 when tiered) and its value's
// length, without counting a read or touching the item.
func (s *Store) Peek(key []byte) (valueLen int, ok bool) {
	info, ok := s.c.Peek(string(key))
	if !ok {
		return 0, false
	}
	return info.Size - engine.ItemHeaderSize - len(key), true
}
