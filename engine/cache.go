package engine

import (
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// Item is a copy of a cached item, as returned by [Cache.Gets] and
// friends and accepted by [Cache.SetMulti].
type Item struct {
	Key   string
	Value []byte
	Flags uint32 // opaque client flags
	// Expiry is the absolute expiry in Unix seconds, 0 for never. It is
	// ignored by SetMulti, which takes a memcached exptime.
	Expiry int64
	CAS    uint64 // CAS unique of this version
}

// ItemInfo is the metadata of an item returned by [Cache.GetInto].
type ItemInfo struct {
	Flags  uint32
	Expiry int64 // absolute, Unix seconds; 0 = never
	CAS    uint64
}

// Cache is an in-memory cache with memcached semantics and a hard memory
// limit. It is safe for concurrent use by multiple goroutines. Create one
// with [New]; the zero value is not usable.
//
// Methods that take an exptime interpret it as memcached does, through
// [Expiry]: 0 means the configured DefaultTTL (or never), up to 30 days
// is relative seconds, larger is an absolute Unix time, negative is
// already expired. MaxTTL caps every lifetime.
type Cache struct {
	set    settings
	seed   uint64
	shards []*shard
	shift  uint8 // 64 - log2(len(shards))
	cas    atomic.Uint64
	flush  atomic.Pointer[flushState]
	flushN atomic.Uint64 // cmd_flush
	// maxMemory is the memory limit in force (Config.MaxMemory until
	// SetMaxMemory changes it).
	maxMemory atomic.Int64
	// flushMu serialises FlushAll; readers load flush without it.
	flushMu sync.Mutex

	// coarse is the current Unix second kept by a ticker goroutine when
	// Config.Clock is nil, so that the hot path does not read the clock.
	coarse   atomic.Int64
	coarseOn bool

	closeOnce sync.Once
	done      chan struct{}
	wg        sync.WaitGroup
}

// New returns a Cache configured by cfg; nil means all defaults. cfg is
// not modified or retained. An invalid cfg gives a [*ConfigError].
func New(cfg *Config) (*Cache, error) {
	if cfg == nil {
		cfg = &Config{}
	}
	set, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	c := &Cache{set: set, seed: rand.Uint64(), done: make(chan struct{})}
	c.shift = uint8(64 - log2(set.Shards))
	c.flush.Store(&flushState{})
	c.maxMemory.Store(set.MaxMemory)
	policies, err := NewPolicies(set.EvictionPolicy, uint64(set.shardMemory), set.Shards)
	if err != nil {
		return nil, err
	}
	for _, p := range policies {
		c.shards = append(c.shards, newShard(c, p))
	}
	if cfg.Clock == nil {
		c.coarseOn = true
		c.coarse.Store(time.Now().Unix())
		c.wg.Add(1)
		go c.tickClock()
	}
	if set.CleanupInterval > 0 {
		tick, stop := set.Clock.NewTicker(set.CleanupInterval)
		c.wg.Add(1)
		go c.cleaner(tick, stop)
	}
	return c, nil
}

// Validate reports whether cfg is usable by [New], with a [*ConfigError]
// naming the first bad field.
func (cfg *Config) Validate() error {
	_, err := cfg.resolve()
	return err
}

// Close stops the background cleaner, waits for it and releases the
// cache's memory. Later calls of any method return [ErrClosed] (reads
// report a miss with ErrClosed). Close is idempotent.
func (c *Cache) Close() error {
	c.closeOnce.Do(func() {
		close(c.done)
		c.wg.Wait()
		for _, s := range c.shards {
			s.mu.Lock()
			s.closed = true
			s.arena, s.loc, s.free, s.policy = nil, nil, nil, nil
			s.idx.reset()
			s.count, s.bytes = 0, 0
			s.mu.Unlock()
		}
	})
	return nil
}

// cleanBatch bounds the slots one shard's cleaner pass looks at per tick.
const cleanBatch = 4096

func (c *Cache) cleaner(tick <-chan time.Time, stop func()) {
	defer c.wg.Done()
	defer stop()
	for {
		select {
		case <-c.done:
			return
		case <-tick:
			c.cleanup(cleanBatch)
		}
	}
}

// cleanup runs one cleaner pass over every shard, looking at up to n
// slots of each.
func (c *Cache) cleanup(n int) {
	now := c.now()
	for _, s := range c.shards {
		s.mu.Lock()
		if !s.closed {
			s.clean(n, now)
		}
		s.mu.Unlock()
	}
}

// coarseTick is how often the coarse clock is refreshed.
const coarseTick = 50 * time.Millisecond

func (c *Cache) tickClock() {
	defer c.wg.Done()
	t := time.NewTicker(coarseTick)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case now := <-t.C:
			c.coarse.Store(now.Unix())
		}
	}
}

