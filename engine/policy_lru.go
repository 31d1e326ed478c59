package engine

// lru evicts the least recently used entry.
type lru struct {
	links idLinks
	list  idList
}

var _ Policy = (*lru)(nil)

func newLRU() *lru {
	p := &lru{}
	p.list.links = &p.links
	return p
}

func (p *lru) Insert(id uint32, hash uint64, weight uint32) { p.list.pushFront(id, 1) }
func (p *lru) Access(id uint32)                             { p.list.moveToFront(id) }
func (p *lru) Update(id uint32, weight uint32)              { p.list.moveToFront(id) }
func (p *lru) Remove(id uint32)                             { p.list.remove(id) }

func (p *lru) Evict() (uint32, bool) {
	id, ok := p.list.back()
	if ok {
		p.list.remove(id)
	}
	return id, ok
}
