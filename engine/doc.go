// Package engine is an embeddable in-memory cache with memcached 1.6
// semantics and a hard memory limit. It is the store behind the
// ratmemcached server and can be used alone as an in-process cache.
//
// # Basics
//
// Create a [Cache] with [New]; a nil or zero [Config] gives the defaults
// (64 MiB, LRU eviction, 1 MiB items), and [Preset] returns tuned
// configurations. Every method is safe for concurrent use.
//
//	c, err := engine.New(&engine.Config{MaxMemory: 256 << 20})
//	...
//	defer c.Close()
//	c.Set("greeting", []byte("hello"), 0, 60) // flags 0, expires in 60 s
//	v, flags, err := c.Get("greeting")
//
// The operations are memcached's: [Cache.Set], [Cache.Add],
// [Cache.Replace], [Cache.Append], [Cache.Prepend],
// [Cache.CompareAndSwap], [Cache.Get], [Cache.Gets], [Cache.GetInto],
// [Cache.Delete], [Cache.Incr], [Cache.Decr], [Cache.Touch],
// [Cache.GetAndTouch] and [Cache.FlushAll], plus batch forms,
// [Cache.Contains], [Cache.Keys], [Cache.Len] and [Cache.Stats]. Failures
// are reported with the sentinel errors of errors.go ([ErrNotFound],
// [ErrNotStored], [ErrExists], [ErrTooLarge], [ErrNotNumeric], ...), to be
// compared with [errors.Is].
//
// # Expiry
//
// An exptime is converted by [Expiry] exactly as memcached does it (0
// never, up to 30 days relative, larger an absolute Unix time, negative
// already expired), then bounded by Config.DefaultTTL and Config.MaxTTL.
// Expired items are removed lazily when touched and by a background
// cleaner that looks at a bounded number of items per shard every
// Config.CleanupInterval. Time comes from Config.Clock, so tests can use a
// fake clock instead of sleeping.
//
// # Memory
//
// The cache is split into shards by key hash, each with its own lock.
// A shard keeps items in a slab arena: 1 MiB pages (smaller for small
// shards) cut into chunks of size classes growing by 1.25, as memcached
// does, and its own buffer for an item larger than half a page. Each item
// is a 28-byte header (CAS, expiry, store time, flags, lengths)
// followed by key and value. The index from key hash to item is an
// open-addressed table of integers, and the eviction policies keep their
// lists in integer slices: the heap holds a few large pointer-free
// objects per shard, which the garbage collector never scans.
//
// Config.MaxMemory is a hard limit on the accounted bytes of each shard
// (MaxMemory/Shards): the arena's pages and large buffers plus a fixed
// overhead per item for the index, slot table and policy. A store evicts
// items chosen by the configured [Policy] until the new item fits, and
// moves the live chunks of a sparse page of one size class into free
// chunks of that class to hand the page to another class, so memory is
// not stranded in one class (memcached's slab calcification).
//
// # Differences from memcached
//
// A flush_all with a delay does not bring back items an earlier flush_all
// already invalidated. Decrementing a counter to a shorter number pads it
// with spaces to its old length, as memcached does.
package engine
