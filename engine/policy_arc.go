package engine

// arc is ARC (Megiddo and Modha, FAST'03) with weights: T1 holds entries seen
// once recently, T2 entries seen at least twice; ghost lists B1 and B2
// remember the hashes of entries evicted from T1 and T2. A miss whose hash is
// in B1 grows the target weight p of T1 (recency was short of room), one in
// B2 shrinks it, and the entry enters T2; other misses enter T1. The victim
// comes from T1 while T1 is over p, otherwise from T2.
//
// The bookkeeping follows the widely used formulation of
// hashicorp/golang-lru's ARC (ghosts trimmed on a fresh miss, each bounded by
// the capacity), so the two give the same hit counts on unit weights. One
// adaptation: the owner inserts first and then evicts, so Evict compares p
// with the weight T1 had before the insertion (as a REPLACE run before the
// insertion would) the first time it runs after an Insert.
type arc struct {
	links    idLinks
	t1, t2   idList
	t1w, t2w uint64
	b1, b2   ghostList
	p, c     uint64
	hash     []uint64
	weight   []uint32
	pending  uint64 // weight just inserted into T1 and not yet considered by Evict
	fromB2   bool   // the last insertion was a B2 ghost hit
}

const (
	arcT1 = 1
	arcT2 = 2
)

var _ Policy = (*arc)(nil)

func newARC(capacity uint64) *arc { return &arc{c: max(capacity, 1)} }

func (p *arc) resident() int { return p.t1.n + p.t2.n }

func (p *arc) Insert(id uint32, hash uint64, weight uint32) {
	p.links.grow(id)
	n := len(p.links.next)
	p.hash = growTo(p.hash, n)
	p.weight = growTo(p.weight, n)
	p.hash[id], p.weight[id] = hash, weight
	w := uint64(weight)
	p.pending, p.fromB2 = 0, false
	switch {
	case p.b1.contains(hash):
		delta := w
		if p.b2.w > p.b1.w {
			delta = w * (p.b2.w / p.b1.w)
		}
		p.p = min(p.p+delta, p.c)
		p.b1.take(hash)
		p.links.pushFront(&p.t2, id, arcT2)
		p.t2w += w
	case p.b2.contains(hash):
		delta := w
		if p.b1.w > p.b2.w {
			delta = w * (p.b1.w / p.b2.w)
		}
		p.p -= min(delta, p.p)
		p.b2.take(hash)
		p.fromB2 = true
		p.links.pushFront(&p.t2, id, arcT2)
		p.t2w += w
	default:
		if p.b1.w > p.c-p.p {
			p.b1.popBack()
		}
		if p.b2.w > p.p {
			p.b2.popBack()
		}
		p.links.pushFront(&p.t1, id, arcT1)
		p.t1w += w
		p.pending = w
	}
}

func (p *arc) Access(id uint32) {
	if p.links.on[id] == arcT1 {
		w := uint64(p.weight[id])
		p.links.move(&p.t1, &p.t2, id, arcT2)
		p.t1w -= w
		p.t2w += w
		p.pending = 0
		return
	}
	p.links.moveToFront(&p.t2, id)
}

func (p *arc) Update(id uint32, weight uint32) {
	old := uint64(p.weight[id])
	if p.links.on[id] == arcT1 {
		p.t1w -= old
	} else {
		p.t2w -= old
	}
	p.weight[id] = weight
	if p.links.on[id] == arcT1 {
		p.t1w += uint64(weight)
	} else {
		p.t2w += uint64(weight)
	}
	p.Access(id)
}

func (p *arc) Remove(id uint32) {
	w := uint64(p.weight[id])
	if p.links.on[id] == arcT1 {
		p.links.remove(&p.t1, id)
		p.t1w -= w
		p.pending = 0
	} else {
		p.links.remove(&p.t2, id)
		p.t2w -= w
	}
}

func (p *arc) Evict() (uint32, bool) {
	t1 := p.t1w - p.pending
	p.pending = 0
	fromT1 := p.t1.n > 0 && t1 > 0 && (t1 > p.p || (t1 == p.p && p.fromB2))
	if p.t2.n == 0 {
		fromT1 = true
	}
	if fromT1 {
		id, ok := p.t1.back()
		if !ok {
			return nilID, false
		}
		p.links.remove(&p.t1, id)
		p.t1w -= uint64(p.weight[id])
		p.b1.add(p.hash[id], p.weight[id])
		p.b1.trim(p.c)
		return id, true
	}
	id := p.t2.tail
	p.links.remove(&p.t2, id)
	p.t2w -= uint64(p.weight[id])
	p.b2.add(p.hash[id], p.weight[id])
	p.b2.trim(p.c)
	return id, true
}
