package engine

import "math"

// hybrid is an adaptive ensemble: it runs miniature simulations of several
// expert policies (LRU, ARC, 2Q, S3-FIFO, W-TinyLFU with a 1% and a 20%
// window, an adaptive W-TinyLFU and LIRS) side by side on the same request
// stream and lets the one that has recently scored the most hits manage
// the real entries. No single expert wins on every workload (LRU on pure
// recency, W-TinyLFU on loops and frequency skew, S3-FIFO and ARC on
// web-like mixes, LIRS on mixes of loops of different lengths), so
// following the leader tracks the best of them, and switches when the
// workload changes phase.
//
// The miniatures ("Cache modeling and optimization using miniature
// simulations", Waldspurger et al., USENIX ATC'17) see only the requests
// whose mixed hash falls in a 1/rate sample, with 1/rate of the capacity,
// so their cost is bounded (about hybridMiniEntries entries each) however
// large the cache; for small caches the rate is 1 and they are exact
// shadow copies. Each tracks only hashes and weights.
//
// Every period (about one request per resident entry, at least
// hybridMinPeriod) the difference between each pair of experts' hits in
// the period is added to a decaying sum, and its square to another (the
// per-period regret of one against the other, and its noise). A challenger
// takes over when its decayed advantage over the current expert exceeds
// hybridZ times the root of the decayed sum of squares (so that an
// advantage which comes and goes, as when two experts hit in alternating
// bursts, is not followed), plus the expected cost of switching, plus a
// small minimum advantage in hit ratio. The cost of switching is estimated
// from the challenger's exclusive hits, those on entries the real cache
// does not hold: after a switch the real cache misses these until its
// contents have converged to the new leader's (about one period). With exact miniatures (rate 1, "follow
// mode") the real cache simply holds what the leader's miniature holds:
// Evict returns a resident entry the leader has dropped, so switching
// costs nothing and the contents converge at once. With sampled
// miniatures a fresh instance of the new leader's policy takes over, and
// the entries move to it a few per operation (hybridMigrateBatch), in the
// previous instance's eviction order, so the stalest arrive first; an
// entry requested before its turn moves at once, as just used. Those
// sampled entries the new leader's miniature does not hold ("orphans")
// are evicted first, so the real cache converges to the leader's
// contents. A switch thus does O(resident) cheap work (marking the
// entries), never a whole rebuild of the policy under the shard's lock,
// and every operation stays O(1) amortised. No other switch happens until
// the previous instance is empty.
//
// The shards of one cache share their evidence (hybridGroup, see
// NewPolicies): each runs miniatures of a share of the sample, reports
// their hits at the end of its periods, and follows the group's leader.
//
// The new instance starts without its expert's history (ghost lists,
// segment membership; the frequency sketch alone is handed on, see
// shadow), so in sampled mode a switch costs more than the exclusive hits
// say: there a challenger must also lead by hybridRebuildMargin of the
// current expert's recent hits. Sampled mode decides hybridSampledPeriods
// times per turnover of the cache: the miniatures see enough requests for
// that, and a large cache that follows the wrong expert for a whole
// turnover loses many hits.
type hybrid struct {
	capacity uint64
	real     Policy
	cur      int // index into minis of the expert managing real
	minis    []miniSim
	// ev is the evidence the leader is chosen on; group, when the policy
	// is one shard's of several, holds the evidence of all of them
	// instead (and ev is unused).
	ev    hybridEvidence
	group *hybridGroup
	// miniEntries is the target size of each miniature: hybridMiniEntries
	// alone, less when shards share a group.
	miniEntries uint64

	hash    []uint64 // by id
	weight  []uint32 // by id
	present []bool   // by id
	n       int      // resident entries
	weightN uint64   // resident weight
	orphans []uint32 // evict these first (if still orphans)
	// old is the instance of the previous leader while its entries move
	// to the new one after a switch in sampled mode (nil otherwise); inOld
	// marks the ids it still holds, oldN counts them.
	old   Policy
	inOld []bool // by id
	oldN  int
	// shadow counts every request while the real policy is not a
	// W-TinyLFU, so a W-TinyLFU that leads later starts with the frequency
	// sketch it would have had (a sketch depends only on the requests);
	// while the real policy is a W-TinyLFU, its own sketch is that sketch
	// and shadow is nil.
	shadow *sketch

	// Follow mode (rate 1): the real contents are exactly the leader
	// miniature's; index maps hashes of resident entries to ids, and
	// victims holds resident ids the leader no longer holds.
	follow  bool
	index   hashIndex
	victims []uint32
	cursor  int // fallback scan position

	rate       uint64 // sampling: one hash in rate
	calibrated bool   // rate was set from the observed mean weight
	requests   uint64 // in the current period
}

