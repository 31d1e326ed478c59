package hist

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestBucketsContiguous(t *testing.T) {
	var prevHi uint64
	for i := range nBuckets {
		lo, hi := bounds(i)
		if i > 0 && lo != prevHi+1 {
			t.Fatalf("bucket %d starts at %d, previous ended at %d", i, lo, prevHi)
		}
		if hi < lo {
			t.Fatalf("bucket %d: hi %d < lo %d", i, hi, lo)
		}
		if lo >= 2*half && float64(hi-lo+1)/float64(lo) > RelativeError {
			t.Fatalf("bucket %d [%d,%d] wider than %v", i, lo, hi, RelativeError)
		}
		if index(lo) != i || index(hi) != i {
			t.Fatalf("index(%d)=%d index(%d)=%d, want %d", lo, index(lo), hi, index(hi), i)
		}
		prevHi = hi
	}
	if prevHi != math.MaxUint64 {
		t.Fatalf("last bucket ends at %d, want MaxUint64", prevHi)
	}
}

// exactQuantile is the ceil(q*n)-th smallest of sorted.
func exactQuantile(sorted []int64, q float64) int64 {
	rank := int(math.Ceil(q * float64(len(sorted))))
	rank = max(rank, 1)
	return sorted[rank-1]
}

func TestValueAtMatchesSortedSamples(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	dists := map[string]func() int64{
		"uniform-small": func() int64 { return r.Int64N(300) },
		"uniform-wide":  func() int64 { return r.Int64N(1e9) },
		"lognormal":     func() int64 { return int64(math.Exp(r.NormFloat64()*2 + 11)) },
		"exp":           func() int64 { return int64(r.ExpFloat64() * 50000) },
		"constant":      func() int64 { return 123456 },
	}
	for name, gen := range dists {
		t.Run(name, func(t *testing.T) {
			var h Histogram
			samples := make([]int64, 100000)
			for i := range samples {
				samples[i] = gen()
				h.Record(samples[i])
			}
			slices.Sort(samples)
			if h.Count() != uint64(len(samples)) {
				t.Fatalf("count %d", h.Count())
			}
			if h.Min() != samples[0] || h.Max() != samples[len(samples)-1] {
				t.Fatalf("min/max %d/%d, want %d/%d", h.Min(), h.Max(), samples[0], samples[len(samples)-1])
			}
			for _, q := range []float64{0, 0.001, 0.1, 0.5, 0.9, 0.99, 0.999, 0.9999, 1} {
				want := exactQuantile(samples, q)
				got := h.ValueAt(q)
				if got < want || float64(got-want) > float64(want)*RelativeError {
					t.Errorf("q=%v: got %d, exact %d (allowed +%.2f%%)", q, got, want, 100*RelativeError)
				}
			}
			var sum float64
			for _, s := range samples {
				sum += float64(s)
			}
			if m := sum / float64(len(samples)); math.Abs(h.Mean()-m) > 1e-6*m+1e-9 {
				t.Errorf("mean %v, want %v", h.Mean(), m)
			}
		})
	}
}

func TestMerge(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var a, b, all Histogram
	for i := range 50000 {
		v := r.Int64N(1 << 40)
		all.Record(v)
		if i%3 == 0 {
			a.Record(v)
		} else {
			b.Record(v)
		}
	}
	var m Histogram
	m.Merge(&a)
	m.Merge(&b)
	m.Merge(&Histogram{})
	if m.counts != all.counts || m.total != all.total || m.min != all.min || m.max != all.max ||
		math.Abs(m.sum-all.sum) > 1e-9*all.sum {
		t.Fatalf("merged histogram differs: count %d/%d min %d/%d max %d/%d",
			m.Count(), all.Count(), m.Min(), all.Min(), m.Max(), all.Max())
	}
}

func TestEdges(t *testing.T) {
	var h Histogram
	if h.ValueAt(0.5) != 0 || h.Mean() != 0 || h.Max() != 0 {
		t.Fatal("empty histogram not zero")
	}
	h.Record(-5)
	h.Record(math.MaxInt64)
	if h.Min() != 0 || h.Max() != math.MaxInt64 {
		t.Fatalf("min %d max %d", h.Min(), h.Max())
	}
	if got := h.ValueAt(0.5); got != 0 {
		t.Fatalf("p50 %d, want 0", got)
	}
	if got := h.ValueAt(0.99); got != math.MaxInt64 {
		t.Fatalf("p99 %d, want MaxInt64", got)
	}
	h.Reset()
	if h.Count() != 0 {
		t.Fatal("reset")
	}
}

func TestRecordAllocs(t *testing.T) {
	h := new(Histogram)
	if n := testing.AllocsPerRun(1000, func() { h.Record(12345) }); n != 0 {
		t.Fatalf("Record allocates %v", n)
	}
}

func BenchmarkRecord(b *testing.B) {
	var h Histogram
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		h.Record(int64(i) * 7919)
	}
}
