// Package persist is RatMemCache's second tier (L2): a durable key-value
// store of cache items in one bbolt file, with LZ4 compression, group
// commit, a disk-size cap and an expiry cleaner. It implements the
// [engine.L2] port and is usable on its own as a persistent store.
//
// # Basics
//
//	s, err := persist.Open("/var/lib/ratmemcache", persist.Options{Durability: persist.DurabilitySync})
//	if err != nil { … }            // errors name the path and the cause
//	defer s.Close()                // flushes, fsyncs, stops the goroutines
//	err = s.PutBatch([]engine.L2Entry{{Key: "k", Value: v, Flags: 0, Expiry: 0, CAS: 1}})
//	e, ok, err := s.Get("k")       // e.Value is a fresh copy
//
// A [Store] is safe for concurrent use. Open creates the data directory
// unless [Options.MustExist] is set; the file is [DefaultFileName] in it.
//
// # Writes: group commit and durability
//
// PutBatch, Delete and Clear are queued to one writer goroutine, which
// gathers everything waiting (up to [Options.MaxBatchBytes]) into one
// bbolt transaction. Each call returns once its transaction has
// committed, so a following Get sees it. [Options.Durability] decides when
// it is also on stable storage:
//
//   - sync: the commit is fsynced before the call returns; concurrent
//     writers share one fsync.
//   - interval (default): bbolt runs with NoSync and the writer fsyncs
//     every [Options.SyncInterval] (default 1 s) if anything was written.
//     A process crash (kill -9) loses nothing acknowledged, because
//     committed pages are in the OS page cache; an OS crash or power loss
//     loses at most the writes acknowledged in the last SyncInterval plus
//     the duration of one batch.
//   - none: as interval without the periodic fsync; only [Store.Sync],
//     [Store.Compact] and [Store.Close] fsync.
//
// Backpressure: the queue holds [Options.QueueSize] calls. When it is
// full a write waits up to [Options.EnqueueTimeout] (default 5 s) and then
// fails with [ErrQueueFull] having stored nothing. No write is ever
// dropped silently, in any mode.
//
// # Reads
//
// Get and Range run in bbolt read transactions, concurrently with each
// other and with the writer, and copy (or decompress) values out before
// the transaction ends. Range reads 256 entries per transaction and calls
// its function outside any transaction, so the function may use the Store.
//
// # Record format
//
// Each item is one record in the "items" bucket: a format-version byte,
// a flags byte (LZ4 marker), a write sequence number, then varints for the
// client flags, expiry, CAS and original length, then the value. The
// "meta" bucket holds the file format version ([FormatVersion]). A file
// or record of a newer version is refused with [ErrUnknownFormat]: the
// store never presents an unreadable file as an empty cache.
// Values of at least [Options.CompressionThreshold] bytes are compressed
// with LZ4 (level [Options.CompressionLevel]) and kept compressed only if
// that is smaller.
//
// # Disk size, expiry and compaction
//
// [Options.MaxDiskSize] caps [Stats.LiveBytes]: the keys and records plus
// their index entries and bbolt's per-element headers. When a write goes
// over it, the same transaction evicts expired entries first, then the
// least recently written. The file itself is larger than LiveBytes (page
// headers, partly filled pages, free pages) and bbolt files never shrink:
// deleted space is reused but not returned. [Store.Compact] (or
// [Options.CompactOnOpen]) copies the live data into a new file and
// replaces the old one; it needs free space for the copy. A background
// cleaner purges up to [Options.CleanupBatch] expired records every
// [Options.CleanupInterval]; Get never returns an expired entry anyway.
// [Options.ClearOnStartup] empties the store at Open and compacts it.
//
// # Errors
//
// Open and the write methods return an [*Error] that unwraps to a
// sentinel ([ErrDirMissing], [ErrNotDir], [ErrReadOnly], [ErrLocked],
// [ErrDiskFull], [ErrUnknownFormat], [ErrCorrupt], [ErrQueueFull]) and to
// the OS error, and whose message names the file and what to do. A second
// Store on the same directory (another process, or the same one) fails
// with [ErrLocked] after [Options.LockTimeout].
//
// # Windows
//
// bbolt works on Windows, but there it grows the file to its memory-map
// size at once: the map doubles from 32 KiB up to 1 GiB and then grows by
// 1 GiB, so a small store can occupy far more disk than its data, and
// [Stats.FileBytes] shows that size. Compaction on Windows closes the old
// file before the rename (an open file cannot be replaced there), so the
// file lock is released for a moment during the switch.
//
// # Caveats
//
// Keys are at most [MaxKeySize] bytes and values at most [MaxValueSize].
// Everything a transaction writes goes through the single writer, so
// write throughput is bounded by one core plus the disk; reads scale.
package persist