const (
	// hybridMiniEntries is the target number of entries in each
	// miniature; below it the miniatures are exact (rate 1).
	hybridMiniEntries = 8192
	// hybridMinPeriod is the least number of requests between decisions.
	hybridMinPeriod = 256
	// hybridDecay weighs older periods in the evidence (a horizon of
	// about 1/(1-hybridDecay) periods).
	hybridDecay = 0.95
	// hybridZ scales the noise allowance: the root of the decayed sum of
	// squared per-period differences.
	hybridZ = 0.3
	// hybridMargin is the least advantage, in hits per request (of the
	// miniatures), a challenger must show over the horizon.
	hybridMargin = 0.001
	// hybridSwitchPeriods is the expected time, in periods, the real
	// cache takes to converge to a new leader; its exclusive hits over
	// that time are the cost of switching.
	hybridSwitchPeriods = 1.0
	// hybridSampledPeriods is the number of decision periods per
	// turnover of the cache in sampled mode (one in follow mode).
	hybridSampledPeriods = 4
	// hybridRebuildMargin is the least advantage, as a share of the
	// current expert's decayed hits, a challenger needs in sampled mode,
	// where a switch starts a fresh instance without its expert's history.
	hybridRebuildMargin = 0.005
	// hybridMigrateBatch is the number of entries that move to a new
	// leader's instance per operation after a switch in sampled mode.
	hybridMigrateBatch = 32
	// hybridN is the number of experts.
	hybridN = len(hybridExperts)
)

// hybridExperts are the policies the ensemble chooses from; the first one
// starts in charge.
var hybridExperts = [...]func(capacity uint64) Policy{
	func(c uint64) Policy { return newWTinyLFU(c) },
	func(c uint64) Policy { return newLRU() },
	func(c uint64) Policy { return newARC(c) },
	func(c uint64) Policy { return newTwoQ(c) },
	func(c uint64) Policy { return newS3FIFO(c) },
	func(c uint64) Policy { return newAdaptiveTinyLFU(c) },
	func(c uint64) Policy { return newLIRS(c) },
	func(c uint64) Policy { return newTinyLFU(c, hybridWideWindow) },
}

// hybridWideWindow is the window share of the second static W-TinyLFU
// expert, between the 1% of "wtinylfu" (frequency first) and the 100% the
// adaptive one may reach (LRU): recency-biased web-like mixes sit there.
const hybridWideWindow = 0.2

var _ Policy = (*hybrid)(nil)

func newHybrid(capacity uint64) *hybrid {
	return newHybridIn(capacity, nil)
}

// newHybridIn returns a hybrid policy for one shard of a group (nil: a
// policy on its own).
func newHybridIn(capacity uint64, g *hybridGroup) *hybrid {
	capacity = max(capacity, 1)
	p := &hybrid{capacity: capacity, group: g, miniEntries: hybridMiniEntries}
	if g != nil {
		p.miniEntries = g.miniEntries
		p.cur = int(g.leader.Load())
	}
	p.setRate(max(1, capacity/p.miniEntries))
	return p
}