func (c *Cache) now() int64 {
	if c.coarseOn {
		return c.coarse.Load()
	}
	return c.set.Clock.Now().Unix()
}

// shardFor hashes key and returns its hash and shard, locked.
func (c *Cache) lock(key string) (uint64, *shard, error) {
	if len(key) == 0 || len(key) > MaxKeyLength {
		return 0, nil, ErrInvalidKey
	}
	h := hashKey(c.seed, key)
	s := c.shards[h>>c.shift&uint64(len(c.shards)-1)]
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return 0, nil, ErrClosed
	}
	return h, s, nil
}

func (c *Cache) expiry(exptime int64, now int64) uint32 {
	return storedExpiry(Expiry(exptime, time.Unix(now, 0), c.set.DefaultTTL, c.set.MaxTTL))
}

// get is the shared read path: it finds a live item, counts the hit or
// miss and marks it fetched.
func (s *shard) get(h uint64, key string, now int64) (uint32, hdr, bool) {
	s.st.cmdGet++
	slot, it, why, ok := s.lookup(h, key, now)
	if !ok {
		s.st.getMisses++
		switch why {
		case 1:
			s.st.getExpired++
		case 2:
			s.st.getFlushed++
		}
		return 0, nil, false
	}
	s.st.getHits++
	it.setFetched()
	s.policy.Access(slot)
	return slot, it, true
}

// GetInto appends the value of key to dst and returns the extended slice
// and the item's metadata. It does not allocate when dst has room, which
// makes it the fast path for servers that reuse buffers. A miss returns
// dst unchanged and [ErrNotFound].
func (c *Cache) GetInto(dst []byte, key string) ([]byte, ItemInfo, error) {
	now := c.now()
	h, s, err := c.lock(key)
	if err != nil {
		return dst, ItemInfo{}, err
	}
	_, it, ok := s.get(h, key, now)
	if !ok {
		s.mu.Unlock()
		return dst, ItemInfo{}, ErrNotFound
	}
	dst = append(dst, it.value()...)
	info := ItemInfo{Flags: it.flags(), Expiry: int64(it.exp()), CAS: it.cas()}
	s.mu.Unlock()
	return dst, info, nil
}

// GetView is [Cache.GetInto], except that a value kept in a buffer of its
// own (an item larger than the largest slab class, half a page: 512 KiB
// with the default 1 MiB pages) is not copied. The returned slice is then
// the cache's own copy of the value, and view is true: the caller must
// not modify it. Such a buffer is never written again nor reused by the
// cache, so the slice stays valid while the caller holds it, even after
// the item is replaced, deleted or evicted (its memory is then no longer
// counted against the limit, and returns when the caller drops it). A
// server sends a large value straight from the cache this way, as
// memcached does from its item. Smaller values are appended to dst as by
// GetInto, with view false.
func (c *Cache) GetView(dst []byte, key string) (v []byte, info ItemInfo, view bool, err error) {
	now := c.now()
	h, s, err := c.lock(key)
	if err != nil {
		return dst, ItemInfo{}, false, err
	}
	slot, it, ok := s.get(h, key, now)
	if !ok {
		s.mu.Unlock()
		return dst, ItemInfo{}, false, ErrNotFound
	}
	if s.arena.huge(s.loc[slot]) {
		v, view = it.value(), true
		v = v[:len(v):len(v)]
	} else {
		v = append(dst, it.value()...)
	}
	info = ItemInfo{Flags: it.flags(), Expiry: int64(it.exp()), CAS: it.cas()}
	s.mu.Unlock()
	return v, info, view, nil
}

