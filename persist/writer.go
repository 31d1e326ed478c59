package persist

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"runtime"
	"time"

	bolt "go.etcd.io/bbolt"
)

type opKind uint8

const (
	opPut opKind = iota
	opDelete
	opClear
	opHotKeys
	opSync    // exclusive: not batched
	opCompact // exclusive: not batched
)

// op is one queued request for the writer goroutine.
type op struct {
	kind opKind
	recs []encoded // opPut
	key  string    // opDelete
	hot  []byte    // opHotKeys: the record
	size int       // bytes, for MaxBatchBytes
	done chan error
}

// do queues o and waits for the writer's answer.
func (s *Store) do(o *op) error {
	o.done = make(chan error, 1)
	if err := s.enqueue(o); err != nil {
		return err
	}
	return <-o.done
}

// enqueue hands o to the writer. A full queue blocks for at most
// EnqueueTimeout, then fails with ErrQueueFull: never a silent drop.
func (s *Store) enqueue(o *op) error {
	s.closeMu.RLock()
	defer s.closeMu.RUnlock()
	if s.closed {
		return ErrClosed
	}
	select {
	case s.queue <- o:
		return nil
	default:
	}
	if s.opts.EnqueueTimeout < 0 {
		return s.queueFull()
	}
	t := time.NewTimer(s.opts.EnqueueTimeout)
	defer t.Stop()
	select {
	case s.queue <- o:
		return nil
	case <-t.C:
		return s.queueFull()
	}
}

func (s *Store) queueFull() error {
	wait := s.opts.EnqueueTimeout
	if wait < 0 {
		wait = 0
	}
	return &Error{Op: "put", Path: s.path, Kind: ErrQueueFull,
		Err: fmt.Errorf("%d writes waiting, waited %v", cap(s.queue), wait), Hint: "the disk cannot keep up; nothing of this write was stored"}
}

// maxLinger bounds how long the writer holds a write back to gather
// others into its transaction.
const maxLinger = 500 * time.Microsecond

// run is the writer goroutine: it owns every write transaction, the
// periodic fsync of interval mode and the expiry cleaner.
func (s *Store) run() {
	defer close(s.done)
	var syncC, cleanC <-chan time.Time
	if s.opts.Durability == DurabilityInterval {
		t := time.NewTicker(s.opts.SyncInterval)
		defer t.Stop()
		syncC = t.C
	}
	if s.opts.CleanupInterval > 0 {
		t := time.NewTicker(s.opts.CleanupInterval)
		defer t.Stop()
		cleanC = t.C
	}
	batch := make([]*op, 0, 64)
	linger := time.NewTimer(time.Hour)
	linger.Stop()
	var lastDur time.Duration // how long the last commit took
	var lastEnd time.Time     // when it ended
	for {
		select {
		case o, ok := <-s.queue:
			if !ok {
				s.finalSync()
				return
			}
			batch = append(batch[:0], o)
			var excl *op
			open := true
			if o.kind >= opSync {
				batch, excl = batch[:0], o
			}
			size := o.size
			// Under load (this write came while the last commit could
			// still have been running), wait up to one commit time for
			// more writes to join the group: writers only queue while
			// the writer is parked, which on one processor is never
			// during a commit, even one waiting for an fsync (the
			// processor is handed to other goroutines only when the
			// runtime notices the blocked system call, which can take
			// 10 ms when the process was idle).
			var until time.Time
			if excl == nil && lastDur > 0 && time.Since(lastEnd) < lastDur {
				until = time.Now().Add(min(lastDur, maxLinger))
			}
		gather:
			for excl == nil && (s.opts.MaxBatchOps == 0 || len(batch) < s.opts.MaxBatchOps) && size < s.opts.MaxBatchBytes {
				var o2 *op
				var ok bool
				select {
				case o2, ok = <-s.queue:
				default:
					wait := time.Until(until)
					if until.IsZero() || wait <= 0 {
						break gather
					}
					linger.Reset(wait)
					select {
					case o2, ok = <-s.queue:
						// Go 1.23 timers: no stale tick after Stop.
						linger.Stop()
					case <-linger.C:
						break gather
					}
				}
				if !ok {
					open = false
					break gather
				}
				if o2.kind >= opSync {
					excl = o2
					break gather
				}
				batch = append(batch, o2)
				size += o2.size
			}
			if len(batch) > 0 {
				began := time.Now()
				s.commit(batch)
				lastEnd = time.Now()
				lastDur = lastEnd.Sub(began)
			}
			if excl != nil {
				excl.done <- s.exclusive(excl)
			}
			clear(batch)
			if !open {
				s.finalSync()
				return
			}
		case <-syncC:
			if s.dirty {
				_ = s.syncDB()
			}
		case <-cleanC:
			s.purgeExpired(s.opts.CleanupBatch)
		}
	}
}

