package engine

// sieve is SIEVE (Zhang et al., NSDI'24): a FIFO queue with one visited bit
// per entry and a hand. New entries enter at the head; a hit only sets the
// bit. To evict, the hand walks from where it stopped towards the head
// (wrapping to the tail), clearing set bits, and evicts the first entry whose
// bit is clear; it then rests on that entry's neighbour towards the head.
// Each bit is cleared at most once per hit, so Evict is O(1) amortised.
type sieve struct {
	links   idLinks
	list    idList
	visited []bool
	hand    uint32 // next entry to examine; nilID = start at the tail
}

var _ Policy = (*sieve)(nil)

func newSIEVE() *sieve { return &sieve{hand: nilID} }

func (p *sieve) Insert(id uint32, hash uint64, weight uint32) {
	p.links.pushFront(&p.list, id, 1)
	p.visited = growTo(p.visited, len(p.links.next))
	p.visited[id] = false
}

func (p *sieve) Access(id uint32)                { p.visited[id] = true }
func (p *sieve) Update(id uint32, weight uint32) { p.visited[id] = true }
func (p *sieve) resident() int                   { return p.list.n }

func (p *sieve) Remove(id uint32) {
	if p.hand == id {
		p.hand = p.links.prev[id]
	}
	p.links.remove(&p.list, id)
}

func (p *sieve) Evict() (uint32, bool) {
	if p.list.n == 0 {
		return nilID, false
	}
	o := p.hand
	if o == nilID {
		o = p.list.tail
	}
	for p.visited[o] {
		p.visited[o] = false
		o = p.links.prev[o]
		if o == nilID {
			o = p.list.tail
		}
	}
	p.hand = p.links.prev[o]
	p.links.remove(&p.list, o)
	return o, true
}