// Get returns a copy of the value and the flags of key, or [ErrNotFound].
func (c *Cache) Get(key string) (value []byte, flags uint32, err error) {
	v, info, err := c.GetInto(nil, key)
	if err == nil && v == nil {
		v = []byte{}
	}
	return v, info.Flags, err
}

// Gets returns a copy of the item of key including its CAS unique, or
// [ErrNotFound].
func (c *Cache) Gets(key string) (Item, error) {
	v, info, err := c.GetInto(nil, key)
	if err != nil {
		return Item{}, err
	}
	if v == nil {
		v = []byte{}
	}
	return Item{Key: key, Value: v, Flags: info.Flags, Expiry: info.Expiry, CAS: info.CAS}, nil
}

// GetMulti returns the items of the keys that are present; absent keys are
// simply missing from the map.
func (c *Cache) GetMulti(keys []string) (map[string]Item, error) {
	m := make(map[string]Item, len(keys))
	for _, k := range keys {
		it, err := c.Gets(k)
		switch {
		case err == nil:
			m[k] = it
		case errors.Is(err, ErrNotFound):
		default:
			return m, err
		}
	}
	return m, nil
}

// Contains reports whether key is present and live. It changes neither
// statistics nor the eviction order.
func (c *Cache) Contains(key string) bool {
	now := c.now()
	h, s, err := c.lock(key)
	if err != nil {
		return false
	}
	defer s.mu.Unlock()
	slot, ok := s.find(h, key)
	return ok && s.invalid(s.arena.chunk(s.loc[slot]), now) == 0
}

// Peek returns the metadata of a live item without reading it: no
// statistic counts it and the policy, the fetched bit and the access time
// are left alone.
func (c *Cache) Peek(key string) (RangeInfo, bool) {
	now := c.now()
	h, s, err := c.lock(key)
	if err != nil {
		return RangeInfo{}, false
	}
	defer s.mu.Unlock()
	slot, ok := s.find(h, key)
	if !ok {
		return RangeInfo{}, false
	}
	it := s.arena.chunk(s.loc[slot])
	if s.invalid(it, now) != 0 {
		return RangeInfo{}, false
	}
	return it.rangeInfo(), true
}

// storeMode selects the condition of a store.
type storeMode uint8

const (
	modeSet storeMode = iota
	modeAdd
	modeReplace
	modeAppend
	modePrepend
	modeCAS
)

func (c *Cache) store(mode storeMode, key string, value []byte, flags uint32, exptime int64, cas uint64) (uint64, error) {
	now := c.now()
	h, s, err := c.lock(key)
	if err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	s.st.cmdSet++
	slot, it, _, found := s.lookup(h, key, now)
	m := meta{exp: c.expiry(exptime, now), stored: uint32(now), flags: flags}
	v1, v2 := value, []byte(nil)
	switch mode {
	case modeAdd:
		if found {
			s.policy.Access(slot)
			return 0, ErrNotStored
		}
	case modeReplace:
		if !found {
			return 0, ErrNotStored
		}
	case modeAppend, modePrepend:
		if !found {
			return 0, ErrNotStored
		}
		m.exp, m.flags = it.exp(), it.flags()
		s.scratch = append(s.scratch[:0], it.value()...)
		if mode == modeAppend {
			v1, v2 = s.scratch, value
		} else {
			v1, v2 = value, s.scratch
		}
	case modeCAS:
		if !found {
			s.st.casMisses++
			return 0, ErrNotFound
		}
		if it.cas() != cas {
			s.st.casBadval++
			return 0, ErrExists
		}
		s.st.casHits++
	}
	n := itemSize(len(key), len(v1)+len(v2))
	if !s.fits(n) {
		if found && mode == modeSet {
			s.removeSlot(slot, leftDeleted)
		}
		return 0, ErrTooLarge
	}
	m.cas = c.cas.Add(1)
	if err := s.put(h, key, slot, found, m, v1, v2, now); err != nil {
		return 0, err
	}
	if cap(s.scratch) > 64<<10 {
		s.scratch = nil
	}
	return m.cas, nil
}

// Set stores value under key unconditionally and returns the new CAS
// unique. A value too large for the cache gives [ErrTooLarge] and, as in
// memcached, removes the old value.
func (c *Cache) Set(key string, value []byte, flags uint32, exptime int64) (uint64, error) {
	return c.store(modeSet, key, value, flags, exptime, 0)
}

