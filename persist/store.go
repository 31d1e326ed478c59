package persist

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ratmemcache/ratmemcache/engine"
	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// FormatVersion is the file format this build writes and the newest it
// reads. It is stored in the meta bucket; a file with a newer version is
// refused with [ErrUnknownFormat].
const FormatVersion = 1

var (
	bucketMeta   = []byte("meta")
	bucketItems  = []byte("items")  // key -> record
	bucketOrder  = []byte("order")  // seq(8) key -> "" (write order)
	bucketExpiry = []byte("expiry") // expiry(8) key -> "" (entries with a TTL)
	keyFormat    = []byte("format")
	keyState     = []byte("state") // seq, count, live bytes: 3 x 8 bytes
)

var _ engine.L2 = (*Store)(nil)

// Store is a persistent key-value store of [engine.L2Entry] items in one
// bbolt file. It implements [engine.L2] and is usable on its own.
//
// A Store is safe for concurrent use by multiple goroutines. Its zero
// value is not usable: create one with [Open] and release it with
// [Store.Close].
type Store struct {
	dir   string
	path  string
	opts  Options
	codec *codec

	dbMu sync.RWMutex // protects db (swapped by Compact, cleared by Close)
	db   *bolt.DB

	closeMu sync.RWMutex // protects closed and sends on queue
	closed  bool
	queue   chan *op
	done    chan struct{} // closed when the writer goroutine has exited
	closing atomic.Bool

	// Owned by the writer goroutine; mirrored in atomics for Stats.
	seq   uint64
	dirty bool

	count atomic.Int64
	live  atomic.Int64
	st    counters
}

type counters struct {
	puts, gets, hits, deletes, evictions, expired atomic.Uint64
	txs, syncs, bytesIn, bytesStored, compressed  atomic.Uint64
}

// Open opens (or creates) the store in directory dir, in the file
// [Options.FileName]. It creates dir unless [Options.MustExist] is set.
// Errors name the path and wrap one of [ErrDirMissing], [ErrNotDir],
// [ErrReadOnly], [ErrLocked], [ErrDiskFull], [ErrUnknownFormat],
// [ErrCorrupt] or [ErrInvalidOptions].
func Open(dir string, opts Options) (*Store, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	o := opts.withDefaults()
	if dir == "" {
		return nil, fmt.Errorf("%w: empty data directory", ErrInvalidOptions)
	}
	if err := prepareDir(dir, o.MustExist); err != nil {
		return nil, err
	}
	s := &Store{dir: dir, path: filepath.Join(dir, o.FileName), opts: o, codec: newCodec(&o)}
	db, err := s.openBolt()
	if err != nil {
		return nil, err
	}
	s.db = db
	// A compaction that died half-way leaves this behind; we hold the lock.
	_ = os.Remove(s.path + ".compact")
	if err := s.initFile(); err != nil {
		_ = db.Close()
		return nil, err
	}
	if o.ClearOnStartup || o.CompactOnOpen {
		if err := s.compact(); err != nil {
			s.closeDB()
			return nil, err
		}
	}
	if err := s.loadState(); err != nil {
		s.closeDB()
		return nil, err
	}
	s.queue = make(chan *op, o.QueueSize)
	s.done = make(chan struct{})
	go s.run()
	return s, nil
}

// prepareDir checks that dir exists (creating it if allowed) and is
// writable, so that the error names the real problem.
func prepareDir(dir string, mustExist bool) error {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if mustExist {
			return &Error{Op: "open", Path: dir, Kind: ErrDirMissing,
				Hint: "create it, or let Open create it (Options.MustExist=false)"}
		}
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return wrapIO("create data directory", dir, err)
		}
	case err != nil:
		return wrapIO("open", dir, err)
	case !fi.IsDir():
		return &Error{Op: "open", Path: dir, Kind: ErrNotDir}
	}
	f, err := os.CreateTemp(dir, ".ratmemcache-probe-*")
	if err != nil {
		if isReadOnly(err) {
			return &Error{Op: "open", Path: dir, Kind: ErrReadOnly, Err: err,
				Hint: "the user running the cache needs write permission on it, on a read-write file system"}
		}
		return wrapIO("open", dir, err)
	}
	name := f.Name()
	_ = f.Close()
	_ = os.Remove(name)
	return nil
}

