package engine

// nilID marks the end of an id list.
const nilID = ^uint32(0)

// idList is a doubly linked list of slot ids kept in two parallel slices
// indexed by id: pointer-free, so invisible to the garbage collector. Each
// id is on at most one idList at a time. The zero value is an empty list.
type idList struct {
	head, tail uint32 // nilID when empty; valid only when n > 0
	n          int
	links      *idLinks
}

// idLinks holds the prev/next arrays shared by the lists of one policy, so
// an id can move between lists (segments) without copying.
type idLinks struct {
	prev, next []uint32
	on         []uint8 // which list (1-based) the id is on; 0 = none
}

func (l *idLinks) grow(id uint32) {
	for int(id) >= len(l.next) {
		n := 2 * len(l.next)
		if n < 64 {
			n = 64
		}
		for len(l.next) < n {
			l.prev = append(l.prev, nilID)
			l.next = append(l.next, nilID)
			l.on = append(l.on, 0)
		}
	}
}

// pushFront inserts id (not on any list) at the front of list number tag.
func (l *idList) pushFront(id uint32, tag uint8) {
	lk := l.links
	lk.grow(id)
	lk.on[id] = tag
	lk.prev[id] = nilID
	if l.n == 0 {
		lk.next[id] = nilID
		l.head, l.tail = id, id
	} else {
		lk.next[id] = l.head
		lk.prev[l.head] = id
		l.head = id
	}
	l.n++
}

// remove unlinks id, which must be on l.
func (l *idList) remove(id uint32) {
	lk := l.links
	p, nx := lk.prev[id], lk.next[id]
	if p == nilID {
		l.head = nx
	} else {
		lk.next[p] = nx
	}
	if nx == nilID {
		l.tail = p
	} else {
		lk.prev[nx] = p
	}
	lk.prev[id], lk.next[id], lk.on[id] = nilID, nilID, 0
	l.n--
}

// moveToFront moves id, which is on l, to its front.
func (l *idList) moveToFront(id uint32) {
	if l.head == id {
		return
	}
	tag := l.links.on[id]
	l.remove(id)
	l.pushFront(id, tag)
}

// back returns the id at the tail, or false if l is empty.
func (l *idList) back() (uint32, bool) {
	if l.n == 0 {
		return nilID, false
	}
	return l.tail, true
}