// Add stores value only if key is absent; otherwise [ErrNotStored].
func (c *Cache) Add(key string, value []byte, flags uint32, exptime int64) (uint64, error) {
	return c.store(modeAdd, key, value, flags, exptime, 0)
}

// Replace stores value only if key is present; otherwise [ErrNotStored].
func (c *Cache) Replace(key string, value []byte, flags uint32, exptime int64) (uint64, error) {
	return c.store(modeReplace, key, value, flags, exptime, 0)
}

// Append adds value after the existing value of key, keeping its flags and
// expiry; [ErrNotStored] if key is absent.
func (c *Cache) Append(key string, value []byte) (uint64, error) {
	return c.store(modeAppend, key, value, 0, 0, 0)
}

// Prepend adds value before the existing value of key, keeping its flags
// and expiry; [ErrNotStored] if key is absent.
func (c *Cache) Prepend(key string, value []byte) (uint64, error) {
	return c.store(modePrepend, key, value, 0, 0, 0)
}

// CompareAndSwap stores value only if key is present with CAS unique cas:
// [ErrNotFound] if absent, [ErrExists] if it was modified since.
func (c *Cache) CompareAndSwap(key string, value []byte, flags uint32, exptime int64, cas uint64) (uint64, error) {
	return c.store(modeCAS, key, value, flags, exptime, cas)
}

// SetMulti sets every item (Key, Value, Flags) with the same exptime. It
// returns the errors of the keys that failed, joined, each a [*KeyError].
func (c *Cache) SetMulti(items []Item, exptime int64) error {
	var errs []error
	for _, it := range items {
		if _, err := c.Set(it.Key, it.Value, it.Flags, exptime); err != nil {
			errs = append(errs, &KeyError{Key: it.Key, Err: err})
		}
	}
	return errors.Join(errs...)
}

// Delete removes key; [ErrNotFound] if it was absent.
func (c *Cache) Delete(key string) error {
	now := c.now()
	h, s, err := c.lock(key)
	if err != nil {
		return err
	}
	defer s.mu.Unlock()
	slot, _, _, ok := s.lookup(h, key, now)
	if !ok {
		s.st.deleteMisses++
		return ErrNotFound
	}
	s.st.deleteHits++
	s.removeSlot(slot, leftDeleted)
	return nil
}

// DeleteMulti removes the keys and returns how many were present.
func (c *Cache) DeleteMulti(keys []string) int {
	n := 0
	for _, k := range keys {
		if c.Delete(k) == nil {
			n++
		}
	}
	return n
}

// Incr adds delta to the decimal number stored under key, wrapping at
// 2^64, and returns the new value. [ErrNotFound] if absent,
// [ErrNotNumeric] if the value is not a number.
func (c *Cache) Incr(key string, delta uint64) (uint64, error) {
	v, _, err := c.Arith(key, delta, true)
	return v, err
}

// Decr subtracts delta from the decimal number stored under key, stopping
// at 0, and returns the new value. Like memcached, a number that gets
// shorter is padded with spaces to its old length.
func (c *Cache) Decr(key string, delta uint64) (uint64, error) {
	v, _, err := c.Arith(key, delta, false)
	return v, err
}

// Arith is Incr (incr true) or Decr that also returns the item's new CAS
// unique, as the binary and meta protocols report it.
func (c *Cache) Arith(key string, delta uint64, incr bool) (value, cas uint64, err error) {
	now := c.now()
	h, s, err := c.lock(key)
	if err != nil {
		return 0, 0, err
	}
	defer s.mu.Unlock()
	slot, it, _, ok := s.lookup(h, key, now)
	if !ok {
		if incr {
			s.st.incrMisses++
		} else {
			s.st.decrMisses++
		}
		return 0, 0, ErrNotFound
	}
	v, ok := parseCounter(it.value())
	if !ok {
		return 0, 0, ErrNotNumeric
	}
	if incr {
		v += delta
		s.st.incrHits++
	} else {
		v -= min(v, delta)
		s.st.decrHits++
	}
	var buf [24]byte
	num := formatCounter(buf[:0], v, it.vlen())
	m := meta{cas: c.cas.Add(1), exp: it.exp(), stored: uint32(now), flags: it.flags()}
	if err := s.put(h, key, slot, true, m, num, nil, now); err != nil {
		return 0, 0, err
	}
	return v, m.cas, nil
}

