package engine

import (
	"cmp"
	"errors"
	"math/rand/v2"
	"slices"
	"sync"
	"time"
)

// tierStripes is the number of per-key mutexes of a Tiered.
const tierStripes = 1024

// TierOptions configures a [Tiered]. The zero value is valid; each field
// documents its zero value. [NewTiered] does not modify or retain it.
type TierOptions struct {
	// LargeValueThreshold: values longer than this many bytes are stored
	// only in L2 and never promoted into L1. 0 means no threshold: only
	// values whose item L1 cannot hold (larger than its MaxItemSize) are
	// stored in L2 alone.
	LargeValueThreshold int
	// MaxValueSize is the longest value accepted; a longer one gives
	// [ErrTooLarge]. 0 means the limit of L1 alone: the item (header,
	// key and value) must fit L1's MaxItemSize.
	MaxValueSize int
}

// L2Error reports a failed operation of the L2 store. It unwraps to the
// L2's error.
type L2Error struct {
	Op  string // "get", "put", "delete", "clear", "range", "close" or "save hot keys"
	Key string // "" for clear and range
	Err error
}

func (e *L2Error) Error() string {
	s := "engine: L2 " + e.Op
	if e.Key != "" {
		s += " " + quoteKey(e.Key)
	}
	return s + ": " + e.Err.Error()
}

// Unwrap returns the L2's error.
func (e *L2Error) Unwrap() error { return e.Err }

// NewTiered returns a Tiered cache over l1 and l2, which it owns from now
// on. opts may be nil for the defaults. See [Tiered] for the semantics.
func NewTiered(l1 *Cache, l2 L2, opts *TierOptions) (*Tiered, error) {
	if l1 == nil || l2 == nil {
		return nil, &ConfigError{"Tiered", "needs both an L1 cache and an L2 store"}
	}
	var o TierOptions
	if opts != nil {
		o = *opts
	}
	if o.LargeValueThreshold < 0 {
		return nil, &ConfigError{"LargeValueThreshold", "negative"}
	}
	if o.MaxValueSize < 0 {
		return nil, &ConfigError{"MaxValueSize", "negative"}
	}
	if o.MaxValueSize > 1<<30 {
		return nil, &ConfigError{"MaxValueSize", "larger than 1 GiB"}
	}
	t := &Tiered{l1: l1, l2: l2, opts: o, seed: rand.Uint64()}
	l1.raiseCAS(uint64(time.Now().UnixNano()))
	return t, nil
}

func (t *Tiered) stripe(key string) int { return int(hashKey(t.seed, key) & (tierStripes - 1)) }

func (t *Tiered) lockAll() {
	for i := range t.stripes {
		t.stripes[i].Lock()
	}
}

func (t *Tiered) unlockAll() {
	for i := range t.stripes {
		t.stripes[i].Unlock()
	}
}

// tooLarge reports whether a value of n bytes is refused for key.
func (t *Tiered) tooLarge(key string, n int) bool {
	if t.opts.MaxValueSize > 0 {
		return n > t.opts.MaxValueSize
	}
	return itemSize(len(key), n) > t.l1.set.MaxItemSize
}

// large reports whether a value of n bytes for key is kept in L2 only.
func (t *Tiered) large(key string, n int) bool {
	return (t.opts.LargeValueThreshold > 0 && n > t.opts.LargeValueThreshold) ||
		itemSize(len(key), n) > t.l1.set.MaxItemSize
}

// expiry converts a memcached exptime at now into the absolute expiry
// passed on to L1 (which keeps it as is) and the one stored with the
// item (0 never, 1 already expired, saturated to 32 bits).
func (t *Tiered) expiry(exptime, now int64) (abs, stored int64) {
	abs = Expiry(exptime, time.Unix(now, 0), t.l1.set.DefaultTTL, t.l1.set.MaxTTL)
	return abs, int64(storedExpiry(abs))
}

// flushDue clears L2 if a delayed FlushAll has taken effect.
func (t *Tiered) flushDue() error {
	live := t.flushLive.Load()
	if live == 0 || live > t.l1.now() {
		return nil
	}
	t.lockAll()
	defer t.unlockAll()
	return t.clearL2Locked()
}

