package engine

// This file holds the pieces shared by several policies: a ghost list of
// hashes of recently evicted entries, the open-addressing table it indexes
// them with, and a hash mixer.

// mix64 is a strong 64-bit finaliser (splitmix64), used to spread key hashes
// of unknown quality before indexing tables with them.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// hashIndex maps uint64 hashes to uint32 values with linear probing and
// backward-shift deletion. It is pointer-free and allocates only when it
// grows; a steady insert/delete churn at a constant size allocates nothing.
// The zero value is an empty table.
//
// Probes read only the key array (0 marks an empty slot; a hash of 0 is
// stored as hashIndexZero), so a lookup touches one cache line per probe
// and the value array only once, on a hit.
type hashIndex struct {
	keys  []uint64 // 0 = empty slot
	vals  []uint32
	n     int
	shift uint8 // 64 - log2(len(keys))
}

// hashIndexZero stands for a hash of 0, which would read as an empty slot.
const hashIndexZero = 0x9E3779B97F4A7C15

func indexKey(h uint64) uint64 {
	if h == 0 {
		return hashIndexZero
	}
	return h
}

func (t *hashIndex) slot(k uint64) int { return int((k * 0x9E3779B97F4A7C15) >> t.shift) }

func (t *hashIndex) get(h uint64) (uint32, bool) {
	if t.n == 0 {
		return 0, false
	}
	k := indexKey(h)
	mask := len(t.keys) - 1
	for i := t.slot(k); ; i = (i + 1) & mask {
		switch t.keys[i] {
		case k:
			return t.vals[i], true
		case 0:
			return 0, false
		}
	}
}

// put sets h to v, replacing an existing value.
func (t *hashIndex) put(h uint64, v uint32) {
	if 2*(t.n+1) > len(t.keys) {
		t.resize(max(16, 2*len(t.keys)))
	}
	k := indexKey(h)
	mask := len(t.keys) - 1
	for i := t.slot(k); ; i = (i + 1) & mask {
		switch t.keys[i] {
		case 0:
			t.keys[i], t.vals[i] = k, v
			t.n++
			return
		case k:
			t.vals[i] = v
			return
		}
	}
}

// del removes h if present.
func (t *hashIndex) del(h uint64) {
	if t.n == 0 {
		return
	}
	k := indexKey(h)
	mask := len(t.keys) - 1
	i := t.slot(k)
	for {
		switch t.keys[i] {
		case 0:
			return
		case k:
		default:
			i = (i + 1) & mask
			continue
		}
		break
	}
	// Backward-shift deletion keeps probe sequences unbroken without
	// tombstones.
	for {
		t.keys[i] = 0
		j := i
		for {
			j = (j + 1) & mask
			kj := t.keys[j]
			if kj == 0 {
				t.n--
				return
			}
			home := t.slot(kj)
			// Move j to i if its home slot is not in (i, j] cyclically.
			if (i <= j && (home <= i || home > j)) || (i > j && home <= i && home > j) {
				t.keys[i], t.vals[i] = kj, t.vals[j]
				i = j
				break
			}
		}
	}
}

func (t *hashIndex) resize(size int) {
	oldK, oldV := t.keys, t.vals
	t.keys = make([]uint64, size)
	t.vals = make([]uint32, size)
	bits := uint8(0)
	for 1<<bits < size {
		bits++
	}
	t.shift = 64 - bits
	t.n = 0
	for i, k := range oldK {
		if k != 0 {
			t.put(k, oldV[i]) // indexKey(k) == k for a stored key
		}
	}
}

// ghostList remembers hashes (and weights) of entries that left the cache,
// most recent at the front, bounded by the caller in total weight. Lookups go
// through a hashIndex; slots are recycled through a free list.
type ghostList struct {
	links  idLinks
	list   idList
	hash   []uint64
	weight []uint32
	index  hashIndex
	free   []uint32
	w      uint64 // total weight
}

// contains reports whether h is remembered.
func (g *ghostList) contains(h uint64) bool {
	_, ok := g.index.get(h)
	return ok
}

// add remembers h at the front, replacing an older record of it.
func (g *ghostList) add(h uint64, w uint32) {
	g.take(h)
	var s uint32
	if n := len(g.free); n > 0 {
		s = g.free[n-1]
		g.free = g.free[:n-1]
	} else {
		s = uint32(len(g.hash))
		g.hash = append(g.hash, 0)
		g.weight = append(g.weight, 0)
	}
	g.hash[s], g.weight[s] = h, w
	g.links.pushFront(&g.list, s, 1)
	g.index.put(h, s)
	g.w += uint64(w)
}

// take forgets h and reports whether it was remembered.
func (g *ghostList) take(h uint64) bool {
	s, ok := g.index.get(h)
	if !ok {
		return false
	}
	g.drop(s)
	return true
}

func (g *ghostList) drop(s uint32) {
	g.links.remove(&g.list, s)
	g.index.del(g.hash[s])
	g.w -= uint64(g.weight[s])
	g.free = append(g.free, s)
}

// trim forgets the oldest records while the total weight exceeds limit.
func (g *ghostList) trim(limit uint64) {
	for g.w > limit && g.list.n > 0 {
		g.drop(g.list.tail)
	}
}

// popBack forgets the oldest record, if any.
func (g *ghostList) popBack() {
	if g.list.n > 0 {
		g.drop(g.list.tail)
	}
}
