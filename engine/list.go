package engine

// nilID marks the end of an id list. It is never a valid slot id.
const nilID = ^uint32(0)

// idList is one doubly linked list of slot ids whose links live in an
// idLinks shared with the other lists of the same policy. It holds no
// pointers, so a slice of idLists (LFU buckets) is invisible to the garbage
// collector too. The zero value is an empty list; head and tail are valid
// only when n > 0.
type idList struct {
	head, tail uint32
	n          int
}

// idLinks holds the prev/next arrays, indexed by id, of all the lists of one
// policy, so an id can move between lists (segments) without copying. Each
// id is on at most one list at a time.
type idLinks struct {
	prev, next []uint32
	on         []uint8 // which list (a policy-chosen tag, 1-based) the id is on; 0 = none
}

// grow makes room for id in the link arrays (amortised doubling).
func (lk *idLinks) grow(id uint32) {
	if int(id) < len(lk.next) {
		return
	}
	n := growLen(len(lk.next), int(id)+1)
	lk.prev = growTo(lk.prev, n)
	lk.next = growTo(lk.next, n)
	lk.on = growTo(lk.on, n)
}

// growLen returns the new length of a per-id slice of length cur that must
// hold at least need elements: doubling, at least 64.
func growLen(cur, need int) int {
	n := max(2*cur, 64)
	return max(n, need)
}

// growTo extends s with zero values to length n if it is shorter.
func growTo[T any](s []T, n int) []T {
	if len(s) >= n {
		return s
	}
	if cap(s) >= n {
		return s[:n]
	}
	ns := make([]T, n, growLen(cap(s), n))
	copy(ns, s)
	return ns
}

// pushFront inserts id, which is on no list, at the front of l and tags it.
func (lk *idLinks) pushFront(l *idList, id uint32, tag uint8) {
	lk.grow(id)
	lk.on[id] = tag
	lk.prev[id] = nilID
	if l.n == 0 {
		lk.next[id] = nilID
		l.tail = id
	} else {
		lk.next[id] = l.head
		lk.prev[l.head] = id
	}
	l.head = id
	l.n++
}

// remove unlinks id, which must be on l.
func (lk *idLinks) remove(l *idList, id uint32) {
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
func (lk *idLinks) moveToFront(l *idList, id uint32) {
	if l.head == id {
		return
	}
	tag := lk.on[id]
	lk.remove(l, id)
	lk.pushFront(l, id, tag)
}

// move takes id off list from and pushes it at the front of list to.
func (lk *idLinks) move(from, to *idList, id uint32, tag uint8) {
	lk.remove(from, id)
	lk.pushFront(to, id, tag)
}

// back returns the id at the tail of l, or false if l is empty.
func (l *idList) back() (uint32, bool) {
	if l.n == 0 {
		return nilID, false
	}
	return l.tail, true
}
