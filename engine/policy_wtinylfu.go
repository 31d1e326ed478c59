package engine

// tinyLFU is W-TinyLFU (Einziger, Friedman and Manes, "TinyLFU: A Highly
// Efficient Cache Admission Policy", 2017), the policy of Caffeine:
//
//   - a small admission window, an LRU list taking windowCap of the
//     capacity (1% in the static "wtinylfu"), where every new entry starts;
//   - a main space of the rest, a segmented LRU: "probation" (20% of main)
//     for entries admitted from the window, "protected" (80%) for entries
//     hit again while in probation; protected overflow is demoted to the
//     front of probation;
//   - a count-min frequency sketch (see sketch) of every request's hash.
//
// When the window is over its share, its LRU entry (the candidate) leaves
// it: it moves into probation if main has room, otherwise it competes with
// main's victim (probation's LRU entry, or protected's if probation is
// empty) and the one with the lower estimated frequency is evicted; ties
// favour the incumbent, which keeps scans and one-hit wonders out of main.
// So Evict may return the entry just inserted. A candidate heavier than the
// whole main space is evicted at once. When the window is within its share
// the victim is main's (or, with main empty, the window's) LRU entry.
//
// All segment sizes are in weight units. newAdaptiveTinyLFU is the same
// structure with an adaptive window; see policy_wtinylfu_adaptive.go.
type tinyLFU struct {
	links                        idLinks
	window, probation, protected idList
	ww, pw, qw                   uint64 // weights of window, probation, protected
	capacity                     uint64
	windowCap                    uint64
	protectedCap                 uint64
	hash                         []uint64
	weight                       []uint32
	sketch                       sketch

	// adaptive W-TinyLFU only
	adaptive bool
	climb    climber
	jitter   bool
	rnd      uint64
}

const (
	tlWindow    = 1
	tlProbation = 2
	tlProtected = 3
)

var _ Policy = (*tinyLFU)(nil)

// newWTinyLFU returns a static W-TinyLFU with a 1% window.
func newWTinyLFU(capacity uint64) *tinyLFU {
	return newTinyLFU(capacity, 0.01)
}

func newTinyLFU(capacity uint64, windowFrac float64) *tinyLFU {
	capacity = max(capacity, 1)
	p := &tinyLFU{capacity: capacity}
	p.setWindow(uint64(float64(capacity) * windowFrac))
	return p
}

// sketchEntries is the number of entries a fresh frequency sketch is sized
// for: the capacity, up to 65,536 (it grows with the resident entries
// beyond that), when weights count entries; when they count bytes (weight
// above 1) the capacity says nothing of the number of entries, and the
// sketch starts small and grows with them.
func sketchEntries(capacity uint64, weight uint32) int {
	if weight > 1 {
		return 16
	}
	return int(min(capacity, 1<<16))
}

// setWindow sets the window's share (clamped to the capacity) and derives
// the protected share, 80% of main.
func (p *tinyLFU) setWindow(w uint64) {
	p.windowCap = min(w, p.capacity)
	p.protectedCap = (p.capacity - p.windowCap) * 8 / 10
}

func (p *tinyLFU) mainCap() uint64 { return p.capacity - p.windowCap }

func (p *tinyLFU) resident() int { return p.window.n + p.probation.n + p.protected.n }

func (p *tinyLFU) Insert(id uint32, hash uint64, weight uint32) {
	p.adopt(id, hash, weight)
	p.sketch.increment(hash)
	if p.adaptive {
		p.climb.misses++
		p.maybeAdapt()
	}
}

// adopt inserts a resident entry handed over from another policy (by
// the hybrid after a switch) without counting it in the sketch: it was
// not requested.
func (p *tinyLFU) adopt(id uint32, hash uint64, weight uint32) {
	p.links.grow(id)
	n := len(p.links.next)
	p.hash = growTo(p.hash, n)
	p.weight = growTo(p.weight, n)
	p.hash[id], p.weight[id] = hash, weight
	if p.sketch.table == nil {
		// Sized at the first entry, whose weight tells the unit.
		p.sketch.init(sketchEntries(p.capacity, weight))
	}
	p.sketch.ensure(p.resident() + 1)
	p.links.pushFront(&p.window, id, tlWindow)
	p.ww += uint64(weight)
}

