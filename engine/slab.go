package engine

// Slab allocator. Each shard owns an arena: item chunks are carved from
// pages (1 MiB by default, smaller for small shards) assigned lazily to
// slab classes whose chunk sizes go from 48 to 256 bytes in steps of 16,
// then grow by a factor of 1.125 up to half a page (memcached uses a
// factor of 1.25 throughout: finer classes waste less of each chunk, and
// compaction keeps the extra classes from stranding pages). Items larger than the largest
// class get a buffer of their own ("huge" items). Pages are pointer-free
// []byte, so the garbage collector does not scan them; a chunk is named by
// a 32-bit address (page number << 16 | chunk number).
//
// Pages never leave a class while they hold live chunks, except through
// compaction: when the shard needs memory and a class has at least one
// page's worth of free chunks, the live chunks of its emptiest page are
// moved into free chunks of the same class (the owner is told, to update
// its slot table; slot ids, the index and the policy do not change) and the page
// is handed to another class or given back. This avoids memcached's slab
// calcification without a separate rebalancer thread.

const (
	minChunkSize   = 48
	smallClassStep = 16  // spacing of chunk sizes up to smallClassMax
	smallClassMax  = 256 // above it, sizes grow by a factor of 1.125
	addrChunkBit   = 16
	addrChunkMsk   = 1<<addrChunkBit - 1
	hugeClass      = -2
	noClass        = -1
)

type slabClass struct {
	size    int      // chunk size
	perPage int      // chunks per page
	pages   int      // pages assigned
	free    []uint32 // free chunk addresses (LIFO)
	// A new page is handed out a chunk at a time (carved): chunks next
	// to next+left-1 of page carve have never been used and are on no
	// list. Its memory, zero from the allocator, is not touched before it
	// is needed, so a partly used page does not count in full in the
	// process's resident memory (with many shards, every class's last
	// page is partly used).
	carve      uint32
	next, left int
}

// freeChunks is the number of chunks class c can hand out without a new
// page.
func (cl *slabClass) freeChunks() int { return len(cl.free) + cl.left }

type page struct {
	buf   []byte
	class int16  // class index, hugeClass, or noClass (pooled or unused)
	live  uint32 // live chunks
}

type arena struct {
	pageSize int
	classes  []slabClass
	pages    []page
	pool     []uint32 // page numbers holding an unassigned pageSize buffer
	unused   []uint32 // page numbers without a buffer
	held     int64    // bytes of all buffers held: class pages, pool, huge
}

func newArena(pageSize int) *arena {
	a := &arena{pageSize: pageSize}
	for size := minChunkSize; size <= pageSize/2; {
		a.classes = append(a.classes, slabClass{size: size, perPage: pageSize / size})
		next := (size*9/8 + 7) &^ 7
		if size < smallClassMax {
			next = size + smallClassStep
		}
		if next > pageSize/2 && size < pageSize/2 {
			next = pageSize / 2
		}
		size = next
	}
	return a
}

