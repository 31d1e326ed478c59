package engine

// sketch is a count-min sketch of 4-bit counters estimating how often each
// hash was seen recently (the TinyLFU frequency filter of Einziger, Friedman
// and Manes). Each hash maps to four counters in a table of uint64 words (16
// counters per word), one per row with independent hash functions; the
// estimate is the least of the four. Counters saturate at 15. After a sample
// of 10 increments per tracked entry every counter is halved ("reset"), so
// the estimate is a decayed popularity: old hits fade. The table is one
// pointer-free slice sized to the next power of two of the number of
// entries tracked (one word per entry), so its memory is fixed between
// resizes and proportional to the cache size.
type sketch struct {
	table     []uint64
	mask      uint64
	additions uint64
	sample    uint64
	entries   int
}

// sketchSeeds are odd constants that derive four row hashes from one.
var sketchSeeds = [4]uint64{0xc3a5c85c97cb3127, 0xb492b66fbe98f273, 0x9ae16a3b2f90404f, 0xcbf29ce484222325}

// resetMask clears the top bit of every nibble after a right shift by one.
const resetMask = 0x7777777777777777

// init sizes the sketch for entries (>= 1) and zeroes it.
func (s *sketch) init(entries int) {
	entries = max(entries, 16)
	words := 1
	for words < entries {
		words <<= 1
	}
	if len(s.table) == words {
		clear(s.table)
	} else {
		s.table = make([]uint64, words)
	}
	s.mask = uint64(words - 1)
	s.entries = entries
	s.sample = 10 * uint64(entries)
	s.additions = 0
}

// ensure grows the sketch when more entries are resident than it was
// sized for; growth at least doubles, so it is O(1) amortised per
// insertion. Growing keeps every estimate: a counter's word index is its
// hash masked to the table size, so in a table 2^k times larger its word
// is one of the 2^k copies of the old word, and the old table is copied
// into each of them. (A cache fills up exactly when it first needs to
// grow the sketch; losing the counts then would admit the next one-hit
// wonders over everything learned so far.)
func (s *sketch) ensure(resident int) {
	if resident <= s.entries {
		return
	}
	old := s.table
	additions := s.additions
	s.table = nil
	s.init(2 * resident)
	for i := 0; i < len(s.table); i += len(old) {
		copy(s.table[i:], old)
	}
	s.additions = additions
}

// pos returns the word index and bit shift of hash h's counter in row i.
func (s *sketch) pos(h uint64, i int) (uint64, uint64) {
	x := h * sketchSeeds[i]
	x ^= x >> 32
	return x & s.mask, ((x >> 56) & 15) << 2
}

// increment counts one occurrence of h.
func (s *sketch) increment(h uint64) {
	h = mix64(h)
	added := false
	for i := range sketchSeeds {
		w, sh := s.pos(h, i)
		if (s.table[w]>>sh)&15 < 15 {
			s.table[w] += 1 << sh
			added = true
		}
	}
	if added {
		s.additions++
		if s.additions >= s.sample {
			s.reset()
		}
	}
}

// estimate returns the estimated recent frequency of h, 0..15.
func (s *sketch) estimate(h uint64) uint8 {
	h = mix64(h)
	m := uint64(15)
	for i := range sketchSeeds {
		w, sh := s.pos(h, i)
		m = min(m, (s.table[w]>>sh)&15)
	}
	return uint8(m)
}

// reset halves every counter. It runs once per sample of increments, which
// is ten times the table length, so its cost is O(1) amortised.
func (s *sketch) reset() {
	for i, w := range s.table {
		s.table[i] = (w >> 1) & resetMask
	}
	s.additions /= 2
}
