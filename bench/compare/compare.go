// Package compare runs the same workloads against two memcached-compatible
// servers, A and B, in alternation, and reports B's results relative to
// A's.
//
// Each server is a command line holding a {port} placeholder (and,
// optionally, {dir}: a fresh temporary directory per server); Compare
// picks a free loopback port for each, starts both (optionally pinned to
// a CPU with taskset), and for every workload runs A then B, Rounds
// times, so that drift in a shared machine's load hits both alike. Both
// servers are stopped, by the PIDs Compare started, before it returns,
// whatever happened.
package compare

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/ratmemcache/ratmemcache/bench/load"
)

// Workload is one named load configuration; Addr is filled in per server.
type Workload struct {
	Name   string
	Config load.Config
}

// OneMB is the value size of the "1MB" workload: 1,000,000 bytes, since a
// 1 MiB value does not fit memcached's default 1 MiB item limit once the
// item header and key are counted.
const OneMB = 1000000

// LatencyRate is the offered rate of the fixed-rate latency workload.
const LatencyRate = 50000

// DefaultWorkloads returns the standard workloads, each measured for
// duration after warmup, every run starting from an emptied (flush_all)
// and pre-filled server.
func DefaultWorkloads(duration, warmup time.Duration) []Workload {
	base := func(conns, keys int, size int, ratio load.Ratio) load.Config {
		return load.Config{
			Conns: conns, Pipeline: 1, Ratio: ratio, MultiGet: 1, Sizes: load.FixedSize(size),
			Keys: keys, Duration: duration, Warmup: warmup, Flush: true, Prefill: true, Seed: 1,
		}
	}
	getHeavy := load.Ratio{Gets: 9, Sets: 1}
	w := []Workload{
		{"get-heavy 90:10 100B 50c", base(50, 100000, 100, getHeavy)},
		{"get-heavy 90:10 100B 50c pipeline 16", base(50, 100000, 100, getHeavy)},
		{"set-only 1KB 50c", base(50, 10000, 1024, load.Ratio{Sets: 1})},
		{"multi-get 10 keys 100B 50c", base(50, 100000, 100, load.Ratio{Gets: 1})},
		{"64KB values 90:10 50c", base(50, 500, 64<<10, getHeavy)},
		{"1MB values 90:10 10c", base(10, 32, OneMB, getHeavy)},
		{"fixed 50k ops/s 90:10 100B 50c", base(50, 100000, 100, getHeavy)},
		{"fixed 10k ops/s 90:10 100B 50c", base(50, 100000, 100, getHeavy)},
	}
	w[1].Config.Pipeline = 16
	w[3].Config.MultiGet = 10
	w[6].Config.Rate = LatencyRate
	w[7].Config.Rate = LatencyRate / 5
	return w
}

// L1ItemBytes is what one item of the L2 suite (a 15-byte key and a
// 100-byte value) costs in ratmemcached's L1: the engine's accounted
// 183 bytes per item measured in docs/benchmarks.md ("Engine"), rounded
// up. L2Workloads sizes its working set with it.
const L1ItemBytes = 184

// WorkingSetKeys returns the number of 100-byte items whose L1 cost is
// factor times l1Bytes.
func WorkingSetKeys(l1Bytes int64, factor float64) int {
	return int(float64(l1Bytes) * factor / L1ItemBytes)
}

// L2Workloads returns the workloads of the L2 suite, meant for
// ratmemcached with its persistent tier on (for example -a with
// --no-l2, -b with --data-dir {dir} --durability MODE): sets, whose
// throughput depends on the durability mode, and gets over a working
// set of twice l1Bytes (the server's -m), pre-filled, so that L1 holds
// about half of it and L2 serves the other half.
func L2Workloads(duration, warmup time.Duration, l1Bytes int64) []Workload {
	base := func(conns, keys int, size int, ratio load.Ratio) load.Config {
		return load.Config{
			Conns: conns, Pipeline: 1, Ratio: ratio, MultiGet: 1, Sizes: load.FixedSize(size),
			Keys: keys, Duration: duration, Warmup: warmup, Flush: true, Prefill: true, Seed: 1,
		}
	}
	ws := WorkingSetKeys(l1Bytes, 2)
	w := []Workload{
		{"set-only 100B 50c", base(50, 100000, 100, load.Ratio{Sets: 1})},
		{"set-only 100B 50c pipeline 16", base(50, 100000, 100, load.Ratio{Sets: 1})},
		{"set-only 1KB 50c", base(50, 10000, 1024, load.Ratio{Sets: 1})},
		{"get-only 100B 50c working set 2x L1", base(50, ws, 100, load.Ratio{Gets: 1})},
		{"get-heavy 90:10 100B 50c working set 2x L1", base(50, ws, 100, load.Ratio{Gets: 9, Sets: 1})},
	}
	w[1].Config.Pipeline = 16
	return w
}

// Options configures Compare.
type Options struct {
	// A and B are the server commands, split on spaces (no shell
	// quoting), each with a {port} placeholder.
	A, B string
	// PinA and PinB are the CPUs to pin the servers to with taskset, or
	// -1 for no pinning.
	PinA, PinB int
	// Rounds is the number of A-then-B alternations per workload (1 if
	// zero).
	Rounds    int
	Workloads []Workload
	// Log, if set, receives a line per run.
	Log io.Writer
}

// Round is one A run and one B run of a workload.
type Round struct {
	A, B *load.Result
	// ACPU and BCPU are the server's CPU use over the whole run (pre-fill
	// and warm-up included), in CPUs (1 = one core busy), or -1 when
	// unknown.
	ACPU, BCPU float64
	// ATier and BTier split the server's hits between its tiers, or are
	// nil for a server without tier stats.
	ATier, BTier *Tier `json:",omitempty"`
}

