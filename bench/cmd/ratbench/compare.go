package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ratmemcache/ratmemcache/bench/compare"
)

func runCompare(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	a := fs.String("a", "", "command of server A, with {port} (and optionally {dir}, a fresh temporary directory), e.g. 'memcached -p {port} -l 127.0.0.1 -t 1'")
	b := fs.String("b", "", "command of server B, with {port} (and optionally {dir})")
	pinA := fs.Int("pin-a", -1, "CPU to pin server A to with taskset (-1: no pinning)")
	pinB := fs.Int("pin-b", -1, "CPU to pin server B to with taskset (-1: no pinning)")
	pinLoad := fs.Int("pin-load", -1, "CPU to pin ratbench itself to with taskset (-1: no pinning); also sets GOMAXPROCS=1")
	rounds := fs.Int("rounds", 3, "A-then-B alternations per workload")
	duration := fs.Duration("duration", 5*time.Second, "measured duration of each run")
	warmup := fs.Duration("warmup", time.Second, "warm-up of each run")
	only := fs.String("workloads", "", "comma-separated substrings; run only the workloads whose names hold one (default: all)")
	format := fs.String("format", "table", "output: table, markdown or json")
	suite := fs.String("suite", "default", "workload set: default (memcached comparison) or l2 (ratmemcached's persistent tier: sets, and gets over a working set of twice -l1)")
	l1 := fs.Int64("l1", 64, "with -suite l2: the L1 size of the servers (their -m) in MiB, which sizes the 2x working set")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("compare: unexpected arguments %q", fs.Args())
	}
	if *a == "" || *b == "" {
		return errors.New("compare: -a and -b are required")
	}
	if *format != "table" && *format != "markdown" && *format != "json" {
		return fmt.Errorf("compare: unknown format %q", *format)
	}
	if *rounds < 1 || *duration <= 0 || *warmup < 0 {
		return errors.New("compare: -rounds and -duration must be positive, -warmup not negative")
	}
	if *pinLoad >= 0 {
		if err := pinSelf(*pinLoad); err != nil {
			return err
		}
	}
	var all []compare.Workload
	switch *suite {
	case "default":
		all = compare.DefaultWorkloads(*duration, *warmup)
	case "l2":
		if *l1 < 1 {
			return errors.New("compare: -l1 must be positive")
		}
		all = compare.L2Workloads(*duration, *warmup, *l1<<20)
	default:
		return fmt.Errorf("compare: unknown suite %q (want default or l2)", *suite)
	}
	var ws []compare.Workload
	for _, w := range all {
		if *only == "" || matchesAny(w.Name, *only) {
			ws = append(ws, w)
		}
	}
	if len(ws) == 0 {
		return fmt.Errorf("compare: no workload matches %q", *only)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := compare.Compare(ctx, compare.Options{
		A: *a, B: *b, PinA: *pinA, PinB: *pinB, Rounds: *rounds, Workloads: ws, Log: stderr,
	})
	if err != nil {
		return err
	}
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	fmt.Fprintf(stdout, "A = %s\nB = %s\n%d rounds, medians over rounds; ratios B/A (throughput: higher is better for B; p99: lower is better for B)\n\n", *a, *b, *rounds)
	return compare.Write(stdout, rep, *format == "markdown")
}

func matchesAny(name, list string) bool {
	for _, s := range strings.Split(list, ",") {
		if s = strings.TrimSpace(s); s != "" && strings.Contains(name, s) {
			return true
		}
	}
	return false
}

// pinSelf pins every thread of this process to cpu with taskset -a and
// runs Go on one P.
func pinSelf(cpu int) error {
	ts := compare.Taskset()
	if ts == "" {
		return errors.New("compare: -pin-load needs taskset, which is not installed")
	}
	out, err := exec.Command(ts, "-a", "-p", "-c", strconv.Itoa(cpu), strconv.Itoa(os.Getpid())).CombinedOutput()
	if err != nil {
		return fmt.Errorf("compare: taskset: %w: %s", err, out)
	}
	runtime.GOMAXPROCS(1)
	return nil
}