func (s *Store) openBolt() (*bolt.DB, error) {
	timeout := s.opts.LockTimeout
	if timeout < 0 {
		timeout = time.Nanosecond // one try
	}
	db, err := bolt.Open(s.path, 0o640, &bolt.Options{
		Timeout:      timeout,
		NoSync:       s.opts.Durability != DurabilitySync,
		FreelistType: bolt.FreelistMapType,
	})
	if err == nil {
		return db, nil
	}
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		wait := s.opts.LockTimeout
		if wait < 0 {
			wait = 0
		}
		return nil, &Error{Op: "open", Path: s.path, Kind: ErrLocked, Err: err,
			Hint: fmt.Sprintf("gave up after %v; stop the other ratmemcached using this data directory, or give this one its own", wait)}
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrVersionMismatch),
		errors.Is(err, berrors.ErrChecksum):
		return nil, &Error{Op: "open", Path: s.path, Kind: ErrCorrupt, Err: err,
			Hint: "not a RatMemCache database file; move it away or choose another data directory"}
	}
	return nil, wrapIO("open", s.path, err)
}

// initFile checks the format version of an existing file, or initialises
// a new one; with ClearOnStartup it empties the file whatever it holds.
func (s *Store) initFile() error {
	var version uint64
	var foreign bool
	err := s.db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if meta == nil {
			return tx.ForEach(func([]byte, *bolt.Bucket) error { foreign = true; return nil })
		}
		v := meta.Get(keyFormat)
		var n int
		version, n = binary.Uvarint(v)
		if n <= 0 || version == 0 {
			return &Error{Op: "open", Path: s.path, Kind: ErrCorrupt,
				Err: errors.New("format version missing or unreadable")}
		}
		return nil
	})
	if err != nil && !s.opts.ClearOnStartup {
		return err
	}
	switch {
	case s.opts.ClearOnStartup:
	case foreign:
		return &Error{Op: "open", Path: s.path, Kind: ErrCorrupt,
			Err:  errors.New("a bbolt file without RatMemCache's meta bucket"),
			Hint: "move it away or choose another data directory"}
	case version > FormatVersion:
		return &Error{Op: "open", Path: s.path, Kind: ErrUnknownFormat,
			Err:  fmt.Errorf("file has format version %d, this build reads 1 to %d", version, FormatVersion),
			Hint: "use a newer RatMemCache, or set clear_on_startup to discard the file's contents"}
	case version != 0:
		return nil // a file we can read
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		var names [][]byte
		_ = tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
			names = append(names, append([]byte(nil), name...))
			return nil
		})
		for _, n := range names {
			if err := tx.DeleteBucket(n); err != nil {
				return err
			}
		}
		meta, err := tx.CreateBucket(bucketMeta)
		if err != nil {
			return err
		}
		if err := meta.Put(keyFormat, binary.AppendUvarint(nil, FormatVersion)); err != nil {
			return err
		}
		if err := meta.Put(keyState, make([]byte, 24)); err != nil {
			return err
		}
		for _, b := range [][]byte{bucketItems, bucketOrder, bucketExpiry} {
			if _, err := tx.CreateBucket(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		err = s.db.Sync()
	}
	return wrapIO("initialise", s.path, err)
}

func (s *Store) loadState() error {
	return s.db.View(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketItems, bucketOrder, bucketExpiry} {
			if tx.Bucket(b) == nil {
				return &Error{Op: "open", Path: s.path, Kind: ErrCorrupt,
					Err: fmt.Errorf("bucket %q missing", b)}
			}
		}
		st := tx.Bucket(bucketMeta).Get(keyState)
		if len(st) != 24 {
			return &Error{Op: "open", Path: s.path, Kind: ErrCorrupt, Err: errors.New("state record unreadable")}
		}
		s.seq = binary.BigEndian.Uint64(st[0:])
		s.count.Store(int64(binary.BigEndian.Uint64(st[8:])))
		s.live.Store(int64(binary.BigEndian.Uint64(st[16:])))
		return nil
	})
}

func (s *Store) closeDB() {
	s.dbMu.Lock()
	if s.db != nil {
		_ = s.db.Close()
		s.db = nil
	}
	s.dbMu.Unlock()
}

// Path returns the database file's path.
func (s *Store) Path() string { return s.path }

// Options returns the options in force, defaults filled in.
func (s *Store) Options() Options { return s.opts }

func (s *Store) now() int64 { return s.opts.Now().Unix() }

// expired follows memcached: an item whose expiry second has come is gone.
func expired(exp, now int64) bool { return exp != 0 && exp <= now }