func (s *Store) finalSync() {
	if s.dirty {
		_ = s.syncDB()
	}
}

func (s *Store) exclusive(o *op) error {
	switch o.kind {
	case opSync:
		return s.syncDB()
	case opCompact:
		return s.compact()
	}
	return fmt.Errorf("persist: unknown op %d", o.kind)
}

func (s *Store) syncDB() error {
	s.dbMu.RLock()
	defer s.dbMu.RUnlock()
	if s.db == nil {
		return ErrClosed
	}
	if err := s.db.Sync(); err != nil {
		return wrapIO("sync", s.path, err)
	}
	s.dirty = false
	s.st.syncs.Add(1)
	return nil
}

// txState is the writer's persistent state as changed by one transaction;
// it is applied to the Store only when the transaction commits.
type txState struct {
	seq                uint64
	count, live        int64
	puts, deletes      uint64
	evicted, expired   uint64
	bytesIn, bytesOut  uint64
	compressed         uint64
	items, order, expb *bolt.Bucket
}

// update runs fn in one write transaction with the writer state, then
// evicts to honour MaxDiskSize and saves the state; on commit it
// publishes the new state.
func (s *Store) update(fn func(st *txState) error) error {
	s.dbMu.RLock()
	defer s.dbMu.RUnlock()
	if s.db == nil {
		return ErrClosed
	}
	st := txState{seq: s.seq, count: s.count.Load(), live: s.live.Load()}
	err := s.db.Update(func(tx *bolt.Tx) error {
		st.items, st.order, st.expb = tx.Bucket(bucketItems), tx.Bucket(bucketOrder), tx.Bucket(bucketExpiry)
		if err := fn(&st); err != nil {
			return err
		}
		if max := s.opts.MaxDiskSize; max > 0 && st.live > max {
			if err := s.evict(&st, max); err != nil {
				return err
			}
		}
		var buf [24]byte
		binary.BigEndian.PutUint64(buf[0:], st.seq)
		binary.BigEndian.PutUint64(buf[8:], uint64(st.count))
		binary.BigEndian.PutUint64(buf[16:], uint64(st.live))
		return tx.Bucket(bucketMeta).Put(keyState, buf[:])
	})
	if err != nil {
		return wrapIO("write", s.path, err)
	}
	s.seq = st.seq
	s.count.Store(st.count)
	s.live.Store(st.live)
	s.st.txs.Add(1)
	s.st.puts.Add(st.puts)
	s.st.deletes.Add(st.deletes)
	s.st.evictions.Add(st.evicted)
	s.st.expired.Add(st.expired)
	s.st.bytesIn.Add(st.bytesIn)
	s.st.bytesStored.Add(st.bytesOut)
	s.st.compressed.Add(st.compressed)
	if s.opts.Durability != DurabilitySync {
		s.dirty = true
	}
	return nil
}