// clearL2Locked clears L2 if a flush is due; all stripes are held.
func (t *Tiered) clearL2Locked() error {
	live := t.flushLive.Load()
	if live == 0 || live > t.l1.now() {
		return nil
	}
	if err := t.l2.Clear(); err != nil {
		t.st.l2WriteErrors.Add(1)
		return &L2Error{Op: "clear", Err: err}
	}
	t.flushLive.Store(0)
	n := t.seq.Add(1)
	for i := range t.lastWrite {
		t.lastWrite[i].Store(n)
	}
	return nil
}

// begin applies a due flush and locks the stripe of key for a write.
func (t *Tiered) begin(key string) (*sync.Mutex, int, error) {
	if len(key) == 0 || len(key) > MaxKeyLength {
		return nil, 0, ErrInvalidKey
	}
	if err := t.flushDue(); err != nil {
		return nil, 0, err
	}
	i := t.stripe(key)
	mu := &t.stripes[i]
	mu.Lock()
	if t.closed.Load() {
		mu.Unlock()
		return nil, 0, ErrClosed
	}
	return mu, i, nil
}

// wrote records a completed write under stripe i.
func (t *Tiered) wrote(i int) { t.lastWrite[i].Store(t.seq.Add(1)) }

// current returns the live version of key and whether L1 holds it. With
// the stripe of key held, it is the latest acknowledged version.
func (t *Tiered) current(key string, now int64) (it Item, inL1, found bool, err error) {
	it, ok, err := t.l1.peek(key)
	if err != nil || ok {
		return it, ok, ok, err
	}
	e, ok, err := t.l2.Get(key)
	if err != nil {
		t.st.l2ReadErrors.Add(1)
		return Item{}, false, false, &L2Error{Op: "get", Key: key, Err: err}
	}
	if !ok || (e.Expiry != 0 && e.Expiry <= now) {
		return Item{}, false, false, nil
	}
	return Item{Key: key, Value: e.Value, Flags: e.Flags, Expiry: e.Expiry, CAS: e.CAS}, false, true, nil
}

// persist writes n to L2 (a delete if it is already expired, or
// flushed: during the second a delayed flush takes effect, L1 flushes
// items as they are stored). On failure it removes key from L1, so that
// L1 holds nothing L2 does not.
func (t *Tiered) persist(n Item, now int64) error {
	var err error
	if (n.Expiry != 0 && n.Expiry <= now) || t.l1.flush.Load().flushed(uint32(now), n.CAS, now) {
		if err = t.l2.Delete(n.Key); err != nil {
			err = &L2Error{Op: "delete", Key: n.Key, Err: err}
		}
	} else {
		b := [1]L2Entry{{Key: n.Key, Value: n.Value, Flags: n.Flags, Expiry: n.Expiry, CAS: n.CAS}}
		if err = t.l2.PutBatch(b[:]); err != nil {
			err = &L2Error{Op: "put", Key: n.Key, Err: err}
		}
	}
	if err != nil {
		t.st.l2WriteErrors.Add(1)
		t.l1.drop(n.Key)
		return err
	}
	t.st.l2Writes.Add(1)
	return nil
}

// commit makes n the version of key in both tiers without a native L1
// operation: in L1 if it fits and is not large (else L1 loses key), then
// in L2. It is the path for items held only in L2 and for large values.
func (t *Tiered) commit(n Item, now int64) (uint64, error) {
	if t.large(n.Key, len(n.Value)) {
		t.l1.drop(n.Key)
		t.st.l2Only.Add(1)
	} else if _, _, err := t.l1.restore(n, true); err != nil && !errors.Is(err, ErrTooLarge) {
		return 0, err
	}
	return n.CAS, t.persist(n, now)
}

// absent reports whether err is the "no such item" answer of an L1
// operation on a key that the stripe lock says is present: it was evicted
// (or expired) between the look-up and the operation.
func absent(err error) bool {
	return errors.Is(err, ErrNotFound) || errors.Is(err, ErrNotStored) || errors.Is(err, ErrTooLarge)
}

// dropBoth removes key from both tiers (a Set of a value too large).
func (t *Tiered) dropBoth(key string) error {
	t.l1.drop(key)
	if err := t.l2.Delete(key); err != nil {
		t.st.l2WriteErrors.Add(1)
		return &L2Error{Op: "delete", Key: key, Err: err}
	}
	return nil
}

