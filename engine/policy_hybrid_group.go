package engine

import (
	"sync"
	"sync/atomic"
)

// hybridGroup is the shared evidence of the hybrid policies of one
// cache's shards. Keys are spread over the shards by hash, so every shard
// sees the same workload and one decision serves them all: each shard's
// miniatures need only a share of the sample (miniEntries), which keeps
// the ensemble's memory bounded by the cache rather than growing with the
// number of shards, and the evidence of all of them together is as strong
// as that of one policy with full-size miniatures. A shard reports its
// miniatures' hits at the end of each of its periods (rarely: the group's
// lock is not on the per-request path); the leader is read atomically.
type hybridGroup struct {
	miniEntries uint64 // target size of each shard's miniatures
	shards      int
	leader      atomic.Int32

	mu    sync.Mutex // protects the fields below
	cur   int
	ev    hybridEvidence
	h, ex [hybridN]float64 // hits and exclusive hits since the last decision
	reqs  uint64           // requests since the last decision, all shards
	sreqs float64          // the same, in sampled requests
}

const (
	// hybridGroupMiniEntries is the sample the shards of a group share:
	// each shard's miniatures target hybridGroupMiniEntries/shards
	// entries, and at least hybridShardMiniEntries.
	hybridGroupMiniEntries = hybridMiniEntries
	hybridShardMiniEntries = 512
)

// newHybridGroup returns the group of a cache's shards hybrid policies.
func newHybridGroup(shards int) *hybridGroup {
	shards = max(shards, 1)
	return &hybridGroup{
		miniEntries: max(hybridGroupMiniEntries/uint64(shards), hybridShardMiniEntries),
		shards:      shards,
	}
}

// report adds one shard's period (its miniatures' hits h and exclusive
// hits ex over reqs requests, sreqs of them sampled, with n entries
// resident in the shard) and returns the leader. The group decides when
// the shards together have seen a period's worth of requests for the
// whole cache.
func (g *hybridGroup) report(h, ex *[hybridN]float64, reqs uint64, sreqs float64, n int, follow bool) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	for i := range h {
		g.h[i] += h[i]
		g.ex[i] += ex[i]
	}
	g.reqs += reqs
	g.sreqs += sreqs
	period := uint64(n) * uint64(g.shards)
	if !follow {
		period /= hybridSampledPeriods
	}
	if g.reqs >= max(period, hybridMinPeriod*uint64(g.shards)) {
		g.cur = g.ev.update(g.cur, &g.h, &g.ex, g.sreqs, follow)
		g.h, g.ex = [hybridN]float64{}, [hybridN]float64{}
		g.reqs, g.sreqs = 0, 0
		g.leader.Store(int32(g.cur))
	}
	return g.cur
}
