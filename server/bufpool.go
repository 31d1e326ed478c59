package server

import (
	"math/bits"
	"sync"
)

// The buffers the protocol readers need for large data blocks are lent
// from one pool shared by all connections: a connection gives them back
// at the end of every request, so that an idle one holds none, and the
// next request of any connection reuses them instead of allocating (and
// zeroing) a fresh megabyte. A sync.Pool lets the garbage collector
// reclaim what stays unused.
const (
	poolMinShift = 13 // smallest class: 8 KiB (scratchKeep and below are kept by the connection)
	poolMaxShift = 27 // largest class: 128 MiB; larger buffers are not pooled
)

// bufPool is a memproto.BufferPool of power-of-two size classes.
type bufPool struct {
	classes [poolMaxShift - poolMinShift + 1]sync.Pool
}

// largeBufs is the server's pool.
var largeBufs bufPool

// Get returns a buffer of capacity at least n, at full length.
func (p *bufPool) Get(n int) []byte {
	shift := max(bits.Len(uint(max(n, 1)-1)), poolMinShift)
	if shift > poolMaxShift {
		return make([]byte, n)
	}
	if b, ok := p.classes[shift-poolMinShift].Get().(*[]byte); ok {
		return (*b)[:cap(*b)]
	}
	return make([]byte, 1<<shift)
}

// Put takes back b for the largest class its capacity covers.
func (p *bufPool) Put(b []byte) {
	shift := bits.Len(uint(cap(b))) - 1
	if shift < poolMinShift || shift > poolMaxShift {
		return
	}
	b = b[:0]
	p.classes[shift-poolMinShift].Put(&b)
}

// valBuf is a handler's value scratch: one value at a time is copied out
// of the store into it. One grown above keep bytes is dropped when the
// request ends (release), not pooled: measured with 64 KiB values, a
// fresh allocation per request was faster than a pooled, cache-cold
// buffer (the copy into it took twice as long). A value the store keeps
// in a buffer of its own (a ViewStore's view) is not copied at all.
type valBuf struct {
	b []byte
}

// get returns the scratch, empty.
func (v *valBuf) get() []byte { return v.b[:0] }

// keep keeps the buffer of a value the store returned in the scratch (or
// in a buffer it grew) for the next value of the request.
func (v *valBuf) keep(val []byte) {
	if cap(val) > cap(v.b) {
		v.b = val[:0]
	}
}

// release drops a scratch larger than keep bytes.
func (v *valBuf) release(keep int) {
	if cap(v.b) > keep {
		v.b = nil
	}
}

// fetch gets the value of key from the server's store into the scratch,
// or, from a ViewStore, as a view of a large value (never kept as
// scratch: the store's copy must not be written).
func (v *valBuf) fetch(s *Server, key []byte) ([]byte, ItemInfo, Status) {
	if s.views != nil {
		val, info, view, st := s.views.GetView(v.get(), key)
		if !view {
			v.keep(val)
		}
		return val, info, st
	}
	val, info, st := s.store.Get(v.get(), key)
	v.keep(val)
	return val, info, st
}