// setRate (re)starts the miniatures with a sampling rate.
func (p *hybrid) setRate(rate uint64) {
	p.rate = rate
	mc := max(p.capacity/rate, 1)
	p.minis = make([]miniSim, len(hybridExperts))
	for i, f := range hybridExperts {
		p.minis[i] = miniSim{p: f(mc), capacity: mc}
	}
	p.ev = hybridEvidence{}
	p.follow = rate == 1
	p.orphans, p.victims = p.orphans[:0], p.victims[:0]
	p.index = hashIndex{}
	if p.follow {
		p.real, p.old, p.oldN = nil, nil, 0
		clear(p.inOld)
		p.minis[p.cur].track = true
		// Every resident entry (none are in the fresh miniatures) is a
		// candidate victim.
		for id, ok := range p.present {
			if ok {
				p.index.put(p.hash[id], uint32(id))
				p.victims = append(p.victims, uint32(id))
			}
		}
		return
	}
	if p.real == nil {
		p.rebuild(p.cur)
	}
}

// sampled reports whether the miniatures see hash h.
func (p *hybrid) sampled(h uint64) bool {
	return p.rate == 1 || mix64(h)%p.rate == 0
}

func (p *hybrid) resident() int { return p.n }

// request feeds one request to the miniatures and ends the period when it
// is over; hit tells whether the real cache held the entry.
func (p *hybrid) request(h uint64, w uint32, hit bool) {
	if p.sampled(h) {
		for i := range p.minis {
			p.minis[i].request(h, w, hit)
		}
		if p.follow {
			p.collect()
		}
	}
	if p.old != nil {
		p.migrate(hybridMigrateBatch)
	} else if p.group != nil {
		// Another shard's report may have changed the group's leader.
		if l := int(p.group.leader.Load()); l != p.cur {
			p.rebuild(l)
		}
	}
	p.requests++
	period := uint64(p.n)
	if !p.follow {
		period /= hybridSampledPeriods
	}
	if p.requests >= max(period, hybridMinPeriod) {
		p.decide()
	}
}

// decide ends a period: it folds the miniatures' hits into the evidence
// (this policy's, or its group's) and switches to the expert the evidence
// favours, unless the entries are still moving after the last switch.
func (p *hybrid) decide() {
	reqs := p.requests
	p.requests = 0
	var h, ex [hybridN]float64
	for i := range p.minis {
		m := &p.minis[i]
		h[i], ex[i] = float64(m.hits), float64(m.excl)
		m.hits, m.excl = 0, 0
	}
	sreqs := float64(reqs) / float64(p.rate)
	var best int
	if p.group != nil {
		best = p.group.report(&h, &ex, reqs, sreqs, p.n, p.follow)
	} else {
		best = p.ev.update(p.cur, &h, &ex, sreqs, p.follow)
	}
	if best != p.cur && p.old == nil {
		p.rebuild(best)
	}
}

// hybridEvidence is what the leader is chosen on. sum[i][j] and sq[i][j]
// are decayed sums, over periods, of expert i's hits minus expert j's in
// a period, and of its square; excl[i] is the decayed sum of expert i's
// hits the real cache missed; hits[i] the decayed sum of its hits.
type hybridEvidence struct {
	sum, sq [hybridN][hybridN]float64
	excl    [hybridN]float64
	hits    [hybridN]float64
}

