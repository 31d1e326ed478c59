package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ratmemcache/ratmemcache/bench/sim"
)

// runSynth writes synthetic traces for sim: one gzip'd file per kind,
// DIR/syn-KIND.keys.gz.
func runSynth(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("synth", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("o", "", "directory to write the traces to (created if missing)")
	kinds := fs.String("kinds", "all", "comma-separated kinds: "+strings.Join(sim.SynthNames(), ", ")+", or all")
	requests := fs.Int("requests", 3_000_000, "requests per trace")
	seed := fs.Uint64("seed", 1, "random seed")
	list := fs.Bool("list", false, "describe the kinds and exit")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: ratbench synth -o DIR [-kinds K[,K...]] [-requests N] [-seed S]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("synth: unexpected arguments %q", fs.Args())
	}
	if *list {
		for _, k := range sim.SynthNames() {
			fmt.Fprintf(stdout, "%-14s %s\n", k, sim.SynthDoc(k))
		}
		return nil
	}
	if *dir == "" {
		return errors.New("synth: -o is required")
	}
	names := splitList(*kinds)
	if len(names) == 1 && names[0] == "all" {
		names = sim.SynthNames()
	}
	for _, k := range names {
		if !slices.Contains(sim.SynthNames(), k) {
			return fmt.Errorf("synth: unknown kind %q (known: %s)", k, strings.Join(sim.SynthNames(), ", "))
		}
	}
	if *requests < 1 {
		return fmt.Errorf("synth: -requests %d: want at least 1", *requests)
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}
	for _, k := range names {
		keys, err := sim.Synth(k, *requests, *seed)
		if err != nil {
			return err
		}
		path := filepath.Join(*dir, "syn-"+k+".keys.gz")
		if err := writeTraceFile(path, keys); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: %d requests\n", path, len(keys))
	}
	return nil
}

func writeTraceFile(path string, keys []uint64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := sim.WriteTrace(f, keys); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
}
