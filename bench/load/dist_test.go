package load

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestParseSizes(t *testing.T) {
	tests := []struct {
		in      string
		max     int
		support []int // every size Pick may return, nil for a range
		lo, hi  int
		wantErr bool
	}{
		{in: "100", max: 100, support: []int{100}},
		{in: "1K", max: 1024, support: []int{1024}},
		{in: "64kb", max: 65536, support: []int{65536}},
		{in: "1MiB", max: 1 << 20, support: []int{1 << 20}},
		{in: "0", max: 0, support: []int{0}},
		{in: "10-20", max: 20, lo: 10, hi: 20},
		{in: "100,1K", max: 1024, support: []int{100, 1024}},
		{in: "100:9,1000:1", max: 1000, support: []int{100, 1000}},
		{in: "", wantErr: true},
		{in: "x", wantErr: true},
		{in: "20-10", wantErr: true},
		{in: "-5", wantErr: true},
		{in: "100:0", wantErr: true},
		{in: "100,", wantErr: true},
		{in: "2048M", wantErr: true},
		{in: "99999999999999999999", wantErr: true},
	}
	r := rand.New(rand.NewPCG(1, 1))
	for _, tt := range tests {
		d, err := ParseSizes(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseSizes(%q) error %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if err != nil {
			continue
		}
		if d.Max() != tt.max {
			t.Errorf("ParseSizes(%q).Max() = %d, want %d", tt.in, d.Max(), tt.max)
		}
		seen := map[int]int{}
		for range 10000 {
			seen[d.Pick(r)]++
		}
		if tt.support != nil {
			for v := range seen {
				if !contains(tt.support, v) {
					t.Errorf("ParseSizes(%q) picked %d", tt.in, v)
				}
			}
			if len(seen) != len(tt.support) {
				t.Errorf("ParseSizes(%q) picked %v, want all of %v", tt.in, seen, tt.support)
			}
		} else if len(seen) != tt.hi-tt.lo+1 {
			t.Errorf("ParseSizes(%q) picked %d distinct sizes, want %d", tt.in, len(seen), tt.hi-tt.lo+1)
		}
	}
	d, _ := ParseSizes("100:9,1000:1")
	n := 0
	for range 100000 {
		if d.Pick(r) == 100 {
			n++
		}
	}
	if n < 89000 || n > 91000 {
		t.Errorf("weight 9:1 picked 100 in %d of 100000", n)
	}
}

func contains(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func TestParseRatio(t *testing.T) {
	for in, want := range map[string]float64{"9:1": 0.9, "1:0": 1, "0:1": 0, "1:1": 0.5, " 3 : 1 ": 0.75} {
		r, err := ParseRatio(in)
		if err != nil || math.Abs(r.GetFraction()-want) > 1e-12 {
			t.Errorf("ParseRatio(%q) = %v, %v; want fraction %v", in, r, err, want)
		}
	}
	for _, in := range []string{"", "9", "0:0", "-1:1", "a:b", "NaN:1", "Inf:1", "1e308:1e308"} {
		if _, err := ParseRatio(in); err == nil {
			t.Errorf("ParseRatio(%q) accepted", in)
		}
	}
}

func TestParseKeyDist(t *testing.T) {
	for in, want := range map[string]KeyDist{"uniform": {}, "zipf": {Zipf: true, S: 0.99}, "zipf:1.2": {Zipf: true, S: 1.2}} {
		d, err := ParseKeyDist(in)
		if err != nil || d != want {
			t.Errorf("ParseKeyDist(%q) = %v, %v; want %v", in, d, err, want)
		}
	}
	for _, in := range []string{"", "zipf:0", "zipf:-1", "zipf:x", "uniform:2", "normal"} {
		if _, err := ParseKeyDist(in); err == nil {
			t.Errorf("ParseKeyDist(%q) accepted", in)
		}
	}
}

func TestUniformKeysCoverSpace(t *testing.T) {
	const n = 1000
	p := newKeyPicker(KeyDist{}, n)
	r := rand.New(rand.NewPCG(5, 6))
	counts := make([]int, n)
	for range 200 * n {
		k := p.pick(r)
		if k < 0 || k >= n {
			t.Fatalf("key %d out of range", k)
		}
		counts[k]++
	}
	for k, c := range counts {
		// mean 200, sd ~14: 120..280 is over 5 sd.
		if c < 120 || c > 280 {
			t.Errorf("key %d drawn %d times, want about 200", k, c)
		}
	}
}

// zipfPMF returns P(rank k) for k in 1..n.
func zipfPMF(n int, s float64) []float64 {
	p := make([]float64, n+1)
	var z float64
	for k := 1; k <= n; k++ {
		p[k] = 1 / math.Pow(float64(k), s)
		z += p[k]
	}
	for k := range p {
		p[k] /= z
	}
	return p
}

func TestZipfSkew(t *testing.T) {
	const n, draws = 1000, 1000000
	for _, s := range []float64{0.5, 0.99, 1, 1.2, 2} {
		p := newKeyPicker(KeyDist{Zipf: true, S: s}, n)
		r := rand.New(rand.NewPCG(7, uint64(s*100)))
		counts := make([]int, n+1)
		for range draws {
			k := p.pick(r)
			if k < 0 || k >= n {
				t.Fatalf("s=%v: key %d out of range", s, k)
			}
			counts[k+1]++
		}
		pmf := zipfPMF(n, s)
		// The hottest ranks match the exact probabilities within 5 sd.
		for k := 1; k <= 10; k++ {
			want := pmf[k] * draws
			sd := math.Sqrt(want * (1 - pmf[k]))
			if math.Abs(float64(counts[k])-want) > 5*sd+1 {
				t.Errorf("s=%v rank %d: %d draws, want %.0f±%.0f", s, k, counts[k], want, 5*sd)
			}
		}
		// The top 10% of keys get their exact share within 1%.
		var got, want float64
		for k := 1; k <= n/10; k++ {
			got += float64(counts[k])
			want += pmf[k] * draws
		}
		if math.Abs(got-want) > 0.01*draws {
			t.Errorf("s=%v: top 10%% drew %.0f, want %.0f", s, got, want)
		}
	}
}

func TestZipfSingleKey(t *testing.T) {
	p := newKeyPicker(KeyDist{Zipf: true, S: 0.99}, 1)
	r := rand.New(rand.NewPCG(1, 2))
	for range 1000 {
		if k := p.pick(r); k != 0 {
			t.Fatalf("got %d", k)
		}
	}
}

func FuzzParseSizes(f *testing.F) {
	for _, s := range []string{"100", "1K", "10-20", "100,1K", "100:9,1000:1", "1MiB", "0-0", ",", "5:", "1-2-3"} {
		f.Add(s)
	}
	r := rand.New(rand.NewPCG(1, 2))
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseSizes(s)
		if err != nil {
			return
		}
		m := d.Max()
		if m < 0 || m > MaxValueSize {
			t.Fatalf("%q: max %d", s, m)
		}
		for range 20 {
			if v := d.Pick(r); v < 0 || v > m {
				t.Fatalf("%q: picked %d, max %d", s, v, m)
			}
		}
		// The text form parses back to the same distribution.
		d2, err := ParseSizes(d.String())
		if err != nil || d2.Max() != m {
			t.Fatalf("%q: round trip %v, %v", s, d2, err)
		}
	})
}

func FuzzParseRatio(f *testing.F) {
	for _, s := range []string{"9:1", "0:1", "1:0", "0.5:0.5", "1e3:1", ":", "a:b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRatio(s)
		if err != nil {
			return
		}
		g := r.GetFraction()
		if !(g >= 0 && g <= 1) {
			t.Fatalf("%q: get fraction %v", s, g)
		}
		r2, err := ParseRatio(r.String())
		if err != nil || r2 != r {
			t.Fatalf("%q: round trip %v, %v", s, r2, err)
		}
	})
}

func FuzzParseKeyDist(f *testing.F) {
	for _, s := range []string{"uniform", "zipf", "zipf:0.99", "zipf:2", "zipf:", "zipf:1e-300"} {
		f.Add(s)
	}
	r := rand.New(rand.NewPCG(1, 2))
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseKeyDist(s)
		if err != nil {
			return
		}
		d2, err := ParseKeyDist(d.String())
		if err != nil || d2 != d {
			t.Fatalf("%q: round trip %v, %v", s, d2, err)
		}
		p := newKeyPicker(d, 100)
		for range 20 {
			if k := p.pick(r); k < 0 || k >= 100 {
				t.Fatalf("%q: key %d", s, k)
			}
		}
	})
}