// Touch sets a new exptime for key; [ErrNotFound] if absent.
func (c *Cache) Touch(key string, exptime int64) error {
	now := c.now()
	h, s, err := c.lock(key)
	if err != nil {
		return err
	}
	defer s.mu.Unlock()
	s.st.cmdTouch++
	slot, it, _, ok := s.lookup(h, key, now)
	if !ok {
		s.st.touchMisses++
		return ErrNotFound
	}
	s.st.touchHits++
	it.setExp(c.expiry(exptime, now))
	s.policy.Access(slot)
	return nil
}

// GetAndTouch sets a new exptime for key and returns its item (memcached
// gat/gats); [ErrNotFound] if absent.
func (c *Cache) GetAndTouch(key string, exptime int64) (Item, error) {
	now := c.now()
	h, s, err := c.lock(key)
	if err != nil {
		return Item{}, err
	}
	defer s.mu.Unlock()
	s.st.cmdGet++
	s.st.cmdTouch++
	slot, it, why, ok := s.lookup(h, key, now)
	if !ok {
		s.st.touchMisses++
		switch why {
		case 1:
			s.st.getExpired++
		case 2:
			s.st.getFlushed++
		}
		return Item{}, ErrNotFound
	}
	s.st.touchHits++
	it.setExp(c.expiry(exptime, now))
	it.setFetched()
	s.policy.Access(slot)
	v := append([]byte{}, it.value()...)
	return Item{Key: key, Value: v, Flags: it.flags(), Expiry: int64(it.exp()), CAS: it.cas()}, nil
}

// FlushAll invalidates every item stored up to the flush time: now when
// delay <= 0, otherwise the memcached exptime delay (relative seconds up
// to 30 days, else an absolute Unix time). Items stored after it stay.
func (c *Cache) FlushAll(delay int64) {
	now := c.now()
	c.flushN.Add(1)
	at := now
	if delay > 0 {
		at = Expiry(delay, time.Unix(now, 0), 0, 0)
	}
	cut := flushCut{oldestLive: at - 1}
	if cut.oldestLive <= now {
		cut.oldestCAS = c.cas.Add(1)
	}
	c.flushMu.Lock()
	c.flush.Store(c.flush.Load().add(cut, now))
	c.flushMu.Unlock()
}

// Len returns the number of items held, including expired items not yet
// removed.
func (c *Cache) Len() int {
	n := 0
	for _, s := range c.shards {
		s.mu.Lock()
		n += int(s.count)
		s.mu.Unlock()
	}
	return n
}

// Keys returns the keys of the live items that match pattern, in no
// particular order. In the pattern '*' matches any run of bytes, '?'
// one byte and '\' escapes the next byte; "" or "*" match every key.
func (c *Cache) Keys(pattern string) []string {
	now := c.now()
	var keys []string
	for _, s := range c.shards {
		s.mu.Lock()
		for _, addr := range s.loc {
			if addr == deadAddr || s.closed {
				continue
			}
			it := s.arena.chunk(addr)
			if s.invalid(it, now) == 0 && (pattern == "" || match(pattern, it.key())) {
				keys = append(keys, string(it.key()))
			}
		}
		s.mu.Unlock()
	}
	return keys
}

// match reports whether name matches the glob pattern (see Cache.Keys).
func match(pattern string, name []byte) bool {
	px, nx := 0, 0
	starP, starN := -1, 0
	for nx < len(name) || px < len(pattern) {
		if px < len(pattern) {
			switch p := pattern[px]; p {
			case '*':
				starP, starN = px, nx
				px++
				continue
			case '?':
				if nx < len(name) {
					px++
					nx++
					continue
				}
			default:
				if p == '\\' && px+1 < len(pattern) {
					p = pattern[px+1]
					if nx < len(name) && name[nx] == p {
						px += 2
						nx++
						continue
					}
				} else if nx < len(name) && name[nx] == p {
					px++
					nx++
					continue
				}
			}
		}
		if starP >= 0 && starN < len(name) {
			starN++
			px, nx = starP+1, starN
			continue
		}
		return false
	}
	return true
}