// view runs fn in a read transaction of the current file.
func (s *Store) view(fn func(tx *bolt.Tx) error) error {
	if s.closing.Load() {
		return ErrClosed
	}
	s.dbMu.RLock()
	defer s.dbMu.RUnlock()
	if s.db == nil {
		return ErrClosed
	}
	return s.db.View(fn)
}

// Get returns the entry of key; ok is false if it is absent or expired.
// The returned Value is a fresh copy owned by the caller. Gets run in
// concurrent read transactions and do not wait for the writer.
func (s *Store) Get(key string) (e engine.L2Entry, ok bool, err error) {
	s.st.gets.Add(1)
	if len(key) == 0 || len(key) > MaxKeySize {
		return e, false, nil
	}
	now := s.now()
	err = s.view(func(tx *bolt.Tx) error {
		rec := tx.Bucket(bucketItems).Get([]byte(key))
		if rec == nil {
			return nil
		}
		h, v, err := decodeRecord(rec)
		if err != nil {
			return recordContext("get", s.path, key, err)
		}
		if expired(h.expiry, now) {
			return nil
		}
		e = engine.L2Entry{Key: key, Value: v, Flags: h.flags, Expiry: h.expiry, CAS: h.cas}
		ok = true
		return nil
	})
	if ok {
		s.st.hits.Add(1)
	}
	return e, ok, err
}

// recordContext adds the operation, file and key to a record error.
func recordContext(op, path, key string, err error) error {
	var re *Error
	if !errors.As(err, &re) {
		return err
	}
	return &Error{Op: op, Path: path, Kind: re.Kind, Err: fmt.Errorf("key %q: %w", key, re.Err)}
}

// rangeChunk is how many entries Range copies out per read transaction.
// fn is never called inside a transaction, so it may use the Store.
const rangeChunk = 256

