package sim

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/ratmemcache/ratmemcache/bench/internal/zipf"
)

// The synthetic traces exercise what the public traces cannot: caches of
// 20,000 to 200,000 entries (where the hybrid policy's miniatures sample
// the keys) over millions of requests, with the shapes that separate the
// policies: frequency skew of several strengths, scans, loops longer than
// the cache mixed with a skewed core, a hot set that drifts, abrupt phase
// changes, and pure recency. Each is a fixed recipe; the request count and
// the seed are the only knobs, and the same (kind, requests, seed) always
// gives the same keys.
type synthKind struct {
	name string
	doc  string
	gen  func(g *synthGen)
}

var synthKinds = []synthKind{
	{"zipf-0.7", "Zipf 0.7 over 2,000,000 keys (weak skew)", func(g *synthGen) {
		z := zipf.New(2_000_000, 0.7)
		g.fill(func() uint64 { return g.key(0, z.Sample(g.r)) })
	}},
	{"zipf-0.9", "Zipf 0.9 over 1,000,000 keys", func(g *synthGen) {
		z := zipf.New(1_000_000, 0.9)
		g.fill(func() uint64 { return g.key(0, z.Sample(g.r)) })
	}},
	{"zipf-1.1", "Zipf 1.1 over 500,000 keys (strong skew)", func(g *synthGen) {
		z := zipf.New(500_000, 1.1)
		g.fill(func() uint64 { return g.key(0, z.Sample(g.r)) })
	}},
	{"zipf-scan", "Zipf 0.8 over 1,000,000 keys; after every 200,000 requests a scan of 100,000 keys never seen before", func(g *synthGen) {
		z := zipf.New(1_000_000, 0.8)
		fresh := 0
		for !g.full() {
			for i := 0; i < 200_000 && !g.full(); i++ {
				g.add(g.key(0, z.Sample(g.r)))
			}
			for i := 0; i < 100_000 && !g.full(); i++ {
				fresh++
				g.add(g.key(1, fresh))
			}
		}
	}},
	{"loop-mix", "half the requests a loop over 150,000 keys, half Zipf 0.8 over 500,000 other keys", func(g *synthGen) {
		g.loopMix(150_000, 2, zipf.New(500_000, 0.8))
	}},
	{"loop-mix-250k", "a third of the requests a loop over 250,000 keys, the rest Zipf 0.9 over 300,000 other keys", func(g *synthGen) {
		g.loopMix(250_000, 3, zipf.New(300_000, 0.9))
	}},
	{"shift", "Zipf 1.0 over a window of 200,000 keys that moves on by 50,000 keys every 300,000 requests", func(g *synthGen) {
		z := zipf.New(200_000, 1.0)
		for off := 0; !g.full(); off += 50_000 {
			// The ranks map to the window's keys by a fixed permutation
			// (48271 is prime to 200,000), so the hottest keys are not
			// the newest ones.
			for i := 0; i < 300_000 && !g.full(); i++ {
				r := z.Sample(g.r)
				g.add(g.key(0, off+(r*48271+12345)%200_000))
			}
		}
	}},
	{"phases", "three equal phases, each Zipf 0.9 over its own 400,000 keys", func(g *synthGen) {
		z := zipf.New(400_000, 0.9)
		for ph := 0; ph < 3; ph++ {
			end := g.n * (ph + 1) / 3
			for len(g.keys) < end {
				g.add(g.key(uint64(ph), z.Sample(g.r)))
			}
		}
	}},
	{"recency", "30% new keys; the rest repeat the key requested d requests earlier, d exponential with mean 40,000", func(g *synthGen) {
		fresh := 0
		g.fill(func() uint64 {
			if len(g.keys) == 0 || g.r.Float64() < 0.3 {
				fresh++
				return g.key(0, fresh)
			}
			return g.back(40_000)
		})
	}},
	{"mixed", "40% new keys, 30% repeats at exponential distance (mean 20,000 requests), 30% Zipf 1.0 over 100,000 other keys", func(g *synthGen) {
		z := zipf.New(100_000, 1.0)
		fresh := 0
		g.fill(func() uint64 {
			u := g.r.Float64()
			switch {
			case len(g.keys) == 0 || u < 0.4:
				fresh++
				return g.key(0, fresh)
			case u < 0.7:
				return g.back(20_000)
			}
			return g.key(1, z.Sample(g.r))
		})
	}},
}