// commit applies a group of puts, deletes and clears in one transaction.
// If the group fails for a reason other than a full disk, each op is
// retried alone, so one bad request cannot fail its neighbours.
func (s *Store) commit(batch []*op) {
	err := s.update(func(st *txState) error {
		for _, o := range batch {
			if err := s.apply(st, o); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil && len(batch) > 1 && !errors.Is(err, ErrDiskFull) && !errors.Is(err, ErrClosed) {
		for _, o := range batch {
			o.done <- s.update(func(st *txState) error { return s.apply(st, o) })
		}
		return
	}
	for _, o := range batch {
		o.done <- err
	}
}

func (s *Store) apply(st *txState, o *op) error {
	switch o.kind {
	case opPut:
		for i := range o.recs {
			r := &o.recs[i]
			k := []byte(r.key)
			if _, err := s.remove(st, k); err != nil {
				return err
			}
			st.seq++
			stampSeq(r.rec, st.seq)
			if err := st.items.Put(k, r.rec); err != nil {
				return fmt.Errorf("key %q: %w", r.key, err)
			}
			if err := st.order.Put(indexKey(st.seq, k), []byte{}); err != nil {
				return err
			}
			if r.expiry != 0 {
				if err := st.expb.Put(indexKey(uint64(r.expiry), k), []byte{}); err != nil {
					return err
				}
			}
			st.count++
			st.live += entrySize(len(k), len(r.rec), r.expiry != 0)
			st.puts++
			st.bytesIn += uint64(r.origLen)
			st.bytesOut += uint64(r.stored)
			if r.compressed {
				st.compressed++
			}
		}
		return nil
	case opDelete:
		st.deletes++
		_, err := s.remove(st, []byte(o.key))
		return err
	case opHotKeys:
		return putHotKeys(st.items.Tx(), o.hot)
	case opClear:
		if err := dropHotKeys(st.items.Tx()); err != nil {
			return err
		}
		for _, b := range [][]byte{bucketItems, bucketOrder, bucketExpiry} {
			tx := st.items.Tx()
			if err := tx.DeleteBucket(b); err != nil {
				return err
			}
			nb, err := tx.CreateBucket(b)
			if err != nil {
				return err
			}
			switch string(b) {
			case string(bucketItems):
				st.items = nb
			case string(bucketOrder):
				st.order = nb
			default:
				st.expb = nb
			}
		}
		st.count, st.live = 0, 0
		return nil
	}
	return fmt.Errorf("persist: unknown op %d", o.kind)
}

// remove deletes key and its index entries; it reports the removed
// record's header (ok false if key was absent).
func (s *Store) remove(st *txState, k []byte) (h header, err error) {
	old := st.items.Get(k)
	if old == nil {
		return h, nil
	}
	h, herr := decodeHeader(old)
	hasExp := false
	if herr == nil {
		if err := st.order.Delete(indexKey(h.seq, k)); err != nil {
			return h, err
		}
		if h.expiry != 0 {
			hasExp = true
			if err := st.expb.Delete(indexKey(uint64(h.expiry), k)); err != nil {
				return h, err
			}
		}
	}
	st.live -= entrySize(len(k), len(old), hasExp)
	if st.live < 0 {
		st.live = 0
	}
	st.count--
	return h, st.items.Delete(k)
}

// evict removes entries until live ≤ max: expired ones first, then the
// least recently written.
func (s *Store) evict(st *txState, max int64) error {
	now := s.now()
	var keys [][]byte
	for st.live > max {
		keys = keys[:0]
		c := st.expb.Cursor()
		for k, _ := c.First(); k != nil && len(keys) < 256; k, _ = c.Next() {
			if int64(binary.BigEndian.Uint64(k)) > now {
				break
			}
			keys = append(keys, append([]byte(nil), k...))
		}
		if len(keys) == 0 {
			break
		}
		for _, ik := range keys {
			if st.live <= max {
				return nil
			}
			n, err := s.dropIndexed(st, st.expb, ik, false)
			if err != nil {
				return err
			}
			st.expired += n
		}
	}
	for st.live > max {
		keys = keys[:0]
		c := st.order.Cursor()
		for k, _ := c.First(); k != nil && len(keys) < 64; k, _ = c.Next() {
			keys = append(keys, append([]byte(nil), k...))
		}
		if len(keys) == 0 {
			return nil // nothing left; accounting drift, nothing to evict
		}
		for _, ik := range keys {
			if st.live <= max {
				return nil
			}
			n, err := s.dropIndexed(st, st.order, ik, true)
			if err != nil {
				return err
			}
			st.evicted += n
		}
	}
	return nil
}

// dropIndexed removes the item an index entry (8-byte number + key)
// points to, if the item still carries that number (seq for the order
// index, expiry for the expiry index); a stale index entry is just
// deleted. It returns 1 if an item was removed.
func (s *Store) dropIndexed(st *txState, idx *bolt.Bucket, ik []byte, bySeq bool) (uint64, error) {
	num, k := binary.BigEndian.Uint64(ik), ik[8:]
	rec := st.items.Get(k)
	if rec != nil {
		h, err := decodeHeader(rec)
		match := err != nil // an unreadable record goes too
		if err == nil {
			if bySeq {
				match = h.seq == num
			} else {
				match = uint64(h.expiry) == num
			}
		}
		if match {
			if _, err := s.remove(st, k); err != nil {
				return 0, err
			}
			return 1, idx.Delete(ik)
		}
	}
	return 0, idx.Delete(ik)
}

// purgeExpired deletes up to limit expired entries in one transaction.
func (s *Store) purgeExpired(limit int) {
	now := s.now()
	due := false
	_ = s.view(func(tx *bolt.Tx) error {
		k, _ := tx.Bucket(bucketExpiry).Cursor().First()
		due = k != nil && int64(binary.BigEndian.Uint64(k)) <= now
		return nil
	})
	if !due {
		return
	}
	_ = s.update(func(st *txState) error {
		var keys [][]byte
		c := st.expb.Cursor()
		for k, _ := c.First(); k != nil && len(keys) < limit; k, _ = c.Next() {
			if int64(binary.BigEndian.Uint64(k)) > now {
				break
			}
			keys = append(keys, append([]byte(nil), k...))
		}
		for _, ik := range keys {
			n, err := s.dropIndexed(st, st.expb, ik, false)
			if err != nil {
				return err
			}
			st.expired += n
		}
		return nil
	})
}

// indexKey is an 8-byte big-endian number followed by the key.
func indexKey(n uint64, k []byte) []byte {
	b := make([]byte, 8+len(k))
	binary.BigEndian.PutUint64(b, n)
	copy(b[8:], k)
	return b
}

// bboltElementOverhead is bbolt's per-element header in a leaf page.
const bboltElementOverhead = 16

// entrySize is what one entry counts against MaxDiskSize: the key and
// record in the items bucket plus its index entries, each with bbolt's
// leaf-element header. Page headers, half-filled pages and free pages are
// not counted; see the package documentation.
func entrySize(keyLen, recLen int, hasExpiry bool) int64 {
	n := int64(keyLen+recLen+bboltElementOverhead) + int64(8+keyLen+bboltElementOverhead)
	if hasExpiry {
		n += int64(8 + keyLen + bboltElementOverhead)
	}
	return n
}

// compact copies the live data into path.compact, then swaps the files.
// Called by the writer goroutine (or by Open before it starts).
func (s *Store) compact() error {
	tmp := s.path + ".compact"
	_ = os.Remove(tmp)
	dst, err := bolt.Open(tmp, 0o640, &bolt.Options{NoSync: true, FreelistType: bolt.FreelistMapType, Timeout: time.Second})
	if err != nil {
		return wrapIO("compact", tmp, err)
	}
	s.dbMu.RLock()
	src := s.db
	s.dbMu.RUnlock()
	if src == nil {
		_ = dst.Close()
		_ = os.Remove(tmp)
		return ErrClosed
	}
	err = bolt.Compact(dst, src, 64<<20)
	if err == nil {
		err = dst.Sync()
	}
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(tmp)
		return wrapIO("compact", tmp, err)
	}
	s.dbMu.Lock()
	defer s.dbMu.Unlock()
	if runtime.GOOS != "windows" {
		// Replace the file while we still hold the old one's lock.
		err = os.Rename(tmp, s.path)
		_ = src.Close()
	} else {
		_ = src.Close()
		err = os.Rename(tmp, s.path)
	}
	s.db = nil
	if err != nil {
		_ = os.Remove(tmp)
		err = wrapIO("compact", s.path, err)
	}
	syncDir(s.dir)
	db, oerr := s.openBolt()
	if oerr != nil {
		return errors.Join(err, oerr)
	}
	s.db = db
	s.dirty = false
	return err
}

// syncDir makes a rename durable on systems where that takes a directory
// fsync; errors are ignored (Windows cannot open a directory for it).
func syncDir(dir string) {
	if runtime.GOOS == "windows" {
		return
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}
