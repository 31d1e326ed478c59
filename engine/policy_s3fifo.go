package engine

// s3fifo is S3-FIFO (Yang et al., SOSP'23): a small FIFO queue S taking
// about 10% of the capacity, a main FIFO queue M with the rest, and a ghost
// queue G remembering the hashes of entries recently evicted from S.
//
// A new entry goes to M if its hash is in G (it was evicted from S too
// early), otherwise to S. A hit only increments a 2-bit frequency (max 3).
// Eviction takes from S while S is over its share: the tail of S moves to M
// if it was hit since insertion, otherwise it is evicted and remembered in
// G. Otherwise it takes from M like CLOCK: a tail with a non-zero frequency
// is reinserted at the head with its frequency decremented, one with zero is
// evicted. G is bounded by the weight of M's share. Each hit buys at most
// three reinsertions, so Evict is O(1) amortised.
type s3fifo struct {
	links       idLinks
	small, main idList
	sw, mw      uint64 // weights of S and M
	smallCap    uint64
	mainCap     uint64
	hash        []uint64
	weight      []uint32
	freq        []uint8
	ghost       ghostList
}

const (
	s3Small = 1
	s3Main  = 2
)

var _ Policy = (*s3fifo)(nil)

func newS3FIFO(capacity uint64) *s3fifo {
	small := max(capacity/10, 1)
	return &s3fifo{smallCap: small, mainCap: max(capacity-min(small, capacity), 1)}
}

func (p *s3fifo) resident() int { return p.small.n + p.main.n }

func (p *s3fifo) Insert(id uint32, hash uint64, weight uint32) {
	p.links.grow(id)
	n := len(p.links.next)
	p.hash = growTo(p.hash, n)
	p.weight = growTo(p.weight, n)
	p.freq = growTo(p.freq, n)
	p.hash[id], p.weight[id], p.freq[id] = hash, weight, 0
	if p.ghost.take(hash) {
		p.links.pushFront(&p.main, id, s3Main)
		p.mw += uint64(weight)
		return
	}
	p.links.pushFront(&p.small, id, s3Small)
	p.sw += uint64(weight)
}

func (p *s3fifo) Access(id uint32) {
	if p.freq[id] < 3 {
		p.freq[id]++
	}
}

func (p *s3fifo) Update(id uint32, weight uint32) {
	p.Access(id)
	old := uint64(p.weight[id])
	p.weight[id] = weight
	if p.links.on[id] == s3Small {
		p.sw = p.sw - old + uint64(weight)
	} else {
		p.mw = p.mw - old + uint64(weight)
	}
}

func (p *s3fifo) Remove(id uint32) {
	if p.links.on[id] == s3Small {
		p.links.remove(&p.small, id)
		p.sw -= uint64(p.weight[id])
	} else {
		p.links.remove(&p.main, id)
		p.mw -= uint64(p.weight[id])
	}
}

func (p *s3fifo) Evict() (uint32, bool) {
	for {
		if p.small.n > 0 && (p.sw > p.smallCap || p.main.n == 0) {
			t := p.small.tail
			w := uint64(p.weight[t])
			p.links.remove(&p.small, t)
			p.sw -= w
			if p.freq[t] > 0 {
				p.freq[t] = 0
				p.links.pushFront(&p.main, t, s3Main)
				p.mw += w
				continue
			}
			p.ghost.add(p.hash[t], p.weight[t])
			p.ghost.trim(p.mainCap)
			return t, true
		}
		if p.main.n == 0 {
			return nilID, false
		}
		t := p.main.tail
		if p.freq[t] > 0 {
			p.freq[t]--
			p.links.moveToFront(&p.main, t)
			continue
		}
		p.links.remove(&p.main, t)
		p.mw -= uint64(p.weight[t])
		return t, true
	}
}