// classFor returns the slab class for an item of n bytes, or hugeClass.
func (a *arena) classFor(n int) int {
	lo, hi := 0, len(a.classes)
	for lo < hi {
		m := (lo + hi) / 2
		if a.classes[m].size < n {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo == len(a.classes) {
		return hugeClass
	}
	return lo
}

// chunkCost is the number of bytes an item of n bytes occupies in the
// arena: its chunk size, or its own buffer.
func (a *arena) chunkCost(n int) int {
	c := a.classFor(n)
	if c == hugeClass {
		return hugeSize(n)
	}
	return a.classes[c].size
}

// hugeSize is what a huge item's buffer costs: its size rounded as the Go
// heap rounds it (to its 8 KiB pages above 32 KiB, where its size classes
// end; to 8 bytes below, a bound of a size class's rounding).
func hugeSize(n int) int {
	if n > 32<<10 {
		return (n + 8191) &^ 8191
	}
	return (n + 7) &^ 7
}

// huge reports whether the chunk at addr is a huge item's own buffer,
// which is never written again once the item is stored, nor reused.
func (a *arena) huge(addr uint32) bool {
	return a.pages[addr>>addrChunkBit].class == hugeClass
}

// chunk returns the bytes of the chunk at addr.
func (a *arena) chunk(addr uint32) hdr {
	p := &a.pages[addr>>addrChunkBit]
	if p.class == hugeClass {
		return p.buf
	}
	size := a.classes[p.class].size
	off := int(addr&addrChunkMsk) * size
	return p.buf[off : off+size : off+size]
}

// popFree takes a free chunk of class c: a freed one if any, else a
// never-used one of its new page.
func (a *arena) popFree(c int) (uint32, bool) {
	cl := &a.classes[c]
	n := len(cl.free)
	if n == 0 {
		return a.carveFree(c)
	}
	addr := cl.free[n-1]
	cl.free = cl.free[:n-1]
	a.pages[addr>>addrChunkBit].live++
	return addr, true
}

// carveFree hands out the next never-used chunk of class c's new page.
func (a *arena) carveFree(c int) (uint32, bool) {
	cl := &a.classes[c]
	if cl.left == 0 {
		return 0, false
	}
	addr := cl.carve<<addrChunkBit | uint32(cl.next)
	cl.next++
	cl.left--
	a.pages[cl.carve].live++
	return addr, true
}

// finishCarve puts the never-used chunks of class c's new page on its
// free list (they are zero, so free: a zero key length marks a free
// chunk), for compaction, which works from the free list.
func (a *arena) finishCarve(c int) {
	cl := &a.classes[c]
	for i := cl.next + cl.left - 1; i >= cl.next; i-- {
		cl.free = append(cl.free, cl.carve<<addrChunkBit|uint32(i))
	}
	cl.left = 0
}

func (a *arena) newPageNumber() uint32 {
	if n := len(a.unused); n > 0 {
		p := a.unused[n-1]
		a.unused = a.unused[:n-1]
		return p
	}
	a.pages = append(a.pages, page{class: noClass})
	return uint32(len(a.pages) - 1)
}

// grow gives class c one page, from the pool if possible, else a new one
// if held+pageSize <= budget. It reports whether c got a page.
func (a *arena) grow(c int, budget int64) bool {
	var pn uint32
	fresh := false
	if n := len(a.pool); n > 0 {
		pn = a.pool[n-1]
		a.pool = a.pool[:n-1]
	} else {
		if a.held+int64(a.pageSize) > budget || len(a.pages) > 1<<(32-addrChunkBit)-1 && len(a.unused) == 0 {
			return false
		}
		pn = a.newPageNumber()
		a.pages[pn].buf = make([]byte, a.pageSize)
		a.held += int64(a.pageSize)
		fresh = true
	}
	p := &a.pages[pn]
	p.class, p.live = int16(c), 0
	cl := &a.classes[c]
	cl.pages++
	if fresh && cl.left == 0 {
		cl.carve, cl.next, cl.left = pn, 0, cl.perPage
		return true
	}
	// A pooled page holds old chunks: mark them all free.
	for i := cl.perPage - 1; i >= 0; i-- {
		addr := pn<<addrChunkBit | uint32(i)
		hdr(p.buf[i*cl.size:]).markFree()
		cl.free = append(cl.free, addr)
	}
	return true
}

// allocHuge gives an item of n bytes its own buffer if held+size <= budget.
func (a *arena) allocHuge(n int, budget int64) (uint32, bool) {
	size := hugeSize(n)
	if a.held+int64(size) > budget || len(a.pages) > 1<<(32-addrChunkBit)-1 && len(a.unused) == 0 {
		return 0, false
	}
	pn := a.newPageNumber()
	a.pages[pn] = page{buf: make([]byte, size), class: hugeClass, live: 1}
	a.held += int64(size)
	return pn << addrChunkBit, true
}

// free releases the chunk at addr.
func (a *arena) free(addr uint32) {
	pn := addr >> addrChunkBit
	p := &a.pages[pn]
	if p.class == hugeClass {
		a.held -= int64(len(p.buf))
		*p = page{class: noClass}
		a.unused = append(a.unused, pn)
		return
	}
	a.chunk(addr).markFree()
	p.live--
	cl := &a.classes[p.class]
	cl.free = append(cl.free, addr)
}

// shrink lowers held bytes or makes a pooled page available: it drops a
// pooled page if dropPool, else compacts a class that has a page's worth
// of free chunks, moving a page to the pool. moved is called for each
// chunk compaction moves. It reports progress.
func (a *arena) shrink(moved func(src, dst uint32), dropPool bool) bool {
	if dropPool && len(a.pool) > 0 {
		pn := a.pool[len(a.pool)-1]
		a.pool = a.pool[:len(a.pool)-1]
		a.pages[pn] = page{class: noClass}
		a.unused = append(a.unused, pn)
		a.held -= int64(a.pageSize)
		return true
	}
	best, bestFree := -1, 0
	for c := range a.classes {
		cl := &a.classes[c]
		if free := cl.freeChunks(); cl.pages > 0 && free >= cl.perPage && free*cl.size > bestFree {
			best, bestFree = c, free*cl.size
		}
	}
	if best < 0 {
		return false
	}
	a.compact(best, moved)
	return true
}

// compact empties the page of class c with the fewest live chunks into
// free chunks of other pages of c and moves it to the pool. The class must
// have at least perPage free chunks, which guarantees room.
func (a *arena) compact(c int, moved func(src, dst uint32)) {
	a.finishCarve(c)
	cl := &a.classes[c]
	victim, least := uint32(0), uint32(1<<32-1)
	for pn := range a.pages {
		p := &a.pages[pn]
		if int(p.class) == c && p.live < least {
			victim, least = uint32(pn), p.live
			if least == 0 {
				break
			}
		}
	}
	// Free chunks outside the victim page receive its live chunks.
	others := cl.free[:0]
	for _, addr := range cl.free {
		if addr>>addrChunkBit != victim {
			others = append(others, addr)
		}
	}
	cl.free = others
	vp := &a.pages[victim]
	for i := 0; i < cl.perPage && vp.live > 0; i++ {
		src := hdr(vp.buf[i*cl.size : (i+1)*cl.size])
		if src.klen() == 0 {
			continue
		}
		dst := cl.free[len(cl.free)-1]
		cl.free = cl.free[:len(cl.free)-1]
		copy(a.chunk(dst), src)
		a.pages[dst>>addrChunkBit].live++
		moved(victim<<addrChunkBit|uint32(i), dst)
		vp.live--
	}
	vp.class = noClass
	cl.pages--
	a.pool = append(a.pool, victim)
}
