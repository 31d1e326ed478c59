package load

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/ratmemcache/ratmemcache/bench/internal/zipf"
)

// MaxValueSize bounds the sizes ParseSizes accepts (1 GiB).
const MaxValueSize = 1 << 30

// Sizes is a value-size distribution: a fixed size, a uniform range, or
// a weighted list. The zero value always picks 0. It is safe for
// concurrent use once built.
type Sizes struct {
	lo, hi int      // uniform over [lo, hi] when list is nil
	list   []int    // sizes of a list
	cum    []uint64 // cumulative weights of list
	text   string
}

// FixedSize returns the distribution that always picks n.
func FixedSize(n int) Sizes {
	return Sizes{lo: n, hi: n, text: strconv.Itoa(n)}
}

// ParseSizes parses a value-size distribution:
//
//	100              always 100 bytes
//	100-1000         uniform over 100..1000, both included
//	100,1K,64K       uniform over the list
//	100:9,1000:1     the list, weighted (here 90% and 10%)
//
// A size is a decimal number of bytes with an optional suffix K, KB or
// KiB (×1024), M, MB or MiB (×1024²), case-insensitive; at most
// MaxValueSize. Weights are positive integers.
func ParseSizes(s string) (Sizes, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Sizes{}, errors.New("empty size distribution")
	}
	if !strings.Contains(s, ",") && !strings.Contains(s, ":") {
		if lo, hi, ok := strings.Cut(s, "-"); ok {
			a, err := ParseByteSize(lo)
			if err != nil {
				return Sizes{}, err
			}
			b, err := ParseByteSize(hi)
			if err != nil {
				return Sizes{}, err
			}
			if b < a {
				return Sizes{}, fmt.Errorf("size range %q: upper bound below lower bound", s)
			}
			return Sizes{lo: a, hi: b, text: s}, nil
		}
		n, err := ParseByteSize(s)
		if err != nil {
			return Sizes{}, err
		}
		return Sizes{lo: n, hi: n, text: s}, nil
	}
	var d Sizes
	var total uint64
	for _, part := range strings.Split(s, ",") {
		size, weight, hasWeight := strings.Cut(strings.TrimSpace(part), ":")
		n, err := ParseByteSize(size)
		if err != nil {
			return Sizes{}, err
		}
		w := uint64(1)
		if hasWeight {
			w, err = strconv.ParseUint(strings.TrimSpace(weight), 10, 32)
			if err != nil || w == 0 {
				return Sizes{}, fmt.Errorf("bad weight %q: want a positive integer", weight)
			}
		}
		total += w
		d.list = append(d.list, n)
		d.cum = append(d.cum, total)
	}
	d.text = s
	return d, nil
}

// ParseByteSize parses a size in bytes as ParseSizes does.
func ParseByteSize(s string) (int, error) {
	t := strings.TrimSpace(s)
	mult := 1
	lower := strings.ToLower(t)
	for _, suf := range []struct {
		s string
		m int
	}{{"kib", 1 << 10}, {"kb", 1 << 10}, {"k", 1 << 10}, {"mib", 1 << 20}, {"mb", 1 << 20}, {"m", 1 << 20}} {
		if strings.HasSuffix(lower, suf.s) {
			t = t[:len(t)-len(suf.s)]
			mult = suf.m
			break
		}
	}
	n, err := strconv.ParseUint(t, 10, 64)
	if err != nil || n > MaxValueSize/uint64(mult) {
		return 0, fmt.Errorf("bad size %q: want bytes (optionally with K, KB, KiB, M, MB, MiB) up to %d", s, MaxValueSize)
	}
	return int(n) * mult, nil
}

// Pick returns a size drawn from d.
func (d *Sizes) Pick(r *rand.Rand) int {
	if d.list != nil {
		if len(d.list) == 1 {
			return d.list[0]
		}
		x := r.Uint64N(d.cum[len(d.cum)-1])
		i, _ := slices.BinarySearch(d.cum, x+1)
		return d.list[i]
	}
	if d.hi == d.lo {
		return d.lo
	}
	return d.lo + r.IntN(d.hi-d.lo+1)
}

// Max returns the largest size d can pick.
func (d *Sizes) Max() int {
	if d.list != nil {
		return slices.Max(d.list)
	}
	return d.hi
}

// String returns d as it was parsed.
func (d Sizes) String() string { return d.text }

// Ratio is a get:set mix.
type Ratio struct {
	Gets, Sets float64
}

// ParseRatio parses "GETS:SETS", two non-negative numbers not both zero,
// e.g. "9:1", "1:0" (gets only) or "0:1" (sets only).
func ParseRatio(s string) (Ratio, error) {
	a, b, ok := strings.Cut(s, ":")
	if !ok {
		return Ratio{}, fmt.Errorf("bad ratio %q: want GETS:SETS, e.g. 9:1", s)
	}
	g, err1 := strconv.ParseFloat(strings.TrimSpace(a), 64)
	w, err2 := strconv.ParseFloat(strings.TrimSpace(b), 64)
	if err1 != nil || err2 != nil || !(g >= 0) || !(w >= 0) || math.IsInf(g, 0) || math.IsInf(w, 0) || g+w == 0 || math.IsInf(g+w, 0) {
		return Ratio{}, fmt.Errorf("bad ratio %q: want GETS:SETS, two non-negative numbers not both zero", s)
	}
	return Ratio{Gets: g, Sets: w}, nil
}

// GetFraction returns the fraction of requests that are gets.
func (r Ratio) GetFraction() float64 { return r.Gets / (r.Gets + r.Sets) }

// String returns r as "GETS:SETS".
func (r Ratio) String() string {
	return strconv.FormatFloat(r.Gets, 'g', -1, 64) + ":" + strconv.FormatFloat(r.Sets, 'g', -1, 64)
}

// KeyDist is a key distribution: uniform, or Zipf with exponent S > 0.
type KeyDist struct {
	Zipf bool
	S    float64
}

// ParseKeyDist parses "uniform" or "zipf:S" (S > 0, e.g. zipf:0.99);
// "zipf" alone means zipf:0.99.
func ParseKeyDist(s string) (KeyDist, error) {
	name, arg, hasArg := strings.Cut(strings.TrimSpace(s), ":")
	switch strings.ToLower(name) {
	case "uniform":
		if hasArg {
			return KeyDist{}, fmt.Errorf("bad key distribution %q: uniform takes no parameter", s)
		}
		return KeyDist{}, nil
	case "zipf":
		if !hasArg {
			return KeyDist{Zipf: true, S: 0.99}, nil
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(arg), 64)
		if err != nil || !(v > 0) || v > 100 {
			return KeyDist{}, fmt.Errorf("bad Zipf exponent %q: want a number in (0, 100]", arg)
		}
		return KeyDist{Zipf: true, S: v}, nil
	}
	return KeyDist{}, fmt.Errorf("bad key distribution %q: want uniform or zipf:S", s)
}

// String returns "uniform" or "zipf:S".
func (k KeyDist) String() string {
	if !k.Zipf {
		return "uniform"
	}
	return "zipf:" + strconv.FormatFloat(k.S, 'g', -1, 64)
}

// keyPicker draws key indexes in [0, n).
type keyPicker struct {
	n    int
	zipf *zipf.Zipf
}

func newKeyPicker(d KeyDist, n int) keyPicker {
	if d.Zipf {
		return keyPicker{n: n, zipf: zipf.New(n, d.S)}
	}
	return keyPicker{n: n}
}

func (k *keyPicker) pick(r *rand.Rand) int {
	if k.zipf != nil {
		return k.zipf.Sample(r) - 1
	}
	return r.IntN(k.n)
}
