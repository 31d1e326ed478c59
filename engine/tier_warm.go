package engine

import "context"

// warmLaterMax bounds how many entries WarmUp sets aside during L2's walk
// (their key was written meanwhile, or its stripe was busy) to read again
// afterwards; entries beyond it are skipped.
const warmLaterMax = 4096

// WarmUp fills L1 from L2 while t serves, typically right after a restart
// (the owner runs it in its own goroutine). If L2 implements
// [L2HotKeys], it first loads the hot keys saved by the last Close (what
// L1 held then), reading each from L2, as long as L1 has room for them
// without evicting; then it walks L2 for any room left, without
// evicting either. Without hot keys it walks L2 and puts each
// entry into L1 with its CAS unique and expiry, until every L1 shard had
// to evict to make room, the walk ends, ctx is done or t is closed. It
// never replaces an item L1 already holds, skips large values, and never
// loads a version older than one written since it started: an entry whose
// key was written during the walk is read again from L2 after it. Close
// waits for it. It returns ctx's error if ctx ended it, [ErrClosed] if t
// was closed before it started, or L2's error; progress is in
// [TierStats]. Hot keys L2 cannot return are counted in
// TierStats.L2ReadErrors and do not stop the walk.
func (t *Tiered) WarmUp(ctx context.Context) error {
	t.mu.Lock()
	if t.closed.Load() {
		t.mu.Unlock()
		return ErrClosed
	}
	t.warm.Add(1)
	t.mu.Unlock()
	defer t.warm.Done()

	k := &t.st
	k.warmRunning.Store(true)
	defer k.warmRunning.Store(false)
	k.warmScanned.Store(0)
	k.warmLoaded.Store(0)
	k.warmSkipped.Store(0)
	k.warmHotLoaded.Store(0)

	start := t.seq.Load()
	full := make([]bool, len(t.l1.shards))
	nfull := 0
	done := func() bool { return ctx.Err() != nil || t.closed.Load() || nfull == len(full) }
	// Once hot keys were loaded, nothing may evict them: every load then
	// only uses free room.
	noEvict := false
	hot := false // the hot pass is running
	// load puts it into L1; the stripe of its key is held.
	load := func(it Item) {
		si := t.l1.shardOf(it.Key)
		if full[si] {
			k.warmSkipped.Add(1)
			return
		}
		var ins, isFull bool
		var err error
		if noEvict {
			ins, isFull, err = t.l1.restoreRoom(it)
		} else {
			ins, isFull, err = t.l1.restore(it, false)
		}
		if isFull {
			full[si] = true
			nfull++
		}
		if err == nil && ins {
			k.warmLoaded.Add(1)
			if hot {
				k.warmHotLoaded.Add(1)
			}
		} else {
			k.warmSkipped.Add(1)
		}
	}

	if hk, ok := t.l2.(L2HotKeys); ok {
		keys, err := hk.HotKeys()
		if err != nil {
			k.l2ReadErrors.Add(1)
		}
		noEvict, hot = len(keys) > 0, true
		for _, key := range keys {
			if done() {
				break
			}
			k.warmScanned.Add(1)
			if len(key) == 0 || len(key) > MaxKeyLength || full[t.l1.shardOf(key)] {
				k.warmSkipped.Add(1)
				continue
			}
			t.warmOne(key, load)
		}
		hot = false
	}

	var later []string
	err := t.l2.Range(func(e L2Entry) bool {
		if done() {
			return false
		}
		k.warmScanned.Add(1)
		if t.large(e.Key, len(e.Value)) || full[t.l1.shardOf(e.Key)] {
			k.warmSkipped.Add(1)
			return true
		}
		// Never wait for a stripe inside L2's walk: its holder may be
		// waiting for L2, which may be waiting for the walk to end.
		i := t.stripe(e.Key)
		locked := t.stripes[i].TryLock()
		if !locked || t.lastWrite[i].Load() > start {
			if locked {
				t.stripes[i].Unlock()
			}
			if len(later) < warmLaterMax {
				later = append(later, e.Key)
			} else {
				k.warmSkipped.Add(1)
			}
			return true
		}
		load(Item(e))
		t.stripes[i].Unlock()
		return true
	})
	if err != nil {
		t.st.l2ReadErrors.Add(1)
		return &L2Error{Op: "range", Err: err}
	}
	for _, key := range later {
		if done() {
			break
		}
		t.warmOne(key, load)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return nil
}

// warmOne loads the current version of key from L2 into L1 unless L1 has
// one.
func (t *Tiered) warmOne(key string, load func(Item)) {
	i := t.stripe(key)
	t.stripes[i].Lock()
	defer t.stripes[i].Unlock()
	if t.closed.Load() {
		return
	}
	if _, ok, err := t.l1.peek(key); err != nil || ok {
		t.st.warmSkipped.Add(1)
		return
	}
	e, ok, err := t.l2.Get(key)
	if err != nil {
		t.st.l2ReadErrors.Add(1)
	}
	if err != nil || !ok || t.large(key, len(e.Value)) {
		t.st.warmSkipped.Add(1)
		return
	}
	load(Item{Key: key, Value: e.Value, Flags: e.Flags, Expiry: e.Expiry, CAS: e.CAS})
}
