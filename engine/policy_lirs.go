package engine

// lirs is LIRS (Jiang and Zhang, "LIRS: an efficient low inter-reference
// recency set replacement policy", SIGMETRICS'02) with weights, one of the
// experts of "hybrid". An entry's inter-reference recency (IRR) is the
// number of other entries seen between its last two references. Entries
// with a low IRR ("LIR") hold about 99% of the capacity and are never
// evicted while they stay LIR; the rest ("HIR") hold about 1% and are
// evicted in FIFO order. Two structures carry the state:
//
//   - the stack S, in recency order, holds LIR entries, resident HIR
//     entries and non-resident HIR entries (ghosts: hashes of evicted HIR
//     entries still within the recency of the oldest LIR entry). It is
//     pruned so that its bottom is always a LIR entry;
//   - the queue Q holds the resident HIR entries, the next victim at its
//     tail.
//
// A reference to an HIR entry still in S (resident, or a ghost coming
// back) shows an IRR lower than the recency of the oldest LIR entry: it
// becomes LIR and the bottom LIR entry of S is demoted to HIR (the front of
// Q). Ghosts are bounded in total weight by lirsGhostFactor capacities and
// in number by lirsGhostFactor per resident entry, oldest forgotten first,
// so memory stays proportional to the cache. Loops larger than the cache
// (LRU's worst case) keep a stable LIR set and hit on it.
//
// Nodes (slot numbers of this policy, not the owner's ids) carry both
// resident entries and ghosts; nodeOf maps ids to nodes.
type lirs struct {
	s      idLinks // stack S
	q      idLinks // queue Q (tag lirsInQ) and ghost age order (tag lirsInG)
	stack  idList
	queue  idList
	ghosts idList
	ghost  hashIndex // hash -> ghost node

	nodeOf []uint32 // by id
	idOf   []uint32 // by node
	hash   []uint64 // by node
	weight []uint32 // by node
	state  []uint8  // by node
	free   []uint32 // free nodes

	lirW, hirW, ghostW uint64
	lirCap, ghostCap   uint64
	n                  int
}

const (
	lirsLIR   = 1 // resident, low IRR
	lirsHIR   = 2 // resident, high IRR
	lirsGhost = 3 // not resident, remembered in S

	lirsInS = 1
	lirsInQ = 1
	lirsInG = 2
)

const (
	// lirsHIRShare is the share of the capacity held by resident HIR
	// entries (the paper's 1%).
	lirsHIRShare = 0.01
	// lirsGhostFactor bounds the ghosts' total weight to this many times
	// the capacity. The paper keeps every ghost within the stack; a bound
	// of four capacities keeps nearly all of the benefit on the developer
	// traces with memory proportional to the cache.
	lirsGhostFactor = 4
)

var _ Policy = (*lirs)(nil)

func newLIRS(capacity uint64) *lirs {
	capacity = max(capacity, 1)
	hir := max(uint64(float64(capacity)*lirsHIRShare), 1)
	ghostCap := uint64(lirsGhostFactor) * capacity
	if ghostCap/lirsGhostFactor != capacity {
		ghostCap = ^uint64(0)
	}
	return &lirs{lirCap: capacity - min(hir, capacity), ghostCap: ghostCap}
}

func (p *lirs) resident() int { return p.n }

func (p *lirs) newNode() uint32 {
	if n := len(p.free); n > 0 {
		x := p.free[n-1]
		p.free = p.free[:n-1]
		return x
	}
	x := uint32(len(p.hash))
	p.hash = append(p.hash, 0)
	p.weight = append(p.weight, 0)
	p.state = append(p.state, 0)
	p.idOf = append(p.idOf, 0)
	p.s.grow(x)
	p.q.grow(x)
	return x
}

func (p *lirs) Insert(id uint32, hash uint64, weight uint32) {
	if int(id) >= len(p.nodeOf) {
		p.nodeOf = growTo(p.nodeOf, growLen(len(p.nodeOf), int(id)+1))
	}
	w := uint64(weight)
	p.n++
	if x, ok := p.ghost.get(hash); ok {
		// A ghost coming back: its IRR is below the oldest LIR entry's
		// recency, so it becomes LIR.
		p.ghost.del(hash)
		p.q.remove(&p.ghosts, x)
		p.ghostW -= uint64(p.weight[x])
		p.nodeOf[id], p.idOf[x] = x, id
		p.weight[x], p.state[x] = weight, lirsLIR
		p.s.moveToFront(&p.stack, x)
		p.lirW += w
		p.demote()
		return
	}
	x := p.newNode()
	p.nodeOf[id], p.idOf[x] = x, id
	p.hash[x], p.weight[x] = hash, weight
	p.s.pushFront(&p.stack, x, lirsInS)
	if p.lirW+w <= p.lirCap {
		// Warming up: LIR has room.
		p.state[x] = lirsLIR
		p.lirW += w
		return
	}
	p.state[x] = lirsHIR
	p.q.pushFront(&p.queue, x, lirsInQ)
	p.hirW += w
}

