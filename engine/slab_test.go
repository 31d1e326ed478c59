package engine

import (
	"encoding/binary"
	"testing"
)

// A fresh page is handed out a chunk at a time, in order, and its unused
// part is never written; freed chunks are reused first.
func TestArenaCarvesLazily(t *testing.T) {
	a := newArena(1 << 16)
	c := a.classFor(100)
	cl := &a.classes[c]
	if !a.grow(c, 1<<20) {
		t.Fatal("grow failed")
	}
	if cl.left != cl.perPage || len(cl.free) != 0 {
		t.Fatalf("fresh page: %d left, %d on the free list; want %d and 0", cl.left, len(cl.free), cl.perPage)
	}
	var got []uint32
	for range 3 {
		addr, ok := a.popFree(c)
		if !ok {
			t.Fatal("popFree failed")
		}
		binary.LittleEndian.PutUint16(a.chunk(addr)[24:26], 1) // live
		got = append(got, addr)
	}
	for i, addr := range got {
		if addr&addrChunkMsk != uint32(i) {
			t.Fatalf("chunk %d handed out as number %d", i, addr&addrChunkMsk)
		}
	}
	pg := a.pages[got[0]>>addrChunkBit]
	for i, b := range pg.buf[3*cl.size:] {
		if b != 0 {
			t.Fatalf("byte %d of the unused part of the page was written", 3*cl.size+i)
		}
	}
	a.free(got[1])
	if addr, _ := a.popFree(c); addr != got[1] {
		t.Fatalf("popFree gave %#x, want the freed %#x", addr, got[1])
	}
	if cl.left != cl.perPage-3 || cl.freeChunks() != cl.perPage-3 {
		t.Fatalf("%d left, %d free chunks; want %d", cl.left, cl.freeChunks(), cl.perPage-3)
	}
}

// Compaction counts a page's never-used chunks as free room and can empty
// the page being carved or move chunks into it.
func TestArenaCompactionWithCarving(t *testing.T) {
	a := newArena(1 << 16)
	c := a.classFor(100)
	cl := &a.classes[c]
	take := func() uint32 {
		t.Helper()
		addr, ok := a.popFree(c)
		if !ok {
			if !a.grow(c, 1<<20) {
				t.Fatal("grow failed")
			}
			addr, ok = a.popFree(c)
		}
		if !ok {
			t.Fatal("no chunk")
		}
		h := a.chunk(addr)
		binary.LittleEndian.PutUint16(h[24:26], 1)
		binary.LittleEndian.PutUint32(h[cl.size-4:], addr) // contents: its own address
		return addr
	}
	// Page A full, then two chunks of page B (the rest of B never used).
	var pageA []uint32
	for range cl.perPage {
		pageA = append(pageA, take())
	}
	b1, b2 := take(), take()
	// Free all of A but one chunk: A has the fewest live chunks.
	keep := pageA[5]
	for _, addr := range pageA {
		if addr != keep {
			a.free(addr)
		}
	}
	where := map[uint32]uint32{keep: keep, b1: b1, b2: b2} // original -> current
	moves := 0
	if !a.shrink(func(src, dst uint32) {
		moves++
		for k, v := range where {
			if v == src {
				where[k] = dst
			}
		}
	}, false) {
		t.Fatal("shrink made no progress")
	}
	if moves != 1 || where[keep]>>addrChunkBit != b1>>addrChunkBit {
		t.Fatalf("%d moves, the kept chunk now at page %d; want 1 move into page %d", moves, where[keep]>>addrChunkBit, b1>>addrChunkBit)
	}
	for orig, cur := range where {
		if got := binary.LittleEndian.Uint32(a.chunk(cur)[cl.size-4:]); got != orig {
			t.Errorf("chunk first at %#x, now at %#x, holds %#x", orig, cur, got)
		}
	}
	if cl.pages != 1 || len(a.pool) != 1 {
		t.Fatalf("%d pages in the class, %d pooled; want 1 and 1", cl.pages, len(a.pool))
	}
	// Page B now has 3 live chunks; the rest of it is free.
	if live := a.pages[b1>>addrChunkBit].live; live != 3 || cl.freeChunks() != cl.perPage-3 {
		t.Fatalf("page B: %d live, %d free; want 3 and %d", live, cl.freeChunks(), cl.perPage-3)
	}
}

// TestHugeSize: a huge item costs what the Go heap allocates for it: 8 KiB
// pages above 32 KiB.
func TestHugeSize(t *testing.T) {
	a := newArena(1 << 16)
	for _, c := range []struct{ n, want int }{
		{40000, 40960}, {1000040, 1007616}, {1 << 20, 1 << 20}, {32769, 40960},
	} {
		if a.classFor(c.n) != hugeClass {
			t.Fatalf("%d bytes: not huge in 64 KiB pages", c.n)
		}
		if got := a.chunkCost(c.n); got != c.want {
			t.Errorf("chunkCost(%d) = %d, want %d", c.n, got, c.want)
		}
	}
	if got := hugeSize(32001); got != 32008 {
		t.Errorf("hugeSize(32001) = %d, want 32008", got)
	}
}
