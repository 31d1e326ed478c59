package engine

// lfu is an O(1) LFU with dynamic ageing (LFU-DA, Arlitt et al. 2000).
//
// Each entry has a priority K = L + hits, where L is the cache age: the
// priority of the last evicted entry. A new entry starts at L+1 and every
// hit adds 1; the victim is the entry of least priority (least recently used
// among equals). Because L rises to the priority of each victim, a burst of
// new entries raises L step by step, and an entry that was popular long ago
// but is no longer hit is overtaken and becomes evictable after about as
// many evictions as it once had hits: old popularity fades without any
// O(n) halving pass.
//
// Entries are kept in buckets of equal priority (each an LRU list), and the
// non-empty buckets in a list ordered by priority (the O(1) LFU of Shah,
// Mitra and Matani). All resident priorities are >= L, so a new entry's
// bucket (L+1) is the first or second bucket or goes right before/after the
// first; a hit moves an entry from bucket K to K+1, the next bucket or a new
// one right after. Weights are ignored.
type lfu struct {
	links    idLinks
	bucketOf []uint32
	buckets  []lfuBucket
	free     []uint32 // unused bucket slots
	head     uint32   // bucket of least priority, nilID if none
	age      uint64   // L
	n        int
}

type lfuBucket struct {
	prio       uint64
	items      idList
	prev, next uint32
}

var _ Policy = (*lfu)(nil)

func newLFU() *lfu { return &lfu{head: nilID} }

func (p *lfu) resident() int { return p.n }

// newBucket makes an empty bucket of priority prio linked between prev and
// next (either may be nilID).
func (p *lfu) newBucket(prio uint64, prev, next uint32) uint32 {
	var b uint32
	if n := len(p.free); n > 0 {
		b = p.free[n-1]
		p.free = p.free[:n-1]
	} else {
		b = uint32(len(p.buckets))
		p.buckets = append(p.buckets, lfuBucket{})
	}
	p.buckets[b] = lfuBucket{prio: prio, prev: prev, next: next}
	if prev == nilID {
		p.head = b
	} else {
		p.buckets[prev].next = b
	}
	if next != nilID {
		p.buckets[next].prev = b
	}
	return b
}

func (p *lfu) freeBucket(b uint32) {
	bk := &p.buckets[b]
	if bk.prev == nilID {
		p.head = bk.next
	} else {
		p.buckets[bk.prev].next = bk.next
	}
	if bk.next != nilID {
		p.buckets[bk.next].prev = bk.prev
	}
	p.free = append(p.free, b)
}

// place puts id at the front of the bucket of priority prio, which goes
// right after bucket prev (nilID: at the head) if it does not exist.
func (p *lfu) place(id uint32, prio uint64, prev uint32) {
	next := p.head
	if prev != nilID {
		next = p.buckets[prev].next
	}
	b := next
	if b == nilID || p.buckets[b].prio != prio {
		b = p.newBucket(prio, prev, next)
	}
	p.links.pushFront(&p.buckets[b].items, id, 1)
	p.bucketOf = growTo(p.bucketOf, len(p.links.next))
	p.bucketOf[id] = b
}

func (p *lfu) Insert(id uint32, hash uint64, weight uint32) {
	prio := p.age + 1
	prev := nilID
	if p.head != nilID && p.buckets[p.head].prio < prio {
		prev = p.head // the head is at priority L
	}
	p.place(id, prio, prev)
	p.n++
}

func (p *lfu) Access(id uint32) {
	b := p.bucketOf[id]
	prio := p.buckets[b].prio + 1
	p.links.remove(&p.buckets[b].items, id)
	prev := b
	if p.buckets[b].items.n == 0 {
		prev = p.buckets[b].prev
		p.freeBucket(b)
	}
	p.place(id, prio, prev)
}

func (p *lfu) Update(id uint32, weight uint32) { p.Access(id) }

func (p *lfu) Remove(id uint32) {
	b := p.bucketOf[id]
	p.links.remove(&p.buckets[b].items, id)
	if p.buckets[b].items.n == 0 {
		p.freeBucket(b)
	}
	p.n--
}

func (p *lfu) Evict() (uint32, bool) {
	if p.head == nilID {
		return nilID, false
	}
	b := p.head
	id := p.buckets[b].items.tail
	p.age = p.buckets[b].prio
	p.Remove(id)
	return id, true
}