// update folds one period into the evidence: each expert's hits h and
// exclusive hits ex over sreqs sampled requests. It returns the
// challenger whose advantage over cur most exceeds the noise, the cost of
// switching and the margin, or cur if none does.
func (e *hybridEvidence) update(cur int, h, ex *[hybridN]float64, sreqs float64, follow bool) int {
	// In sampled mode there are hybridSampledPeriods periods per
	// turnover: the same horizon and switching time in requests.
	decay, switchPeriods := hybridDecay, hybridSwitchPeriods
	if !follow {
		decay = math.Pow(hybridDecay, 1.0/hybridSampledPeriods)
		switchPeriods *= hybridSampledPeriods
	}
	for i := range h {
		e.excl[i] = e.excl[i]*decay + ex[i]
		e.hits[i] = e.hits[i]*decay + h[i]
	}
	for i := range h {
		for j := range h {
			d := h[i] - h[j]
			e.sum[i][j] = e.sum[i][j]*decay + d
			e.sq[i][j] = e.sq[i][j]*decay + d*d
		}
	}
	margin := hybridMargin * sreqs / (1 - decay)
	if !follow {
		margin += hybridRebuildMargin * e.hits[cur]
	}
	best, bestGain := cur, 0.0
	for i := range h {
		if i == cur {
			continue
		}
		cost := switchPeriods * e.excl[i] * (1 - decay)
		g := e.sum[i][cur] - hybridZ*math.Sqrt(e.sq[i][cur]) - cost - margin
		if g > bestGain {
			best, bestGain = i, g
		}
	}
	return best
}

// collect turns the hashes the leader dropped into victims.
func (p *hybrid) collect() {
	m := &p.minis[p.cur]
	for _, h := range m.dropped {
		if id, ok := p.index.get(h); ok {
			p.victims = append(p.victims, id)
		}
	}
	m.dropped = m.dropped[:0]
}

// rebuild makes expert e the leader. In follow mode it lists the resident
// entries the new leader does not hold as victims; otherwise a fresh
// instance of e takes over and the resident entries start moving to it
// (see migrate).
func (p *hybrid) rebuild(e int) {
	p.minis[p.cur].track = false
	p.minis[p.cur].dropped = p.minis[p.cur].dropped[:0]
	p.cur = e
	if p.follow {
		p.minis[e].track = true
		p.victims = p.victims[:0]
		for id, ok := range p.present {
			if ok && !p.minis[e].contains(p.hash[id]) {
				p.victims = append(p.victims, uint32(id))
			}
		}
		return
	}
	if p.old != nil {
		p.settle()
	}
	carry := p.shadow
	if s := sketchOf(p.real); s != nil {
		c := *s // the table outlives the old instance, not the rest
		carry = &c
	}
	prev := p.real
	p.real = hybridExperts[e](p.capacity)
	leader := &p.minis[e]
	p.orphans = p.orphans[:0]
	p.inOld = growTo(p.inOld, len(p.present))
	for id, ok := range p.present {
		if !ok {
			continue
		}
		if prev != nil {
			p.inOld[id] = true
			p.oldN++
		} else {
			p.real.Insert(uint32(id), p.hash[id], p.weight[id]) // not reached: the first instance starts empty
		}
		if p.sampled(p.hash[id]) && !leader.contains(p.hash[id]) {
			p.orphans = append(p.orphans, uint32(id))
		}
	}
	if p.oldN > 0 {
		p.old = prev
	}
	// Hand the request history on: a new W-TinyLFU takes the sketch; any
	// other expert leaves it to the shadow.
	if s := sketchOf(p.real); s != nil {
		if carry != nil {
			*s = *carry
		}
		p.shadow = nil
	} else {
		if carry == nil || carry.table == nil {
			carry = new(sketch)
			carry.init(sketchEntries(p.capacity, uint32(min(p.weightN/uint64(max(p.n, 1)), math.MaxUint32))))
			carry.ensure(p.n)
		}
		p.shadow = carry
	}
}

// migrate moves up to n entries from the previous instance to the
// current one, in the previous instance's eviction order.
func (p *hybrid) migrate(n int) {
	for ; n > 0 && p.old != nil; n-- {
		id, ok := p.old.Evict()
		if !ok {
			p.old, p.oldN = nil, 0 // not reached: oldN counts what it holds
			return
		}
		p.leftOld(id)
		p.adopt(id)
	}
}

// leftOld records that the previous instance no longer holds id, and
// drops that instance once it holds nothing.
func (p *hybrid) leftOld(id uint32) {
	p.inOld[id] = false
	p.oldN--
	if p.oldN == 0 {
		p.old = nil
	}
}