// store is Set, Add, Replace and CompareAndSwap.
func (t *Tiered) store(mode storeMode, key string, value []byte, flags uint32, exptime int64, cas uint64) (uint64, error) {
	mu, si, err := t.begin(key)
	if err != nil {
		return 0, err
	}
	defer mu.Unlock()
	defer t.wrote(si)
	now := t.l1.now()
	abs, exp := t.expiry(exptime, now)
	if t.tooLarge(key, len(value)) {
		if mode == modeSet {
			if err := t.dropBoth(key); err != nil {
				return 0, err
			}
		}
		return 0, ErrTooLarge
	}
	var cur Item
	inL1 := false
	if mode != modeSet {
		var found bool
		cur, inL1, found, err = t.current(key, now)
		if err != nil {
			return 0, err
		}
		var fail error
		switch {
		case mode == modeAdd && found:
			fail = ErrNotStored
		case mode == modeReplace && !found:
			fail = ErrNotStored
		case mode == modeCAS && !found:
			fail = ErrNotFound
		case mode == modeCAS && cur.CAS != cas:
			fail = ErrExists
		}
		if fail != nil {
			if inL1 || !found {
				t.l1.store(mode, key, value, flags, abs, cas) // for L1's statistics
			}
			return 0, fail
		}
	}
	n := Item{Key: key, Value: value, Flags: flags, Expiry: exp}
	if !t.large(key, len(value)) && (mode == modeSet || mode == modeAdd || inL1) {
		n.CAS, err = t.l1.store(mode, key, value, flags, abs, cas)
		if err == nil {
			return n.CAS, t.persist(n, now)
		}
		if !absent(err) {
			return 0, err
		}
	}
	n.CAS = t.l1.cas.Add(1)
	return t.commit(n, now)
}

// Set stores value under key unconditionally in both tiers and returns
// the new CAS unique. A value longer than the maximum gives [ErrTooLarge]
// and removes the old value from both tiers, as memcached does.
func (t *Tiered) Set(key string, value []byte, flags uint32, exptime int64) (uint64, error) {
	return t.store(modeSet, key, value, flags, exptime, 0)
}

// Add stores value only if key is absent from both tiers; otherwise
// [ErrNotStored].
func (t *Tiered) Add(key string, value []byte, flags uint32, exptime int64) (uint64, error) {
	return t.store(modeAdd, key, value, flags, exptime, 0)
}

// Replace stores value only if key is present in either tier; otherwise
// [ErrNotStored].
func (t *Tiered) Replace(key string, value []byte, flags uint32, exptime int64) (uint64, error) {
	return t.store(modeReplace, key, value, flags, exptime, 0)
}

// CompareAndSwap stores value only if key is present with CAS unique
// cas: [ErrNotFound] if absent, [ErrExists] if it was modified since.
func (t *Tiered) CompareAndSwap(key string, value []byte, flags uint32, exptime int64, cas uint64) (uint64, error) {
	return t.store(modeCAS, key, value, flags, exptime, cas)
}

// Append adds value after the existing value of key, keeping its flags
// and expiry; [ErrNotStored] if key is absent.
func (t *Tiered) Append(key string, value []byte) (uint64, error) {
	return t.concat(modeAppend, key, value)
}

// Prepend adds value before the existing value of key, keeping its flags
// and expiry; [ErrNotStored] if key is absent.
func (t *Tiered) Prepend(key string, value []byte) (uint64, error) {
	return t.concat(modePrepend, key, value)
}

func (t *Tiered) concat(mode storeMode, key string, value []byte) (uint64, error) {
	mu, si, err := t.begin(key)
	if err != nil {
		return 0, err
	}
	defer mu.Unlock()
	defer t.wrote(si)
	now := t.l1.now()
	cur, inL1, found, err := t.current(key, now)
	if err != nil {
		return 0, err
	}
	if !found {
		t.l1.store(mode, key, value, 0, 0, 0) // for L1's statistics
		return 0, ErrNotStored
	}
	if t.tooLarge(key, len(cur.Value)+len(value)) {
		return 0, ErrTooLarge
	}
	v := make([]byte, 0, len(cur.Value)+len(value))
	if mode == modeAppend {
		v = append(append(v, cur.Value...), value...)
	} else {
		v = append(append(v, value...), cur.Value...)
	}
	n := Item{Key: key, Value: v, Flags: cur.Flags, Expiry: cur.Expiry}
	if inL1 && !t.large(key, len(v)) {
		n.CAS, err = t.l1.store(mode, key, value, 0, 0, 0)
		if err == nil {
			return n.CAS, t.persist(n, now)
		}
		if !absent(err) {
			return 0, err
		}
	}
	n.CAS = t.l1.cas.Add(1)
	return t.commit(n, now)
}