// Range calls fn for each live entry in key order until fn returns false.
// The entry's Value is valid only during the call. Entries are read in
// chunks, each in its own read transaction, so a Range running alongside
// writes sees each key at most once, in a state it had at some point
// during the Range. A record that cannot be decoded stops the Range with
// an error naming its key.
func (s *Store) Range(fn func(e engine.L2Entry) bool) error {
	var after []byte
	buf := make([]engine.L2Entry, 0, rangeChunk)
	for {
		buf = buf[:0]
		now := s.now()
		more := false
		err := s.view(func(tx *bolt.Tx) error {
			c := tx.Bucket(bucketItems).Cursor()
			var k, rec []byte
			if after == nil {
				k, rec = c.First()
			} else {
				k, rec = c.Seek(after)
				if k != nil && bytes.Equal(k, after) {
					k, rec = c.Next()
				}
			}
			for ; k != nil; k, rec = c.Next() {
				if len(buf) == rangeChunk {
					more = true
					break
				}
				h, v, err := decodeRecord(rec)
				if err != nil {
					return recordContext("range", s.path, string(k), err)
				}
				after = append(after[:0], k...)
				if expired(h.expiry, now) {
					continue
				}
				buf = append(buf, engine.L2Entry{Key: string(k), Value: v, Flags: h.flags, Expiry: h.expiry, CAS: h.cas})
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, e := range buf {
			if !fn(e) {
				return nil
			}
		}
		if !more {
			return nil
		}
	}
}

func validKey(key string) error {
	if len(key) == 0 || len(key) > MaxKeySize {
		return fmt.Errorf("%w: length %d (want 1 to %d)", ErrInvalidKey, len(key), MaxKeySize)
	}
	return nil
}

// PutBatch stores entries, replacing existing ones with the same key, in
// one transaction (possibly shared with other callers: group commit). It
// returns once the batch is committed: a following Get sees it. In
// [DurabilitySync] mode it is also fsynced; in the other modes see
// [Durability]. Values are compressed and copied before PutBatch returns;
// the entries' slices are not retained.
//
// If the write queue is full, PutBatch waits up to
// [Options.EnqueueTimeout] and then fails with [ErrQueueFull], storing
// nothing. Invalid keys and entries larger than [Options.MaxDiskSize]
// fail the whole batch before anything is queued. If the commit fails (for
// example [ErrDiskFull]) nothing of the batch is stored.
func (s *Store) PutBatch(entries []engine.L2Entry) error {
	if len(entries) == 0 {
		return nil
	}
	o := &op{kind: opPut, recs: make([]encoded, len(entries))}
	for i := range entries {
		e := &entries[i]
		if err := validKey(e.Key); err != nil {
			return err
		}
		if len(e.Value) > MaxValueSize {
			return fmt.Errorf("%w: key %q: value of %d bytes (max %d)", ErrTooLarge, e.Key, len(e.Value), MaxValueSize)
		}
		r := s.codec.encode(e.Key, e.Value, e.Flags, e.Expiry, e.CAS)
		if max := s.opts.MaxDiskSize; max > 0 && entrySize(len(r.key), len(r.rec), r.expiry != 0) > max {
			return fmt.Errorf("%w: key %q: %d bytes stored exceed max_disk_size %d", ErrTooLarge, e.Key,
				entrySize(len(r.key), len(r.rec), r.expiry != 0), max)
		}
		o.size += len(r.rec) + len(r.key)
		o.recs[i] = r
	}
	return s.do(o)
}

// Put stores one entry; see [Store.PutBatch].
func (s *Store) Put(e engine.L2Entry) error { return s.PutBatch([]engine.L2Entry{e}) }

// Delete removes key; deleting an absent key is not an error. It returns
// once the deletion is committed.
func (s *Store) Delete(key string) error {
	if err := validKey(key); err != nil {
		return err
	}
	return s.do(&op{kind: opDelete, key: key, size: len(key)})
}

// Clear removes every entry. The file keeps its size; [Store.Compact]
// gives the space back.
func (s *Store) Clear() error { return s.do(&op{kind: opClear}) }

// Sync waits for every write queued before it and fsyncs the file.
func (s *Store) Sync() error { return s.do(&op{kind: opSync}) }

// Compact rewrites the file into a new one holding only live pages and
// replaces the old file with it (bbolt files never shrink by
// themselves). Writes wait while it runs; Gets continue on the old file
// until the switch. It needs free disk space for the new file.
func (s *Store) Compact() error { return s.do(&op{kind: opCompact}) }

// Close flushes every queued write, fsyncs, stops the background cleaner
// and the writer, and closes the file. It is idempotent; calls after the
// first return nil. Other methods then return [ErrClosed].
func (s *Store) Close() error {
	s.closeMu.Lock()
	if s.closed {
		s.closeMu.Unlock()
		return nil
	}
	s.closed = true
	close(s.queue)
	s.closeMu.Unlock()
	<-s.done
	s.closing.Store(true)
	s.dbMu.Lock()
	defer s.dbMu.Unlock()
	if s.db == nil {
		return nil
	}
	err := s.db.Close()
	s.db = nil
	return wrapIO("close", s.path, err)
}

// Stats is a snapshot of a Store's counters. Counters count since Open;
// Items and LiveBytes are persistent.
type Stats struct {
	Puts      uint64 // entries written
	Gets      uint64 // Get calls
	Hits      uint64 // Gets that found a live entry
	Deletes   uint64 // Delete calls committed
	Evictions uint64 // entries removed to honour MaxDiskSize
	Expired   uint64 // expired entries purged (cleaner or eviction)

	Items     int64 // entries stored, including expired ones not yet purged
	LiveBytes int64 // accounted size of the stored data, compared with MaxDiskSize
	FileBytes int64 // size of the database file (bytes on disk)

	QueueDepth   int    // writes waiting for the writer
	Transactions uint64 // write transactions committed
	Syncs        uint64 // explicit fsyncs (interval mode, Sync, Close); sync-mode commits not counted

	BytesIn          uint64  // value bytes given to PutBatch
	BytesStored      uint64  // the same values' bytes as stored (after LZ4)
	Compressed       uint64  // values stored compressed
	CompressionRatio float64 // BytesIn / BytesStored; 1 when nothing was written
}

// Stats returns a snapshot of the counters.
func (s *Store) Stats() Stats {
	st := Stats{
		Puts: s.st.puts.Load(), Gets: s.st.gets.Load(), Hits: s.st.hits.Load(),
		Deletes: s.st.deletes.Load(), Evictions: s.st.evictions.Load(), Expired: s.st.expired.Load(),
		Items: s.count.Load(), LiveBytes: s.live.Load(),
		QueueDepth: len(s.queue), Transactions: s.st.txs.Load(), Syncs: s.st.syncs.Load(),
		BytesIn: s.st.bytesIn.Load(), BytesStored: s.st.bytesStored.Load(), Compressed: s.st.compressed.Load(),
		CompressionRatio: 1,
	}
	if st.BytesStored > 0 {
		st.CompressionRatio = float64(st.BytesIn) / float64(st.BytesStored)
	}
	if fi, err := os.Stat(s.path); err == nil {
		st.FileBytes = fi.Size()
	}
	return st
}
