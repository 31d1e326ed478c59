package engine

// fifo evicts entries in insertion order; hits change nothing.
type fifo struct {
	links idLinks
	list  idList
}

var _ Policy = (*fifo)(nil)

func newFIFO() *fifo { return &fifo{} }

func (p *fifo) Insert(id uint32, hash uint64, weight uint32) { p.links.pushFront(&p.list, id, 1) }
func (p *fifo) Access(id uint32)                             {}
func (p *fifo) Update(id uint32, weight uint32)              {}
func (p *fifo) Remove(id uint32)                             { p.links.remove(&p.list, id) }
func (p *fifo) resident() int                                { return p.list.n }

func (p *fifo) Evict() (uint32, bool) {
	id, ok := p.list.back()
	if ok {
		p.links.remove(&p.list, id)
	}
	return id, ok
}