// settle moves every entry the previous instance still holds. Only a
// switch forced before the last one finished (tests) needs it; decide
// waits instead.
func (p *hybrid) settle() {
	p.migrate(p.oldN)
}

// adopt hands resident id to the current instance. A W-TinyLFU takes it
// without counting a request, so that its sketch stays the requests'.
func (p *hybrid) adopt(id uint32) {
	if t, ok := p.real.(*tinyLFU); ok {
		t.adopt(id, p.hash[id], p.weight[id])
		return
	}
	p.real.Insert(id, p.hash[id], p.weight[id])
}

// fromOld takes id out of the draining previous instance; it reports
// whether that instance held it.
func (p *hybrid) fromOld(id uint32) bool {
	if p.old == nil || !p.inOld[id] {
		return false
	}
	p.old.Remove(id)
	p.leftOld(id)
	return true
}

// sketchOf returns the frequency sketch of a W-TinyLFU policy, nil for
// any other.
func sketchOf(pol Policy) *sketch {
	if t, ok := pol.(*tinyLFU); ok {
		return &t.sketch
	}
	return nil
}

func (p *hybrid) Insert(id uint32, hash uint64, weight uint32) {
	if int(id) >= len(p.present) {
		n := growLen(len(p.present), int(id)+1)
		p.present = growTo(p.present, n)
		p.hash = growTo(p.hash, n)
		p.weight = growTo(p.weight, n)
		p.inOld = growTo(p.inOld, n)
	}
	p.present[id], p.hash[id], p.weight[id] = true, hash, weight
	p.n++
	p.weightN += uint64(weight)
	if p.follow {
		p.index.put(hash, id)
		p.request(hash, weight, false)
		if !p.minis[p.cur].contains(hash) {
			p.victims = append(p.victims, id)
		}
		return
	}
	if p.shadow != nil {
		p.shadow.ensure(p.n)
		p.shadow.increment(hash)
	}
	p.real.Insert(id, hash, weight)
	p.request(hash, weight, false)
}

func (p *hybrid) Access(id uint32) {
	if !p.follow {
		if p.shadow != nil {
			p.shadow.increment(p.hash[id])
		}
		if p.fromOld(id) {
			p.real.Insert(id, p.hash[id], p.weight[id]) // moves as just used
		} else {
			p.real.Access(id)
		}
	}
	p.request(p.hash[id], p.weight[id], true)
}

func (p *hybrid) Update(id uint32, weight uint32) {
	p.weightN = p.weightN - uint64(p.weight[id]) + uint64(weight)
	p.weight[id] = weight
	if !p.follow {
		if p.shadow != nil {
			p.shadow.increment(p.hash[id])
		}
		if p.fromOld(id) {
			p.real.Insert(id, p.hash[id], weight)
		} else {
			p.real.Update(id, weight)
		}
	}
	p.request(p.hash[id], weight, true)
}

func (p *hybrid) Remove(id uint32) {
	if !p.follow && !p.fromOld(id) {
		p.real.Remove(id)
	}
	p.forget(id)
	if h := p.hash[id]; p.sampled(h) {
		for i := range p.minis {
			p.minis[i].remove(h)
		}
	}
}

func (p *hybrid) forget(id uint32) {
	if p.follow {
		if v, ok := p.index.get(p.hash[id]); ok && v == id {
			p.index.del(p.hash[id])
		}
	}
	p.present[id] = false
	p.n--
	p.weightN -= uint64(p.weight[id])
}