// SynthNames lists the synthetic trace kinds.
func SynthNames() []string {
	names := make([]string, len(synthKinds))
	for i, k := range synthKinds {
		names[i] = k.name
	}
	return names
}

// SynthDoc describes a synthetic trace kind ("" if unknown).
func SynthDoc(name string) string {
	for _, k := range synthKinds {
		if k.name == name {
			return k.doc
		}
	}
	return ""
}

// Synth generates requests keys of the named synthetic trace.
func Synth(name string, requests int, seed uint64) ([]uint64, error) {
	if requests < 1 {
		return nil, fmt.Errorf("sim: %d requests: want at least 1", requests)
	}
	i := slices.IndexFunc(synthKinds, func(k synthKind) bool { return k.name == name })
	if i < 0 {
		return nil, fmt.Errorf("sim: unknown synthetic trace %q (known: %v)", name, SynthNames())
	}
	g := &synthGen{
		r:    rand.New(rand.NewPCG(seed, uint64(i))),
		n:    requests,
		keys: make([]uint64, 0, requests),
		salt: mix(seed ^ 0x5851f42d4c957f2d),
	}
	synthKinds[i].gen(g)
	return g.keys, nil
}

type synthGen struct {
	r    *rand.Rand
	n    int
	keys []uint64
	salt uint64
}

func (g *synthGen) full() bool     { return len(g.keys) >= g.n }
func (g *synthGen) add(key uint64) { g.keys = append(g.keys, key) }

func (g *synthGen) fill(next func() uint64) {
	for !g.full() {
		g.add(next())
	}
}

// key maps (key space, rank) to a key: a bijection, so distinct pairs
// never collide, and scrambled, so ranks do not show in the keys.
func (g *synthGen) key(space uint64, rank int) uint64 {
	return mix(space<<40 ^ uint64(rank) ^ g.salt)
}

// loopMix fills the trace with a loop over loopLen keys for one request
// in oneIn and Zipf-distributed other keys for the rest.
func (g *synthGen) loopMix(loopLen, oneIn int, z *zipf.Zipf) {
	loop := 0
	g.fill(func() uint64 {
		if g.r.IntN(oneIn) == 0 {
			loop = loop%loopLen + 1
			return g.key(1, loop)
		}
		return g.key(0, z.Sample(g.r))
	})
}

// back repeats the key requested d requests ago, d exponential with the
// given mean (clamped to the start of the trace).
func (g *synthGen) back(mean float64) uint64 {
	d := int(g.r.ExpFloat64() * mean)
	d = min(d, len(g.keys)-1)
	return g.keys[len(g.keys)-1-d]
}

// mix is MurmurHash3's 64-bit finaliser, a bijection.
func mix(x uint64) uint64 {
	x = (x ^ x>>33) * 0xff51afd7ed558ccd
	x = (x ^ x>>33) * 0xc4ceb9fe1a85ec53
	return x ^ x>>33
}

// WriteTrace writes keys as a gzip'd trace, one decimal key per line, the
// format ReadTrace reads.
func WriteTrace(w io.Writer, keys []uint64) error {
	zw := gzip.NewWriter(w)
	bw := bufio.NewWriterSize(zw, 1<<16)
	var buf [24]byte
	for _, k := range keys {
		b := strconv.AppendUint(buf[:0], k, 10)
		b = append(b, '\n')
		if _, err := bw.Write(b); err != nil {
			return err
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return zw.Close()
}