func (p *tinyLFU) Access(id uint32) {
	p.sketch.increment(p.hash[id])
	p.touch(id)
	if p.adaptive {
		p.climb.hits++
		p.maybeAdapt()
	}
}

// touch updates the recency of a resident entry after a hit.
func (p *tinyLFU) touch(id uint32) {
	switch p.links.on[id] {
	case tlWindow:
		p.links.moveToFront(&p.window, id)
	case tlProbation:
		w := uint64(p.weight[id])
		p.links.move(&p.probation, &p.protected, id, tlProtected)
		p.pw -= w
		p.qw += w
		p.balanceProtected()
	default:
		p.links.moveToFront(&p.protected, id)
	}
}

// balanceProtected demotes protected's LRU entries to the front of
// probation while protected is over its share.
func (p *tinyLFU) balanceProtected() {
	for p.qw > p.protectedCap && p.protected.n > 1 {
		t := p.protected.tail
		w := uint64(p.weight[t])
		p.links.move(&p.protected, &p.probation, t, tlProbation)
		p.qw -= w
		p.pw += w
	}
}

func (p *tinyLFU) Update(id uint32, weight uint32) {
	old, w := uint64(p.weight[id]), uint64(weight)
	p.weight[id] = weight
	switch p.links.on[id] {
	case tlWindow:
		p.ww = p.ww - old + w
	case tlProbation:
		p.pw = p.pw - old + w
	default:
		p.qw = p.qw - old + w
	}
	p.Access(id)
}

func (p *tinyLFU) Remove(id uint32) {
	w := uint64(p.weight[id])
	switch p.links.on[id] {
	case tlWindow:
		p.links.remove(&p.window, id)
		p.ww -= w
	case tlProbation:
		p.links.remove(&p.probation, id)
		p.pw -= w
	default:
		p.links.remove(&p.protected, id)
		p.qw -= w
	}
}

// victim returns main's LRU entry: probation's, else protected's.
func (p *tinyLFU) victim() (uint32, bool) {
	if p.probation.n > 0 {
		return p.probation.tail, true
	}
	return p.protected.back()
}

func (p *tinyLFU) Evict() (uint32, bool) {
	for p.ww > p.windowCap && p.window.n > 0 {
		c := p.window.tail
		cw := uint64(p.weight[c])
		if cw > p.mainCap() {
			p.Remove(c)
			return c, true
		}
		v, ok := p.victim()
		if !ok || p.pw+p.qw+cw <= p.mainCap() {
			p.links.move(&p.window, &p.probation, c, tlProbation)
			p.ww -= cw
			p.pw += cw
			continue
		}
		if p.admit(c, v) {
			p.Remove(v)
			p.links.move(&p.window, &p.probation, c, tlProbation)
			p.ww -= cw
			p.pw += cw
			return v, true
		}
		p.Remove(c)
		return c, true
	}
	if v, ok := p.victim(); ok {
		p.Remove(v)
		return v, true
	}
	if c, ok := p.window.back(); ok {
		p.Remove(c)
		return c, true
	}
	return nilID, false
}

// admit reports whether candidate c should replace main's victim v.
func (p *tinyLFU) admit(c, v uint32) bool {
	fc := p.sketch.estimate(p.hash[c])
	fv := p.sketch.estimate(p.hash[v])
	if fc > fv {
		return true
	}
	if p.jitter && fc >= jitterMinFreq {
		// A warm candidate sometimes beats an entrenched victim, so a
		// victim whose counter was inflated (by an attack or a burst long
		// ago) cannot block admission forever.
		p.rnd = p.rnd*6364136223846793005 + 1442695040888963407
		return p.rnd>>57 == 0 // 1 in 128
	}
	return false
}
