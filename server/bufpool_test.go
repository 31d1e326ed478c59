package server

import "testing"

// TestBufPool: Get gives at least the size asked for, from the class
// above it; Put takes back a buffer into the class its capacity covers,
// so a later Get of that class may reuse it; sizes outside the classes
// are neither pooled nor refused.
func TestBufPool(t *testing.T) {
	var p bufPool
	for _, n := range []int{0, 1, 8 << 10, 8<<10 + 1, 1000000, 1 << 20} {
		b := p.Get(n)
		if len(b) < n || cap(b) != len(b) {
			t.Errorf("Get(%d): len %d cap %d", n, len(b), cap(b))
		}
		if n > 0 && cap(b)&(cap(b)-1) != 0 {
			t.Errorf("Get(%d): capacity %d is not a class size", n, cap(b))
		}
		p.Put(b)
	}
	if b := p.Get(1000000); cap(b) != 1<<20 {
		t.Errorf("Get(1000000): capacity %d, want 1 MiB", cap(b))
	}
	if b := p.Get(1<<poolMaxShift + 1); len(b) != 1<<poolMaxShift+1 {
		t.Errorf("a size above the classes: %d bytes", len(b))
	}
	p.Put(make([]byte, 100))                  // below the classes: dropped
	p.Put(make([]byte, 0, 1<<poolMaxShift+1)) // above: dropped
	// A buffer of 1,000,000 bytes (a value the store grew) covers the
	// 512 KiB class, not the 1 MiB one.
	p.Put(make([]byte, 1000000))
	if b := p.Get(600000); cap(b) < 600000 {
		t.Errorf("Get(600000): capacity %d", cap(b))
	}
}

// TestValBufView: a view from the store is never kept as scratch (the
// next value would be copied into the store's own buffer); a grown copy
// is kept until release.
func TestValBufView(t *testing.T) {
	var v valBuf
	grown := make([]byte, 300000)
	v.keep(grown)
	if cap(v.b) != len(grown) {
		t.Fatal("a grown value's buffer was not kept")
	}
	v.release(scratchKeep)
	if v.b != nil {
		t.Fatalf("after release: scratch of %d bytes", cap(v.b))
	}
	view := make([]byte, 600000)
	s := &Server{views: viewOnly{view}}
	got, _, st := v.fetch(s, []byte("k"))
	if st != StatusOK || len(got) != len(view) || cap(v.b) != 0 {
		t.Fatalf("fetch of a view: %d bytes, %v, scratch of %d bytes", len(got), st, cap(v.b))
	}
}

// viewOnly is a ViewStore whose every value is one view.
type viewOnly struct{ v []byte }

func (s viewOnly) GetView(dst, key []byte) ([]byte, ItemInfo, bool, Status) {
	return s.v, ItemInfo{}, true, StatusOK
}