// WorkloadReport holds the rounds of one workload.
type WorkloadReport struct {
	Name   string
	Rate   float64
	Rounds []Round
	// Err describes the run that failed, if one did; Rounds then holds
	// the rounds completed before it.
	Err string `json:",omitempty"`
}

// Report is the outcome of Compare.
type Report struct {
	A, B      string
	Workloads []WorkloadReport
}

// Stats of a series: median, min and max.
type Stats struct{ Median, Min, Max float64 }

// Summarize returns the median, min and max of xs (all zero when empty).
func Summarize(xs []float64) Stats {
	if len(xs) == 0 {
		return Stats{}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return Stats{Median: m, Min: s[0], Max: s[len(s)-1]}
}

// Series extracts f from the rounds of w for A and B, and the ratios B/A.
func (w *WorkloadReport) Series(f func(*load.Result) float64) (a, b, ratio []float64) {
	for _, r := range w.Rounds {
		x, y := f(r.A), f(r.B)
		a, b = append(a, x), append(b, y)
		if x != 0 {
			ratio = append(ratio, y/x)
		}
	}
	return a, b, ratio
}

// Compare starts both servers, runs every workload against A and B in
// alternation, and stops both servers.
func Compare(ctx context.Context, o Options) (rep *Report, err error) {
	if o.Rounds <= 0 {
		o.Rounds = 1
	}
	if len(o.Workloads) == 0 {
		return nil, errors.New("compare: no workloads")
	}
	a, err := StartServer(ctx, "A", o.A, o.PinA)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, a.Stop()) }()
	b, err := StartServer(ctx, "B", o.B, o.PinB)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, b.Stop()) }()

	rep = &Report{A: o.A, B: o.B}
	for _, w := range o.Workloads {
		wr := WorkloadReport{Name: w.Name, Rate: w.Config.Rate}
		for round := range o.Rounds {
			var r Round
			for _, s := range []*Server{a, b} {
				cfg := w.Config
				cfg.Addr = s.Addr
				cpu0 := s.CPUTime()
				tier0 := readTier(ctx, s.Addr)
				t0 := time.Now()
				res, err := load.Run(ctx, cfg)
				if err != nil {
					if ctx.Err() != nil {
						return rep, ctx.Err()
					}
					// Record the failure and go on with the next workload.
					wr.Err = fmt.Sprintf("%s on %s: %v%s", w.Name, s.Name, err, s.ExitNote())
					if o.Log != nil {
						fmt.Fprintf(o.Log, "round %d/%d %-36s %s: FAILED: %s\n", round+1, o.Rounds, w.Name, s.Name, wr.Err)
					}
					break
				}
				cpu := -1.0
				if c1 := s.CPUTime(); cpu0 >= 0 && c1 >= 0 {
					cpu = (c1 - cpu0) / time.Since(t0).Seconds()
				}
				tier := tier0.delta(readTier(ctx, s.Addr))
				if s == a {
					r.A, r.ACPU, r.ATier = res, cpu, tier
				} else {
					r.B, r.BCPU, r.BTier = res, cpu, tier
				}
				if o.Log != nil {
					fmt.Fprintf(o.Log, "round %d/%d %-36s %s: %10.0f ops/s  p99 %7.0fµs  hit %.3f  errors %d  unsent %d  server cpu %.2f%s\n",
						round+1, o.Rounds, w.Name, s.Name, res.OpsPerSec, float64(res.Latency.P99)/1e3, res.HitRatio, res.Errors, res.Unsent, cpu, tier.String())
				}
			}
			if wr.Err != "" {
				break
			}
			wr.Rounds = append(wr.Rounds, r)
		}
		rep.Workloads = append(rep.Workloads, wr)
	}
	return rep, nil
}

// Tier counts the gets a two-tier server answered from each tier during
// a run, from the differences of its ratmemcache_l1_hits,
// ratmemcache_l2_hits and ratmemcache_l2_misses stats (ratmemcached
// with its L2 on reports them; memcached does not).
type Tier struct {
	L1Hits   uint64 `json:"l1_hits"`
	L2Hits   uint64 `json:"l2_hits"`
	L2Misses uint64 `json:"l2_misses"`
}

// L2Share is the fraction of hits that L2 served.
func (t *Tier) L2Share() float64 {
	if t == nil || t.L1Hits+t.L2Hits == 0 {
		return 0
	}
	return float64(t.L2Hits) / float64(t.L1Hits+t.L2Hits)
}

func (t *Tier) String() string {
	if t == nil {
		return ""
	}
	return fmt.Sprintf("  L1 hits %d  L2 hits %d  L2 misses %d", t.L1Hits, t.L2Hits, t.L2Misses)
}

// readTier reads the tier counters, or returns nil when the server has
// none (or the stats cannot be read: tier figures are optional).
func readTier(ctx context.Context, addr string) *Tier {
	m, err := ReadStats(ctx, addr)
	if err != nil {
		return nil
	}
	l1, ok1 := StatUint(m, "ratmemcache_l1_hits")
	l2, ok2 := StatUint(m, "ratmemcache_l2_hits")
	miss, ok3 := StatUint(m, "ratmemcache_l2_misses")
	if !ok1 || !ok2 || !ok3 {
		return nil
	}
	return &Tier{L1Hits: l1, L2Hits: l2, L2Misses: miss}
}

// delta returns the counts from t to later, or nil if either is nil.
func (t *Tier) delta(later *Tier) *Tier {
	if t == nil || later == nil {
		return nil
	}
	return &Tier{L1Hits: later.L1Hits - t.L1Hits, L2Hits: later.L2Hits - t.L2Hits, L2Misses: later.L2Misses - t.L2Misses}
}
