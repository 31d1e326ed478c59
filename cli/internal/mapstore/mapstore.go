// Package mapstore is a small, single-lock, in-memory server.Store with
// memcached semantics and LRU eviction under a byte limit.
//
// It is a stand-in that lets ratmemcached run before the sharded engine is
// wired in (through server/enginestore); it is correct but not fast, and it
// will be deleted then.
package mapstore

import (
	"container/list"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/ratmemcache/ratmemcache/server"
)

const (
	itemOverhead  = 48                // bytes accounted per item besides key and value
	relativeLimit = 60 * 60 * 24 * 30 // memcached: larger exptimes are absolute
)

// Store is safe for concurrent use.
type Store struct {
	maxItem int
	now     func() time.Time

	mu      sync.Mutex // protects the fields below
	limit   int64
	noEvict bool
	items   map[string]*list.Element
	lru     *list.List // front = most recent
	bytes   int64
	casSeq  uint64
	flushAt int64 // items with stored <= flushAt are invalid when flushAt <= now
	st      server.StoreStats
}

type item struct {
	key     string
	value   []byte
	flags   uint32
	exp     int64 // absolute unix seconds; 0 never
	cas     uint64
	stored  int64
	access  int64
	fetched bool
}

func (it *item) size() int64 { return int64(len(it.key)+len(it.value)) + itemOverhead }

// New returns a Store limited to limit bytes and items of maxItem bytes.
// With noEvict, a full store refuses writes instead of evicting.
func New(limit int64, maxItem int, noEvict bool) *Store {
	return &Store{maxItem: maxItem, now: time.Now, limit: limit, noEvict: noEvict,
		items: make(map[string]*list.Element), lru: list.New()}
}

var _ server.Store = (*Store)(nil)

func (s *Store) abs(exptime, now int64) int64 {
	switch {
	case exptime == 0:
		return 0
	case exptime < 0:
		return now - 1
	case exptime <= relativeLimit:
		return now + exptime
	default:
		return exptime
	}
}

// lookupLocked returns the live item for key, removing it if expired or flushed.
func (s *Store) lookupLocked(key string, now int64) *item {
	e, ok := s.items[key]
	if !ok {
		return nil
	}
	it := e.Value.(*item)
	if it.exp != 0 && it.exp <= now {
		s.removeLocked(e)
		s.st.Expired++
		if !it.fetched {
			s.st.ExpiredUnfetched++
		}
		return nil
	}
	if s.flushAt != 0 && s.flushAt <= now && it.stored <= s.flushAt {
		s.removeLocked(e)
		return nil
	}
	return it
}

func (s *Store) removeLocked(e *list.Element) {
	it := e.Value.(*item)
	s.lru.Remove(e)
	delete(s.items, it.key)
	s.bytes -= it.size()
}

func (s *Store) get(dst, key []byte, touch bool, exptime int64) ([]byte, server.ItemInfo, server.Status) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now().Unix()
	if touch {
		s.st.CmdTouch++
	} else {
		s.st.CmdGet++
	}
	it := s.lookupLocked(string(key), now)
	if it == nil {
		if touch {
			s.st.TouchMisses++
		}
		s.st.GetMisses++
		return dst, server.ItemInfo{}, server.StatusNotFound
	}
	if touch {
		s.st.TouchHits++
		it.exp = s.abs(exptime, now)
	}
	s.st.GetHits++
	info := s.infoLocked(it)
	it.fetched, it.access = true, now
	s.lru.MoveToFront(s.items[it.key])
	return append(dst, it.value...), info, server.StatusOK
}

func (s *Store) infoLocked(it *item) server.ItemInfo {
	return server.ItemInfo{Flags: it.flags, CAS: it.cas, Exptime: it.exp, LastAccess: it.access,
		Fetched: it.fetched, Size: int(it.size())}
}

// Get implements server.Store.
func (s *Store) Get(dst, key []byte) ([]byte, server.ItemInfo, server.Status) {
	return s.get(dst, key, false, 0)
}

// GetAndTouch implements server.Store.
func (s *Store) GetAndTouch(dst, key []byte, exptime int64) ([]byte, server.ItemInfo, server.Status) {
	return s.get(dst, key, true, exptime)
}

