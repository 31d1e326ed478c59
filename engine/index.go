package engine

// index maps key hashes to slot ids with open addressing and linear
// probing. Each entry is one uint64, tag<<32 | slot+1 (0 = empty), where
// the tag is the low 32 bits of the key hash; the home position of an
// entry is derived from its tag alone, so the table can grow and delete by
// backward shifting without touching the keys. The table is a
// pointer-free slice: the garbage collector never scans it. A tag match
// is confirmed by comparing the key stored in the item.
type index struct {
	t     []uint64
	n     int
	shift uint8 // 64 - log2(len(t))
}

const (
	indexMinSize = 64
	indexMul     = 0x9e3779b97f4a7c15
)

func (x *index) home(tag uint32) uint64 { return (uint64(tag) * indexMul) >> x.shift }

func (x *index) mask() uint64 { return uint64(len(x.t) - 1) }

// insert adds an entry for a slot whose key is not in the table.
func (x *index) insert(tag uint32, slot uint32) {
	if (x.n+1)*4 > len(x.t)*3 {
		x.resize(max(indexMinSize, 2*len(x.t)))
	}
	x.put(uint64(tag)<<32 | uint64(slot) + 1)
	x.n++
}

func (x *index) put(e uint64) {
	m := x.mask()
	i := x.home(uint32(e >> 32))
	for x.t[i] != 0 {
		i = (i + 1) & m
	}
	x.t[i] = e
}

func (x *index) resize(size int) {
	old := x.t
	x.t = make([]uint64, size)
	x.shift = uint8(64 - log2(size))
	for _, e := range old {
		if e != 0 {
			x.put(e)
		}
	}
}

func log2(n int) int {
	b := 0
	for 1<<b < n {
		b++
	}
	return b
}

// remove deletes the entry of slot, which has the given tag.
func (x *index) remove(tag uint32, slot uint32) {
	want := uint64(tag)<<32 | uint64(slot) + 1
	m := x.mask()
	i := x.home(tag)
	for x.t[i] != want {
		if x.t[i] == 0 {
			panic("engine: index entry missing")
		}
		i = (i + 1) & m
	}
	// Backward-shift deletion: move later entries of the cluster into the
	// hole unless their home lies cyclically in (hole, position].
	j := i
	for {
		j = (j + 1) & m
		e := x.t[j]
		if e == 0 {
			break
		}
		k := x.home(uint32(e >> 32))
		if i <= j {
			if i < k && k <= j {
				continue
			}
		} else if i < k || k <= j {
			continue
		}
		x.t[i] = e
		i = j
	}
	x.t[i] = 0
	x.n--
}

func (x *index) reset() { *x = index{} }