func (p *hybrid) Evict() (uint32, bool) {
	if !p.calibrated {
		// The cache is full for the first time: size the sample for the
		// mean weight seen, so each miniature holds about
		// hybridMiniEntries entries whatever the unit of weight.
		p.calibrated = true
		if p.n > 0 {
			mean := max(p.weightN/uint64(p.n), 1)
			if r := max(1, p.capacity/mean/p.miniEntries); r != p.rate {
				p.setRate(r)
			}
		}
	}
	leader := &p.minis[p.cur]
	if p.follow {
		return p.evictFollow(leader)
	}
	for len(p.orphans) > 0 {
		id := p.orphans[len(p.orphans)-1]
		p.orphans = p.orphans[:len(p.orphans)-1]
		if p.present[id] && !leader.contains(p.hash[id]) {
			if !p.fromOld(id) {
				p.real.Remove(id)
			}
			p.forget(id)
			return id, true
		}
	}
	if p.old != nil {
		p.migrate(hybridMigrateBatch)
	}
	id, ok := p.real.Evict()
	if !ok && p.old != nil {
		// Nothing has moved yet: the previous instance's victim.
		p.migrate(1)
		id, ok = p.real.Evict()
	}
	if ok {
		p.forget(id)
	}
	return id, ok
}

// evictFollow evicts a resident entry the leader does not hold.
func (p *hybrid) evictFollow(leader *miniSim) (uint32, bool) {
	for len(p.victims) > 0 {
		id := p.victims[len(p.victims)-1]
		p.victims = p.victims[:len(p.victims)-1]
		if p.present[id] && !leader.contains(p.hash[id]) {
			p.forget(id)
			return id, true
		}
	}
	// Not reached unless two resident keys share a hash: scan on from
	// where the last fallback stopped.
	if p.n == 0 {
		return nilID, false
	}
	for {
		p.cursor = (p.cursor + 1) % len(p.present)
		if id := uint32(p.cursor); p.present[id] {
			p.forget(id)
			return id, true
		}
	}
}

// miniSim is one expert's miniature simulation: a policy over its own
// ids, keyed by hash, counting hits.
type miniSim struct {
	p        Policy
	capacity uint64
	total    uint64
	index    hashIndex // hash -> id
	hash     []uint64  // by id
	weight   []uint32  // by id
	free     []uint32
	hits     uint64   // in the current period
	excl     uint64   // hits in the current period the real cache missed
	track    bool     // record dropped hashes
	dropped  []uint64 // hashes evicted since the owner last looked
}

func (m *miniSim) contains(h uint64) bool {
	_, ok := m.index.get(h)
	return ok
}

// request replays one request: a hit, or a miss that inserts h; realHit
// tells whether the real cache held h.
func (m *miniSim) request(h uint64, w uint32, realHit bool) {
	if id, ok := m.index.get(h); ok {
		m.hits++
		if !realHit {
			m.excl++
		}
		if m.weight[id] != w {
			m.total = m.total - uint64(m.weight[id]) + uint64(w)
			m.weight[id] = w
			m.p.Update(id, w)
			m.fit()
			return
		}
		m.p.Access(id)
		return
	}
	var id uint32
	if n := len(m.free); n > 0 {
		id = m.free[n-1]
		m.free = m.free[:n-1]
	} else {
		id = uint32(len(m.hash))
		m.hash = append(m.hash, 0)
		m.weight = append(m.weight, 0)
	}
	m.hash[id], m.weight[id] = h, w
	m.index.put(h, id)
	m.total += uint64(w)
	m.p.Insert(id, h, w)
	m.fit()
}

// fit evicts until the miniature is within its capacity.
func (m *miniSim) fit() {
	for m.total > m.capacity {
		id, ok := m.p.Evict()
		if !ok {
			return
		}
		m.drop(id)
	}
}

func (m *miniSim) drop(id uint32) {
	if m.track {
		m.dropped = append(m.dropped, m.hash[id])
	}
	m.index.del(m.hash[id])
	m.total -= uint64(m.weight[id])
	m.free = append(m.free, id)
}

// remove forgets h if the miniature holds it.
func (m *miniSim) remove(h uint64) {
	if id, ok := m.index.get(h); ok {
		m.p.Remove(id)
		m.drop(id)
	}
}
