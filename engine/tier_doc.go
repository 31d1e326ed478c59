package engine

import (
	"sync"
	"sync/atomic"
)

// Tiered is a [Cache] (L1, in memory) in front of an [L2] store (larger,
// usually persistent), offering the operations of Cache with the same
// memcached semantics over both tiers. It is safe for concurrent use.
// Create one with [NewTiered]; the zero value is not usable. The Tiered
// owns both tiers: use them only through it, and [Tiered.Close] closes
// both.
//
// # Writes
//
// Every write reaches L2 (write-through): once the L1 operation has
// succeeded, the resulting item (value, flags, absolute expiry, CAS
// unique) is put to L2, and the call returns only after L2 accepted it;
// L2's own durability mode decides when that is on disk. If L2 fails, the
// error is returned as an [*L2Error] and the key is removed from L1, so
// L1 never holds a version L2 does not: later reads see the last version
// L2 accepted. Deletes and [Tiered.FlushAll] reach both tiers.
//
// The writers of one key are serialised by a striped mutex that is held
// across the L1 operation and its L2 write, so two writers cannot apply
// their L1 and L2 writes in different orders. Read-modify-write
// operations (Add, Replace, CompareAndSwap, Append, Prepend, Incr, Decr,
// Touch, GetAndTouch, DeleteCAS, Meta) on a key held only in L2 take its
// current version from L2 and apply to it, promoting it into L1 when it
// fits there. CAS uniques stay those L1 assigned, across tiers and
// restarts: an item promoted from L2 keeps its unique, the L1 counter is
// raised above every unique it restores, and [NewTiered] raises it to at
// least the current Unix time in nanoseconds, so uniques assigned after a
// restart are larger than any assigned before (unless the clock went
// back).
//
// # Reads
//
// A read tries L1 first. On a miss it reads L2 under the key's stripe
// lock and promotes the item into L1 with its CAS unique and expiry; an
// L2 error on a read counts in [TierStats].L2ReadErrors and is a miss.
// Items L1 evicts stay in L2, so the capacity is that of L1 plus L2.
// Since L1 holds only versions L2 has, and writers hold the stripe lock
// until both tiers have the new version, a read never returns a version
// older than the last acknowledged write.
//
// # Meta commands
//
// [Tiered.Meta] serves memcached's meta commands like [Cache.Meta]; the
// meta marks (stale, recache token, fetched, binary key, last access) are
// kept in L1 only and start clear for an item read back from L2.
//
// # Large values
//
// A value longer than [TierOptions].LargeValueThreshold, or one L1 could
// not hold at all, is stored only in L2 (removed from L1 if an older
// version was there) and is never promoted; reading it always reads L2.
// TierOptions.MaxValueSize bounds values over both tiers.
//
// # Flush
//
// FlushAll without a delay flushes L1 and clears L2 with every writer
// excluded. FlushAll with a delay sets L1's delayed cut and records the
// second it takes effect; L2 is cleared by the first operation in that
// second or later, before it reads or writes anything, and a write in
// that second is deleted from L2, as L1 flushes it on arrival (memcached
// semantics). Under concurrency, an operation that read the clock just
// before that second and stores just after may lose its item from L2 (it
// stays in L1 until evicted). A delayed flush that has taken effect is
// applied to L2 by Close; one still pending is forgotten, as memcached
// forgets it on restart. If clearing L2 fails, the error is returned,
// reads treat L2 as empty and writes fail until a later operation
// clears it.
//
// # Warm start
//
// [Tiered.WarmUp] fills L1 from L2 in L2's Range order while the Tiered
// serves, until every L1 shard would have to evict, and never replaces
// an item already in L1. L2 keeps no access order, so "hottest first" is
// up to the L2's Range order. Its progress is in [TierStats].
//
// # Statistics
//
// [Tiered.Stats] returns L1's [Stats] (the counters of the operations L1
// saw: a read served by L2 counts there as a miss) and [TierStats]: hits
// per tier, misses, promotions, L2 writes and errors, warm-up progress.
//
// # Not provided
//
// Demotion on eviction is not needed with write-through (L2 already has
// every item L1 holds); [TierStats].Demotions stays 0. Len counts L1's
// items: the L2 port has no count.
type Tiered struct {
	l1   *Cache
	l2   L2
	opts TierOptions
	seed uint64

	// stripes serialise the writers of one key with their L2 write.
	// FlushAll and Close lock them all, in order.
	stripes [tierStripes]sync.Mutex
	// lastWrite[i] is the write sequence number of the latest write
	// (store, delete, flush) completed under stripes[i]; WarmUp uses it
	// to tell whether an entry it read may be stale.
	lastWrite [tierStripes]atomic.Uint64
	seq       atomic.Uint64
	// flushLive is the oldestLive second of a delayed FlushAll whose L2
	// clear is pending (due once flushLive <= now), or 0.
	flushLive atomic.Int64

	st tierCounters

	mu     sync.Mutex // protects warm.Add against Close
	closed atomic.Bool
	warm   sync.WaitGroup
}
