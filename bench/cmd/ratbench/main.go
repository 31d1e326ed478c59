// Command ratbench holds RatMemCache's benchmarking tools.
//
// Usage:
//
//	ratbench sim -trace FILE[,FILE...] -sizes N[,N...] -policies P[,P...] [-format table|csv|markdown]
//	ratbench synth -o DIR [-kinds K[,K...]] [-requests N] [-seed S]
//
// sim replays gzip'd key traces (one decimal key per line) through the
// engine's eviction policies, every entry of weight 1, starting empty, a
// miss inserting the key, and prints one row per (trace, size, policy).
// Besides the engine's policies, "otter", "golang-lru", "golang-lru-arc"
// and "golang-lru-2q" replay through those libraries for reference.
//
// synth writes synthetic traces for sim (DIR/syn-KIND.keys.gz): skewed,
// scanning, looping, drifting, phased and recency-driven workloads over
// millions of requests and keys, for caches larger than the public traces
// can fill (-list describes them).
//
// load drives one server with a workload; compare runs workloads against
// two servers it starts (-suite default, or -suite l2 for ratmemcached's
// persistent tier); mem measures two servers' RSS idle, per item and per
// idle connection. Each prints its flags with -h.
package main

import (
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/ratmemcache/ratmemcache/bench/sim"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "ratbench:", err)
		}
		os.Exit(2)
	}
}

const usage = `usage: ratbench sim -trace FILE[,FILE...] -sizes N[,N...] -policies P[,P...] [-format table|csv|markdown]
       ratbench synth -o DIR [-kinds K[,K...]] [-requests N] [-seed S]
       ratbench load -server HOST:PORT [flags]   (ratbench load -h for the flags)
       ratbench compare -a CMD -b CMD [flags]     (ratbench compare -h for the flags)
       ratbench mem -a CMD [-b CMD] [flags]       (ratbench mem -h for the flags)`

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return errors.New("missing command")
	}
	switch args[0] {
	case "sim":
		return runSim(args[1:], stdout, stderr)
	case "synth":
		return runSynth(args[1:], stdout, stderr)
	case "load":
		return runLoad(args[1:], stdout, stderr)
	case "compare":
		return runCompare(args[1:], stdout, stderr)
	case "mem":
		return runMem(args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	fmt.Fprintln(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

func runSim(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	traces := fs.String("trace", "", "comma-separated trace files (gzip'd, one key per line)")
	sizes := fs.String("sizes", "", "comma-separated cache sizes in entries")
	policies := fs.String("policies", "lru", "comma-separated policies: "+strings.Join(sim.PolicyNames(), ", ")+", or all")
	format := fs.String("format", "table", "output format: table, csv or markdown")
	shards := fs.Int("shards", 1, "split each cache over this many shards by key hash, as the engine does")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("sim: unexpected arguments %q", fs.Args())
	}
	if *shards < 1 {
		return fmt.Errorf("sim: bad -shards %d: want at least 1", *shards)
	}
	files := splitList(*traces)
	if len(files) == 0 {
		return errors.New("sim: -trace is required")
	}
	var ns []int
	for _, s := range splitList(*sizes) {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return fmt.Errorf("sim: bad size %q: want a positive integer", s)
		}
		if n < *shards {
			return fmt.Errorf("sim: size %d is smaller than -shards %d", n, *shards)
		}
		ns = append(ns, n)
	}
	if len(ns) == 0 {
		return errors.New("sim: -sizes is required")
	}
	pols := splitList(*policies)
	if len(pols) == 1 && pols[0] == "all" {
		pols = sim.PolicyNames()
	}
	for _, p := range pols {
		if !sim.KnownPolicy(p) {
			return fmt.Errorf("sim: unknown policy %q (known: %s)", p, strings.Join(sim.PolicyNames(), ", "))
		}
	}
	switch *format {
	case "table", "csv", "markdown":
	default:
		return fmt.Errorf("sim: unknown format %q (want table, csv or markdown)", *format)
	}

	var results []sim.Result
	for _, f := range files {
		keys, err := sim.ReadTrace(f)
		if err != nil {
			return err
		}
		rs, err := replayAll(keys, ns, pols, *shards)
		if err != nil {
			return err
		}
		name := traceName(f)
		for i := range rs {
			rs[i].Trace = name
		}
		results = append(results, rs...)
	}
	return write(stdout, *format, results)
}

// replayAll replays keys for every (size, policy) pair in parallel and
// returns the results in size-major order.
func replayAll(keys []uint64, sizes []int, policies []string, shards int) ([]sim.Result, error) {
	out := make([]sim.Result, len(sizes)*len(policies))
	errs := make([]error, len(out))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i, n := range sizes {
		for j, p := range policies {
			k := i*len(policies) + j
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				out[k], errs[k] = sim.ReplaySharded(keys, n, p, shards)
			})
		}
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// traceName is a file's base name without ".gz" and ".keys".
func traceName(path string) string {
	b := filepath.Base(path)
	b = strings.TrimSuffix(b, ".gz")
	return strings.TrimSuffix(b, ".keys")
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func row(r sim.Result) []string {
	return []string{
		r.Trace,
		strconv.Itoa(r.Size),
		r.Policy,
		strconv.FormatUint(r.Requests, 10),
		strconv.FormatUint(r.Hits, 10),
		strconv.FormatFloat(r.HitRatio(), 'f', 2, 64),
	}
}

var header = []string{"trace", "size", "policy", "requests", "hits", "hit_ratio"}

func write(w io.Writer, format string, results []sim.Result) error {
	switch format {
	case "csv":
		cw := csv.NewWriter(w)
		if err := cw.Write(header); err != nil {
			return err
		}
		for _, r := range results {
			if err := cw.Write(row(r)); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	case "markdown":
		fmt.Fprintf(w, "| %s |\n", strings.Join(header, " | "))
		fmt.Fprintln(w, "|---|---:|---|---:|---:|---:|")
		for _, r := range results {
			fmt.Fprintf(w, "| %s |\n", strings.Join(row(r), " | "))
		}
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%s\t\n", strings.Join(header, "\t"))
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t\n", strings.Join(row(r), "\t"))
	}
	return tw.Flush()
}