// Store implements server.Store.
func (s *Store) Store(mode server.Mode, key, value []byte, flags uint32, exptime int64, cas uint64) (uint64, server.Status) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now().Unix()
	s.st.CmdSet++
	k := string(key)
	old := s.lookupLocked(k, now)
	switch mode {
	case server.ModeAdd:
		if old != nil {
			old.access = now
			s.lru.MoveToFront(s.items[k])
			return 0, server.StatusNotStored
		}
	case server.ModeReplace, server.ModeAppend, server.ModePrepend:
		if old == nil {
			return 0, server.StatusNotStored
		}
	case server.ModeCAS:
		if old == nil {
			s.st.CasMisses++
			return 0, server.StatusNotFound
		}
		if old.cas != cas {
			s.st.CasBadval++
			return 0, server.StatusExists
		}
		s.st.CasHits++
	}
	var v []byte
	switch mode {
	case server.ModeAppend:
		v = append(append(make([]byte, 0, len(old.value)+len(value)), old.value...), value...)
		flags, exptime = old.flags, 0
	case server.ModePrepend:
		v = append(append(make([]byte, 0, len(old.value)+len(value)), value...), old.value...)
		flags, exptime = old.flags, 0
	default:
		v = append([]byte(nil), value...)
	}
	it := &item{key: k, value: v, flags: flags, stored: now, access: now}
	if mode == server.ModeAppend || mode == server.ModePrepend {
		it.exp = old.exp
	} else {
		it.exp = s.abs(exptime, now)
	}
	if len(k)+len(v) > s.maxItem {
		return 0, server.StatusTooLarge
	}
	if old != nil {
		s.removeLocked(s.items[k])
	}
	for s.bytes+it.size() > s.limit {
		back := s.lru.Back()
		if back == nil || s.noEvict {
			return 0, server.StatusNoMemory
		}
		ev := back.Value.(*item)
		s.removeLocked(back)
		s.st.Evictions++
		if !ev.fetched {
			s.st.EvictedUnfetched++
		}
	}
	s.casSeq++
	it.cas = s.casSeq
	s.items[k] = s.lru.PushFront(it)
	s.bytes += it.size()
	s.st.TotalItems++
	return it.cas, server.StatusStored
}

// Delete implements server.Store.
func (s *Store) Delete(key []byte, cas uint64) server.Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	it := s.lookupLocked(string(key), s.now().Unix())
	if it == nil {
		s.st.DeleteMisses++
		return server.StatusNotFound
	}
	if cas != 0 && cas != it.cas {
		return server.StatusExists
	}
	s.removeLocked(s.items[it.key])
	s.st.DeleteHits++
	return server.StatusOK
}

// Arith implements server.Store.
func (s *Store) Arith(key []byte, delta uint64, incr bool) (uint64, uint64, server.Status) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now().Unix()
	it := s.lookupLocked(string(key), now)
	if it == nil {
		if incr {
			s.st.IncrMisses++
		} else {
			s.st.DecrMisses++
		}
		return 0, 0, server.StatusNotFound
	}
	n, err := strconv.ParseUint(string(it.value), 10, 64)
	if err != nil {
		return 0, 0, server.StatusNonNumeric
	}
	if incr {
		n += delta
		s.st.IncrHits++
	} else {
		n -= min(n, delta)
		s.st.DecrHits++
	}
	s.bytes -= it.size()
	it.value = strconv.AppendUint(it.value[:0], n, 10)
	s.bytes += it.size()
	s.casSeq++
	it.cas, it.access = s.casSeq, now
	s.lru.MoveToFront(s.items[it.key])
	return n, it.cas, server.StatusOK
}

// Touch implements server.Store.
func (s *Store) Touch(key []byte, exptime int64) server.Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now().Unix()
	s.st.CmdTouch++
	it := s.lookupLocked(string(key), now)
	if it == nil {
		s.st.TouchMisses++
		return server.StatusNotFound
	}
	s.st.TouchHits++
	it.exp, it.access = s.abs(exptime, now), now
	return server.StatusOK
}

// FlushAll implements server.Store.
func (s *Store) FlushAll(delay int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now().Unix()
	s.st.CmdFlush++
	if delay > 0 {
		s.flushAt = s.abs(delay, now) - 1
		return
	}
	s.items = make(map[string]*list.Element)
	s.lru.Init()
	s.bytes = 0
	s.flushAt = 0
}

// Stats implements server.Store.
func (s *Store) Stats() server.StoreStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	st.CurrItems = uint64(len(s.items))
	st.Bytes = uint64(s.bytes)
	st.LimitMaxbytes = uint64(s.limit)
	return st
}

// ResetStats implements server.Store.
func (s *Store) ResetStats() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st = server.StoreStats{}
}

// SetMemoryLimit implements server.Store.
func (s *Store) SetMemoryLimit(bytes int64) error {
	if bytes <= 0 {
		return errors.New("memory limit must be positive")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limit = bytes
	return nil
}

// Range implements server.Store.
func (s *Store) Range(fn func(key []byte, info server.ItemInfo) bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for e := s.lru.Front(); e != nil; e = e.Next() {
		it := e.Value.(*item)
		if !fn([]byte(it.key), s.infoLocked(it)) {
			return
		}
	}
}