// Incr adds delta to the decimal number stored under key, wrapping at
// 2^64, and returns the new value. See [Cache.Incr].
func (t *Tiered) Incr(key string, delta uint64) (uint64, error) {
	v, _, err := t.Arith(key, delta, true)
	return v, err
}

// Decr subtracts delta from the decimal number stored under key, stopping
// at 0, and returns the new value. See [Cache.Decr].
func (t *Tiered) Decr(key string, delta uint64) (uint64, error) {
	v, _, err := t.Arith(key, delta, false)
	return v, err
}

// Arith is Incr (incr true) or Decr that also returns the new CAS unique.
func (t *Tiered) Arith(key string, delta uint64, incr bool) (value, cas uint64, err error) {
	mu, si, err := t.begin(key)
	if err != nil {
		return 0, 0, err
	}
	defer mu.Unlock()
	defer t.wrote(si)
	now := t.l1.now()
	cur, inL1, found, err := t.current(key, now)
	if err != nil {
		return 0, 0, err
	}
	if !found {
		t.l1.Arith(key, delta, incr) // for L1's statistics
		return 0, 0, ErrNotFound
	}
	v, ok := parseCounter(cur.Value)
	if !ok {
		return 0, 0, ErrNotNumeric
	}
	if incr {
		v += delta
	} else {
		v -= min(v, delta)
	}
	num := formatCounter(make([]byte, 0, 24), v, len(cur.Value))
	n := Item{Key: key, Value: num, Flags: cur.Flags, Expiry: cur.Expiry}
	if inL1 && !t.large(key, len(num)) {
		_, n.CAS, err = t.l1.Arith(key, delta, incr)
		if err == nil {
			return v, n.CAS, t.persist(n, now)
		}
		if !absent(err) {
			return 0, 0, err
		}
	}
	n.CAS = t.l1.cas.Add(1)
	if _, err := t.commit(n, now); err != nil {
		return 0, 0, err
	}
	return v, n.CAS, nil
}

// Touch sets a new exptime for key in both tiers; [ErrNotFound] if
// absent. The CAS unique does not change.
func (t *Tiered) Touch(key string, exptime int64) error {
	_, err := t.touch(key, exptime, false)
	return err
}

// GetAndTouch sets a new exptime for key and returns its item (memcached
// gat/gats); [ErrNotFound] if absent.
func (t *Tiered) GetAndTouch(key string, exptime int64) (Item, error) {
	return t.touch(key, exptime, true)
}

func (t *Tiered) touch(key string, exptime int64, get bool) (Item, error) {
	mu, si, err := t.begin(key)
	if err != nil {
		return Item{}, err
	}
	defer mu.Unlock()
	defer t.wrote(si)
	now := t.l1.now()
	cur, inL1, found, err := t.current(key, now)
	if err != nil {
		return Item{}, err
	}
	abs, exp := t.expiry(exptime, now)
	if !found {
		if get { // for L1's statistics
			t.l1.GetAndTouch(key, abs)
		} else {
			t.l1.Touch(key, abs)
		}
		return Item{}, ErrNotFound
	}
	n := cur
	n.Expiry = exp
	if inL1 {
		if get {
			_, err = t.l1.GetAndTouch(key, abs)
		} else {
			err = t.l1.Touch(key, abs)
		}
		if err == nil {
			return n, t.persist(n, now)
		}
		if !absent(err) {
			return Item{}, err
		}
	} else if get {
		t.st.l2Hits.Add(1)
	}
	if _, err := t.commit(n, now); err != nil {
		return Item{}, err
	}
	return n, nil
}

// Delete removes key from both tiers; [ErrNotFound] if it was absent.
func (t *Tiered) Delete(key string) error { return t.DeleteCAS(key, 0) }