func (p *lirs) Access(id uint32) {
	x := p.nodeOf[id]
	if p.state[x] == lirsLIR {
		bottom := p.stack.tail == x
		p.s.moveToFront(&p.stack, x)
		if bottom {
			p.prune()
		}
		return
	}
	if p.s.on[x] == lirsInS {
		// Its IRR is below the oldest LIR entry's recency: promote.
		w := uint64(p.weight[x])
		p.q.remove(&p.queue, x)
		p.hirW -= w
		p.state[x] = lirsLIR
		p.lirW += w
		p.s.moveToFront(&p.stack, x)
		p.demote()
		return
	}
	p.s.pushFront(&p.stack, x, lirsInS)
	p.q.moveToFront(&p.queue, x)
}

// demote turns the bottom LIR entries of S into resident HIR entries (at
// the front of Q) while LIR is over its share.
func (p *lirs) demote() {
	for p.lirW > p.lirCap {
		p.prune()
		b := p.stack.tail
		w := uint64(p.weight[b])
		p.s.remove(&p.stack, b)
		p.state[b] = lirsHIR
		p.lirW -= w
		p.hirW += w
		p.q.pushFront(&p.queue, b, lirsInQ)
	}
	p.prune()
}

// prune pops HIR entries and ghosts off the bottom of S until a LIR entry
// is there; ghosts leaving S are forgotten.
func (p *lirs) prune() {
	for p.stack.n > 0 {
		b := p.stack.tail
		switch p.state[b] {
		case lirsLIR:
			return
		case lirsHIR:
			p.s.remove(&p.stack, b)
		default:
			p.s.remove(&p.stack, b)
			p.dropGhost(b)
		}
	}
}

func (p *lirs) dropGhost(x uint32) {
	p.ghost.del(p.hash[x])
	if p.s.on[x] == lirsInS {
		p.s.remove(&p.stack, x)
	}
	p.q.remove(&p.ghosts, x)
	p.ghostW -= uint64(p.weight[x])
	p.state[x] = 0
	p.free = append(p.free, x)
}

func (p *lirs) Update(id uint32, weight uint32) {
	x := p.nodeOf[id]
	old, w := uint64(p.weight[x]), uint64(weight)
	p.weight[x] = weight
	if p.state[x] == lirsLIR {
		p.lirW = p.lirW - old + w
	} else {
		p.hirW = p.hirW - old + w
	}
	p.Access(id)
	p.demote()
}

func (p *lirs) Remove(id uint32) {
	x := p.nodeOf[id]
	w := uint64(p.weight[x])
	if p.state[x] == lirsLIR {
		p.lirW -= w
	} else {
		p.hirW -= w
		p.q.remove(&p.queue, x)
	}
	if p.s.on[x] == lirsInS {
		p.s.remove(&p.stack, x)
	}
	p.release(x)
	p.prune()
	p.trimGhosts()
}

// trimGhosts forgets the oldest ghosts while they weigh more than
// lirsGhostFactor capacities or outnumber the resident entries
// lirsGhostFactor to one (so that many light ghosts cannot pile up behind
// a few heavy residents).
func (p *lirs) trimGhosts() {
	for p.ghosts.n > 0 && (p.ghostW > p.ghostCap || p.ghosts.n > lirsGhostFactor*max(p.n, 1)) {
		p.dropGhost(p.ghosts.tail)
	}
}

// release forgets resident node x, which is on no list.
func (p *lirs) release(x uint32) {
	p.s.on[x], p.q.on[x] = 0, 0
	p.state[x] = 0
	p.free = append(p.free, x)
	p.n--
}

func (p *lirs) Evict() (uint32, bool) {
	if p.queue.n > 0 {
		x := p.queue.tail
		w := uint64(p.weight[x])
		p.q.remove(&p.queue, x)
		p.hirW -= w
		id := p.idOf[x]
		p.n--
		if p.s.on[x] != lirsInS {
			p.state[x], p.s.on[x], p.q.on[x] = 0, 0, 0
			p.free = append(p.free, x)
		} else {
			// Still in S: keep its hash as a ghost.
			p.state[x] = lirsGhost
			p.ghost.put(p.hash[x], x)
			p.q.pushFront(&p.ghosts, x, lirsInG)
			p.ghostW += w
		}
		p.trimGhosts()
		return id, true
	}
	p.prune()
	if p.stack.n == 0 {
		return nilID, false
	}
	x := p.stack.tail // a LIR entry
	p.s.remove(&p.stack, x)
	p.lirW -= uint64(p.weight[x])
	id := p.idOf[x]
	p.release(x)
	p.prune()
	p.trimGhosts()
	return id, true
}
