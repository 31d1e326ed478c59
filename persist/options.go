package persist

import (
	"fmt"
	"time"
)

// Durability says when an acknowledged write is on stable storage.
type Durability uint8

const (
	// DurabilityInterval (the zero value, the default): PutBatch returns
	// once the write is committed (visible to Get and Range, and safe if
	// the process dies), and the file is fsynced at least every
	// [Options.SyncInterval], so an operating-system crash or power loss
	// loses at most the writes of the last SyncInterval plus the time of
	// one batch.
	DurabilityInterval Durability = iota
	// DurabilitySync: PutBatch returns only after the write is fsynced.
	// Group commit shares one fsync among all writers waiting at the time.
	DurabilitySync
	// DurabilityNone: PutBatch returns once the write is committed; the
	// file is fsynced only by [Store.Sync], [Store.Compact] and
	// [Store.Close]. A process crash loses nothing that was acknowledged;
	// an operating-system crash may lose anything since the last sync.
	DurabilityNone
)

// String returns the config spelling: "interval", "sync" or "none".
func (d Durability) String() string {
	switch d {
	case DurabilityInterval:
		return "interval"
	case DurabilitySync:
		return "sync"
	case DurabilityNone:
		return "none"
	}
	return fmt.Sprintf("Durability(%d)", uint8(d))
}

// ParseDurability reads the config spelling of a durability mode
// ("sync", "interval" or "none"; "" means the default, interval).
func ParseDurability(s string) (Durability, error) {
	switch s {
	case "", "interval":
		return DurabilityInterval, nil
	case "sync":
		return DurabilitySync, nil
	case "none":
		return DurabilityNone, nil
	}
	return 0, fmt.Errorf("%w: durability %q: want sync, interval or none", ErrInvalidOptions, s)
}

// Defaults used for zero fields of [Options].
const (
	DefaultFileName             = "ratmemcache.db"
	DefaultSyncInterval         = time.Second
	DefaultCompressionThreshold = 1024
	DefaultQueueSize            = 1024
	DefaultMaxBatchBytes        = 8 << 20
	DefaultEnqueueTimeout       = 5 * time.Second
	DefaultLockTimeout          = time.Second
	DefaultCleanupInterval      = time.Minute
	DefaultCleanupBatch         = 10000
)

// Options configures a [Store]. The zero value is usable: every zero field
// means the documented default. Open never modifies the caller's Options.
type Options struct {
	// FileName is the database file inside the data directory;
	// "" means [DefaultFileName].
	FileName string
	// MustExist makes Open fail with [ErrDirMissing] when the data
	// directory does not exist. By default Open creates it (and its
	// parents) with mode 0750.
	MustExist bool
	// LockTimeout is how long Open waits for another process to release
	// the file lock before failing with [ErrLocked]; 0 means
	// [DefaultLockTimeout], negative means try once.
	LockTimeout time.Duration

	// Durability is the durability mode ([l2] durability).
	Durability Durability
	// SyncInterval bounds how long an acknowledged write stays unsynced in
	// [DurabilityInterval] mode; 0 means [DefaultSyncInterval].
	SyncInterval time.Duration

	// QueueSize is the number of PutBatch/Delete calls that may wait for
	// the writer; 0 means [DefaultQueueSize].
	QueueSize int
	// MaxBatchBytes caps the encoded bytes the writer gathers into one
	// transaction ([l2] write_buffer_size); 0 means [DefaultMaxBatchBytes].
	// A single larger call still goes in one transaction of its own.
	MaxBatchBytes int
	// MaxBatchOps caps the number of queued calls gathered into one
	// transaction; 0 means no cap (only MaxBatchBytes). 1 disables group
	// commit (one transaction per call), for comparison.
	MaxBatchOps int
	// EnqueueTimeout is how long a write waits for room when the queue is
	// full before it fails with [ErrQueueFull]; 0 means
	// [DefaultEnqueueTimeout], negative means fail at once. A write is
	// never dropped silently.
	EnqueueTimeout time.Duration

	// DisableCompression turns LZ4 off ([l2] enable_compression = false
	// or [compression] enable_lz4 = false).
	DisableCompression bool
	// CompressionThreshold is the smallest value that is compressed
	// ([compression] compression_threshold); 0 means
	// [DefaultCompressionThreshold].
	CompressionThreshold int
	// CompressionLevel is the LZ4 level ([compression] compression_level):
	// 0 is LZ4's fast compressor, 1–9 the high-compression one at that
	// depth (slower writes, same read speed).
	CompressionLevel int

	// MaxDiskSize caps the accounted size of the stored data in bytes
	// ([l2] max_disk_size); 0 means no cap. When a write would exceed it
	// the store evicts expired entries first, then the least recently
	// written ones. See [Stats.LiveBytes] for what is counted.
	MaxDiskSize int64
	// CleanupInterval is how often the background cleaner purges expired
	// records; 0 means [DefaultCleanupInterval], negative disables it.
	CleanupInterval time.Duration
	// CleanupBatch bounds the records purged per cleaner tick; 0 means
	// [DefaultCleanupBatch].
	CleanupBatch int
	// ClearOnStartup empties the store at Open ([l2] clear_on_startup),
	// whatever format version the file had, and reclaims its space.
	ClearOnStartup bool
	// CompactOnOpen rewrites the file at Open to reclaim free pages.
	CompactOnOpen bool

	// Now is the clock used for expiry; nil means time.Now.
	Now func() time.Time
}

func (o *Options) validate() error {
	bad := func(field, why string) error {
		return fmt.Errorf("%w: %s: %s", ErrInvalidOptions, field, why)
	}
	switch {
	case o.Durability > DurabilityNone:
		return bad("Durability", o.Durability.String())
	case o.SyncInterval < 0:
		return bad("SyncInterval", "negative")
	case o.QueueSize < 0:
		return bad("QueueSize", "negative")
	case o.MaxBatchBytes < 0:
		return bad("MaxBatchBytes", "negative")
	case o.MaxBatchOps < 0:
		return bad("MaxBatchOps", "negative")
	case o.CompressionThreshold < 0:
		return bad("CompressionThreshold", "negative")
	case o.CompressionLevel < 0 || o.CompressionLevel > 9:
		return bad("CompressionLevel", fmt.Sprintf("%d is not in 0..9", o.CompressionLevel))
	case o.MaxDiskSize < 0:
		return bad("MaxDiskSize", "negative")
	case o.CleanupBatch < 0:
		return bad("CleanupBatch", "negative")
	}
	return nil
}

// withDefaults returns a copy with every zero field replaced by its default.
func (o Options) withDefaults() Options {
	if o.FileName == "" {
		o.FileName = DefaultFileName
	}
	if o.LockTimeout == 0 {
		o.LockTimeout = DefaultLockTimeout
	}
	if o.SyncInterval == 0 {
		o.SyncInterval = DefaultSyncInterval
	}
	if o.QueueSize == 0 {
		o.QueueSize = DefaultQueueSize
	}
	if o.MaxBatchBytes == 0 {
		o.MaxBatchBytes = DefaultMaxBatchBytes
	}
	if o.EnqueueTimeout == 0 {
		o.EnqueueTimeout = DefaultEnqueueTimeout
	}
	if o.CompressionThreshold == 0 {
		o.CompressionThreshold = DefaultCompressionThreshold
	}
	if o.CleanupInterval == 0 {
		o.CleanupInterval = DefaultCleanupInterval
	}
	if o.CleanupBatch == 0 {
		o.CleanupBatch = DefaultCleanupBatch
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}
