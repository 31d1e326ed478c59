// Package hist is a small log-linear histogram in the style of
// HdrHistogram, for latencies in nanoseconds (or any non-negative int64).
//
// Values below 256 are counted exactly; above, each power-of-two range
// [2^k, 2^(k+1)) is cut into 128 equal buckets, so a bucket is never wider
// than 1/128 (0.78%) of the values it holds. Recording is one bits.Len64,
// two shifts and an increment; it allocates nothing. The whole int64
// range fits in a fixed array of about 60 KB.
//
// A Histogram is not safe for concurrent use: give each goroutine its own
// and Merge them at the end. The zero value is an empty histogram, ready
// to use.
package hist

import (
	"math"
	"math/bits"
)

const (
	subBits = 8
	// half is the number of buckets per power-of-two range above the
	// exact range [0, 2^subBits).
	half     = 1 << (subBits - 1)
	nBuckets = (64-subBits)*half + 2*half
)

// RelativeError is the largest relative width of a bucket: a quantile
// reported by ValueAt is within this fraction of a recorded value.
const RelativeError = 1.0 / half

// Histogram counts values in log-linear buckets. See the package
// documentation.
type Histogram struct {
	counts [nBuckets]uint64
	total  uint64
	sum    float64
	min    int64
	max    int64
}

// index returns the bucket of v (v >= 0).
func index(v uint64) int {
	if v < 2*half {
		return int(v)
	}
	e := bits.Len64(v) - subBits // >= 1
	return e*half + int(v>>e)
}

// bounds returns the smallest and largest value of bucket i.
func bounds(i int) (lo, hi uint64) {
	if i < 2*half {
		return uint64(i), uint64(i)
	}
	e := i/half - 1
	m := uint64(i%half + half)
	return m << e, (m+1)<<e - 1
}

// Record counts one value; negative values count as 0.
func (h *Histogram) Record(v int64) {
	if v < 0 {
		v = 0
	}
	if h.total == 0 || v < h.min {
		h.min = v
	}
	if v > h.max {
		h.max = v
	}
	h.counts[index(uint64(v))]++
	h.total++
	h.sum += float64(v)
}

// Count returns the number of recorded values.
func (h *Histogram) Count() uint64 { return h.total }

// Min returns the smallest recorded value, or 0 when empty.
func (h *Histogram) Min() int64 { return h.min }

// Max returns the largest recorded value, or 0 when empty.
func (h *Histogram) Max() int64 { return h.max }

// Mean returns the mean of the recorded values, or 0 when empty.
func (h *Histogram) Mean() float64 {
	if h.total == 0 {
		return 0
	}
	return h.sum / float64(h.total)
}

// ValueAt returns the value at quantile q (0 <= q <= 1): the largest value
// of the bucket holding the ceil(q*Count())-th smallest value, clamped to
// [Min, Max]. It is within RelativeError of that value, never below it.
// ValueAt(1) is Max exactly; ValueAt of an empty histogram is 0.
func (h *Histogram) ValueAt(q float64) int64 {
	if h.total == 0 {
		return 0
	}
	if q >= 1 || math.IsNaN(q) {
		return h.max
	}
	rank := uint64(math.Ceil(q * float64(h.total)))
	if rank < 1 {
		rank = 1
	}
	var seen uint64
	for i := index(uint64(h.min)); i < nBuckets; i++ {
		seen += h.counts[i]
		if seen >= rank {
			_, hi := bounds(i)
			v := int64(min(hi, math.MaxInt64))
			return max(h.min, min(v, h.max))
		}
	}
	return h.max
}

// Merge adds every value counted by o to h.
func (h *Histogram) Merge(o *Histogram) {
	if o.total == 0 {
		return
	}
	if h.total == 0 || o.min < h.min {
		h.min = o.min
	}
	if o.max > h.max {
		h.max = o.max
	}
	for i := index(uint64(o.min)); i <= index(uint64(o.max)); i++ {
		h.counts[i] += o.counts[i]
	}
	h.total += o.total
	h.sum += o.sum
}

// Reset empties h.
func (h *Histogram) Reset() { *h = Histogram{} }
