package engine

// twoQ is 2Q (Johnson and Shasha, VLDB'94) in the formulation of
// hashicorp/golang-lru: a "recent" LRU (A1in) holding entries seen once,
// bounded to 25% of the capacity, a "frequent" LRU (Am) for entries hit
// again, and a ghost list (A1out, 50% of the capacity) of the hashes of
// entries evicted from recent. A hit in recent promotes to frequent; a miss
// whose hash is in the ghost list enters frequent directly. The victim is the
// tail of recent while recent is over its share, otherwise the tail of
// frequent. (The paper's full 2Q keeps A1in a FIFO that hits do not leave;
// golang-lru promotes on the first hit, and we follow it so the two can be
// cross-checked.)
type twoQ struct {
	links     idLinks
	recent    idList
	frequent  idList
	rw, fw    uint64
	recentCap uint64
	ghostCap  uint64
	hash      []uint64
	weight    []uint32
	ghost     ghostList
}

const (
	twoQRecent   = 1
	twoQFrequent = 2
)

var _ Policy = (*twoQ)(nil)

func newTwoQ(capacity uint64) *twoQ {
	return &twoQ{recentCap: capacity / 4, ghostCap: capacity / 2}
}

func (p *twoQ) resident() int { return p.recent.n + p.frequent.n }

func (p *twoQ) Insert(id uint32, hash uint64, weight uint32) {
	p.links.grow(id)
	n := len(p.links.next)
	p.hash = growTo(p.hash, n)
	p.weight = growTo(p.weight, n)
	p.hash[id], p.weight[id] = hash, weight
	if p.ghost.take(hash) {
		p.links.pushFront(&p.frequent, id, twoQFrequent)
		p.fw += uint64(weight)
		return
	}
	p.links.pushFront(&p.recent, id, twoQRecent)
	p.rw += uint64(weight)
}

func (p *twoQ) Access(id uint32) {
	if p.links.on[id] == twoQRecent {
		w := uint64(p.weight[id])
		p.links.move(&p.recent, &p.frequent, id, twoQFrequent)
		p.rw -= w
		p.fw += w
		return
	}
	p.links.moveToFront(&p.frequent, id)
}

func (p *twoQ) Update(id uint32, weight uint32) {
	old := uint64(p.weight[id])
	p.weight[id] = weight
	if p.links.on[id] == twoQRecent {
		p.rw = p.rw - old + uint64(weight)
	} else {
		p.fw = p.fw - old + uint64(weight)
	}
	p.Access(id)
}

func (p *twoQ) Remove(id uint32) {
	w := uint64(p.weight[id])
	if p.links.on[id] == twoQRecent {
		p.links.remove(&p.recent, id)
		p.rw -= w
	} else {
		p.links.remove(&p.frequent, id)
		p.fw -= w
	}
}

func (p *twoQ) Evict() (uint32, bool) {
	if p.recent.n > 0 && (p.rw > p.recentCap || p.frequent.n == 0) {
		id := p.recent.tail
		p.links.remove(&p.recent, id)
		p.rw -= uint64(p.weight[id])
		p.ghost.add(p.hash[id], p.weight[id])
		p.ghost.trim(p.ghostCap)
		return id, true
	}
	id, ok := p.frequent.back()
	if !ok {
		return nilID, false
	}
	p.links.remove(&p.frequent, id)
	p.fw -= uint64(p.weight[id])
	return id, true
}
