package engine

// lru evicts the least recently used entry: one list, hits move to the front,
// the victim is the tail.
type lru struct {
	links idLinks
	list  idList
}

var _ Policy = (*lru)(nil)

func newLRU() *lru { return &lru{} }

func (p *lru) Insert(id uint32, hash uint64, weight uint32) { p.links.pushFront(&p.list, id, 1) }
func (p *lru) Access(id uint32)                             { p.links.moveToFront(&p.list, id) }
func (p *lru) Update(id uint32, weight uint32)              { p.links.moveToFront(&p.list, id) }
func (p *lru) Remove(id uint32)                             { p.links.remove(&p.list, id) }
func (p *lru) resident() int                                { return p.list.n }

func (p *lru) Evict() (uint32, bool) {
	id, ok := p.list.back()
	if ok {
		p.links.remove(&p.list, id)
	}
	return id, ok
}