// DeleteCAS removes key from both tiers only if its CAS unique is cas:
// [ErrNotFound] if absent, [ErrExists] if it changed since it was read.
// A cas of 0 deletes unconditionally.
func (t *Tiered) DeleteCAS(key string, cas uint64) error {
	mu, si, err := t.begin(key)
	if err != nil {
		return err
	}
	defer mu.Unlock()
	defer t.wrote(si)
	now := t.l1.now()
	var inL1 bool
	if cas == 0 {
		// The common case needs no L2 read when L1 has the key.
		switch err := t.l1.Delete(key); {
		case err == nil:
			inL1 = true
		case !errors.Is(err, ErrNotFound):
			return err
		}
	}
	if !inL1 {
		cur, curInL1, found, err := t.current(key, now)
		if err != nil {
			return err
		}
		if !found {
			return ErrNotFound
		}
		if cas != 0 && cur.CAS != cas {
			if curInL1 {
				t.l1.DeleteCAS(key, cas) // for L1's statistics
			}
			return ErrExists
		}
		if curInL1 {
			t.l1.DeleteCAS(key, cas)
		}
	}
	if err := t.l2.Delete(key); err != nil {
		t.st.l2WriteErrors.Add(1)
		return &L2Error{Op: "delete", Key: key, Err: err}
	}
	t.st.l2Writes.Add(1)
	return nil
}

// GetInto appends the value of key to dst and returns the extended slice
// and the item's metadata; a miss returns dst unchanged and
// [ErrNotFound]. An L1 hit does not allocate when dst has room.
func (t *Tiered) GetInto(dst []byte, key string) ([]byte, ItemInfo, error) {
	v, info, _, err := t.get(dst, key, false)
	return v, info, err
}

// get is GetInto, or GetView if views.
func (t *Tiered) get(dst []byte, key string, views bool) ([]byte, ItemInfo, bool, error) {
	flushErr := t.flushDue()
	var (
		v    []byte
		info ItemInfo
		view bool
		err  error
	)
	if views {
		v, info, view, err = t.l1.GetView(dst, key)
	} else {
		v, info, err = t.l1.GetInto(dst, key)
	}
	if !errors.Is(err, ErrNotFound) {
		return v, info, view, err
	}
	if flushErr != nil {
		t.st.l2ReadErrors.Add(1)
		t.st.misses.Add(1)
		return dst, ItemInfo{}, false, ErrNotFound
	}
	i := t.stripe(key)
	t.stripes[i].Lock()
	defer t.stripes[i].Unlock()
	if t.closed.Load() {
		return dst, ItemInfo{}, false, ErrClosed
	}
	now := t.l1.now()
	e, ok, err := t.l2.Get(key)
	if err != nil {
		t.st.l2ReadErrors.Add(1)
		t.st.misses.Add(1)
		return dst, ItemInfo{}, false, ErrNotFound
	}
	if !ok || (e.Expiry != 0 && e.Expiry <= now) {
		t.st.misses.Add(1)
		return dst, ItemInfo{}, false, ErrNotFound
	}
	t.st.l2Hits.Add(1)
	if !t.large(key, len(e.Value)) {
		it := Item{Key: key, Value: e.Value, Flags: e.Flags, Expiry: e.Expiry, CAS: e.CAS}
		if ins, _, err := t.l1.restore(it, false); err == nil && ins {
			t.st.promotions.Add(1)
		}
	}
	return append(dst, e.Value...), ItemInfo{Flags: e.Flags, Expiry: e.Expiry, CAS: e.CAS}, false, nil
}

// GetView is [Tiered.GetInto] with [Cache.GetView]'s view of a large
// value held in L1; a value read from L2 is appended to dst (view false).
func (t *Tiered) GetView(dst []byte, key string) (v []byte, info ItemInfo, view bool, err error) {
	return t.get(dst, key, true)
}

// Get returns a copy of the value and the flags of key, or [ErrNotFound].
func (t *Tiered) Get(key string) (value []byte, flags uint32, err error) {
	v, info, err := t.GetInto(nil, key)
	if err == nil && v == nil {
		v = []byte{}
	}
	return v, info.Flags, err
}

// Gets returns a copy of the item of key including its CAS unique, or
// [ErrNotFound].
func (t *Tiered) Gets(key string) (Item, error) {
	v, info, err := t.GetInto(nil, key)
	if err != nil {
		return Item{}, err
	}
	if v == nil {
		v = []byte{}
	}
	return Item{Key: key, Value: v, Flags: info.Flags, Expiry: info.Expiry, CAS: info.CAS}, nil
}

