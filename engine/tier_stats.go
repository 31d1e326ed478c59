package engine

import "sync/atomic"

// TierStats are the tiering figures of a [Tiered]. Counters start at 0
// and are zeroed by [Tiered.ResetStats]; the warm-up figures describe
// the latest [Tiered.WarmUp] and are not reset.
type TierStats struct {
	L1Hits     uint64 // reads served by L1 (L1's get_hits)
	L2Hits     uint64 // reads that missed L1 and were served by L2
	Misses     uint64 // reads that missed both tiers
	Promotions uint64 // items copied from L2 into L1 by a read
	// Demotions is always 0: with write-through L2 already holds every
	// item L1 evicts.
	Demotions     uint64
	L2Only        uint64 // writes of large values, stored in L2 alone
	L2Writes      uint64 // puts and deletes L2 accepted
	L2WriteErrors uint64 // puts, deletes and clears L2 failed (returned to the caller)
	L2ReadErrors  uint64 // reads L2 failed (reported as misses)

	WarmUpRunning bool   // a WarmUp is in progress
	WarmUpScanned uint64 // L2 entries the latest WarmUp looked at
	WarmUpLoaded  uint64 // entries it put into L1
	WarmUpSkipped uint64 // entries it left out: large, already in L1, expired or shard full
	// WarmUpHotLoaded is how many of WarmUpLoaded were hot keys saved by
	// the last Close (see [L2HotKeys]).
	WarmUpHotLoaded uint64
}

// TieredStats is the snapshot returned by [Tiered.Stats]: L1's
// statistics, embedded so that its fields read as those of a [Cache],
// and the tiering figures.
type TieredStats struct {
	Stats
	Tier TierStats
}

type tierCounters struct {
	l2Hits, misses, promotions  atomic.Uint64
	l2Only, l2Writes            atomic.Uint64
	l2WriteErrors, l2ReadErrors atomic.Uint64
	warmRunning                 atomic.Bool
	warmScanned, warmLoaded     atomic.Uint64
	warmSkipped, warmHotLoaded  atomic.Uint64
}

// Stats returns L1's statistics and the tiering figures.
func (t *Tiered) Stats() TieredStats {
	st := TieredStats{Stats: t.l1.Stats()}
	k := &t.st
	st.Tier = TierStats{
		L1Hits:          st.GetHits,
		L2Hits:          k.l2Hits.Load(),
		Misses:          k.misses.Load(),
		Promotions:      k.promotions.Load(),
		L2Only:          k.l2Only.Load(),
		L2Writes:        k.l2Writes.Load(),
		L2WriteErrors:   k.l2WriteErrors.Load(),
		L2ReadErrors:    k.l2ReadErrors.Load(),
		WarmUpRunning:   k.warmRunning.Load(),
		WarmUpScanned:   k.warmScanned.Load(),
		WarmUpLoaded:    k.warmLoaded.Load(),
		WarmUpSkipped:   k.warmSkipped.Load(),
		WarmUpHotLoaded: k.warmHotLoaded.Load(),
	}
	return st
}

// ResetStats zeroes L1's counters and the tiering counters.
func (t *Tiered) ResetStats() {
	t.l1.ResetStats()
	k := &t.st
	for _, c := range []*atomic.Uint64{&k.l2Hits, &k.misses, &k.promotions, &k.l2Only, &k.l2Writes, &k.l2WriteErrors, &k.l2ReadErrors} {
		c.Store(0)
	}
}