// FlushAll invalidates every item stored up to the flush time, in both
// tiers; see [Cache.FlushAll] for delay and the Tiered documentation for
// how L2 applies a delayed flush. The error is L2's, from clearing it.
func (t *Tiered) FlushAll(delay int64) error {
	t.lockAll()
	defer t.unlockAll()
	if t.closed.Load() {
		return ErrClosed
	}
	// A delayed flush that is due is applied first, as L1 merges it.
	if err := t.clearL2Locked(); err != nil {
		return err
	}
	now := t.l1.now()
	t.l1.FlushAll(delay)
	at := now
	if delay > 0 {
		at = Expiry(delay, time.Unix(now, 0), 0, 0)
	}
	t.flushLive.Store(at - 1)
	if at-1 > now {
		return nil // pending: the first operation from that second on clears L2
	}
	return t.clearL2Locked()
}

// Range calls fn for every live item of L2 (which holds every item of
// L1), until fn returns false. RangeInfo.Stored and Fetched are not known
// to L2 and are zero. fn runs inside L2's walk and must not call t. The
// error is L2's.
func (t *Tiered) Range(fn func(key []byte, info RangeInfo) bool) error {
	if err := t.flushDue(); err != nil {
		return err
	}
	if t.closed.Load() {
		return ErrClosed
	}
	now := t.l1.now()
	var key []byte
	err := t.l2.Range(func(e L2Entry) bool {
		if e.Expiry != 0 && e.Expiry <= now {
			return true
		}
		key = append(key[:0], e.Key...)
		return fn(key[:len(key):len(key)], RangeInfo{
			ItemInfo: ItemInfo{Flags: e.Flags, Expiry: e.Expiry, CAS: e.CAS},
			Size:     itemSize(len(e.Key), len(e.Value)),
		})
	})
	if err != nil {
		return &L2Error{Op: "range", Err: err}
	}
	return nil
}

// Len returns the number of items held in L1 (the L2 port has no count).
func (t *Tiered) Len() int { return t.l1.Len() }

// SetMaxMemory changes L1's memory limit; see [Cache.SetMaxMemory].
func (t *Tiered) SetMaxMemory(n int64) error { return t.l1.SetMaxMemory(n) }

// Close waits for a running [Tiered.WarmUp] and for operations in flight,
// applies to L2 a delayed flush that has taken effect, saves the keys L1
// holds as the hot set if L2 implements [L2HotKeys], then closes L1 and
// L2. Later calls return [ErrClosed]. Close is idempotent; it returns
// L2's errors (a failure to save the hot keys does not keep it from
// closing).
func (t *Tiered) Close() error {
	t.mu.Lock()
	if t.closed.Load() {
		t.mu.Unlock()
		return nil
	}
	t.closed.Store(true)
	t.mu.Unlock()
	t.warm.Wait()
	t.lockAll()
	// A delayed flush that took effect but has not reached L2 yet must
	// not be undone by a restart.
	errFlush := t.clearL2Locked()
	t.unlockAll()
	var errHot error
	if hk, ok := t.l2.(L2HotKeys); ok {
		if err := hk.SaveHotKeys(t.residentKeys()); err != nil {
			t.st.l2WriteErrors.Add(1)
			errHot = &L2Error{Op: "save hot keys", Err: err}
		}
	}
	t.l1.Close()
	if err := t.l2.Close(); err != nil {
		return errors.Join(errFlush, errHot, &L2Error{Op: "close", Err: err})
	}
	return errors.Join(errFlush, errHot)
}

// residentKeys returns the keys of the live items of L1, at most as many
// as it counted when the walk began, most valuable first as far as L1
// tells: items read since they were written, then the others, each
// group most recently written first. (A restarted L1 hashes keys to its
// shards anew, so a shard may not hold all of its share: the warm-up then
// drops the tail of the list.)
func (t *Tiered) residentKeys() []string {
	type resident struct {
		key     string
		stored  int64
		fetched bool
	}
	n := t.l1.Len()
	res := make([]resident, 0, n)
	t.l1.Range(func(key []byte, info RangeInfo) bool {
		if len(res) == n {
			return false
		}
		res = append(res, resident{string(key), info.Stored, info.Fetched})
		return true
	})
	slices.SortStableFunc(res, func(a, b resident) int {
		if a.fetched != b.fetched {
			if a.fetched {
				return -1
			}
			return 1
		}
		return cmp.Compare(b.stored, a.stored)
	})
	keys := make([]string, len(res))
	for i, r := range res {
		keys[i] = r.key
	}
	return keys
}

// Peek returns the metadata of an item held in L1, without reading it or
// counting anything (see [Cache.Peek]); an item only in L2 is not seen.
func (t *Tiered) Peek(key string) (RangeInfo, bool) { return t.l1.Peek(key) }
