package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/ratmemcache/ratmemcache/bench/load"
)

// workloadFlags registers the workload flags shared by load (and used
// by tests) on fs and returns a function that builds the Config.
func workloadFlags(fs *flag.FlagSet) func() (load.Config, error) {
	proto := fs.String("protocol", "text", "wire protocol: text or meta")
	conns := fs.Int("conns", 1, "connections")
	pipeline := fs.Int("pipeline", 1, "requests in flight per connection")
	ratio := fs.String("ratio", "9:1", "get:set ratio, e.g. 9:1, 1:0 (gets only), 0:1 (sets only)")
	multi := fs.Int("multiget", 1, "keys per get")
	sizes := fs.String("sizes", "100", "value sizes: N, LO-HI (uniform), or N[:W],N[:W]... (weighted list); K/M suffixes = 1024/1024²")
	keys := fs.Int("keys", load.DefaultKeys, "key-space size")
	dist := fs.String("dist", "uniform", "key distribution: uniform or zipf:S (e.g. zipf:0.99)")
	prefix := fs.String("key-prefix", load.DefaultKeyPrefix, "key prefix")
	duration := fs.Duration("duration", load.DefaultDuration, "measured duration (ignored with -requests)")
	requests := fs.Int64("requests", 0, "measured request count, instead of a duration")
	warmup := fs.Duration("warmup", time.Second, "unmeasured warm-up before the measurement")
	prefill := fs.Bool("prefill", false, "set every key once before the warm-up")
	flush := fs.Bool("flush", false, "send flush_all first")
	rate := fs.Float64("rate", 0, "offered load in requests/s over all connections (open loop; latency from the intended send time); 0 = closed loop")
	seed := fs.Uint64("seed", 1, "random seed")
	return func() (load.Config, error) {
		var c load.Config
		var err error
		if c.Protocol, err = load.ParseProtocol(*proto); err != nil {
			return c, err
		}
		if c.Ratio, err = load.ParseRatio(*ratio); err != nil {
			return c, err
		}
		if c.Sizes, err = load.ParseSizes(*sizes); err != nil {
			return c, err
		}
		if c.KeyDist, err = load.ParseKeyDist(*dist); err != nil {
			return c, err
		}
		if *conns < 1 || *pipeline < 1 || *multi < 1 || *keys < 1 {
			return c, errors.New("-conns, -pipeline, -multiget and -keys must be positive")
		}
		if *rate < 0 || *requests < 0 || *duration < 0 || *warmup < 0 {
			return c, errors.New("-rate, -requests, -duration and -warmup must not be negative")
		}
		c.Conns, c.Pipeline, c.MultiGet, c.Keys = *conns, *pipeline, *multi, *keys
		c.KeyPrefix = *prefix
		c.Duration, c.Requests, c.Warmup = *duration, *requests, *warmup
		c.Prefill, c.Flush, c.Rate, c.Seed = *prefill, *flush, *rate, *seed
		return c, nil
	}
}

func runLoad(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	server := fs.String("server", "127.0.0.1:11211", "server address host:port")
	format := fs.String("format", "table", "output: table or json")
	build := workloadFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("load: unexpected arguments %q", fs.Args())
	}
	if *format != "table" && *format != "json" {
		return fmt.Errorf("load: unknown format %q (want table or json)", *format)
	}
	cfg, err := build()
	if err != nil {
		return fmt.Errorf("load: %w", err)
	}
	cfg.Addr = *server
	if isTerminal(stderr) {
		cfg.Progress = func(p load.Progress) {
			phase := "warm-up"
			if p.Measuring {
				phase = "measuring"
			}
			fmt.Fprintf(stderr, "\r%6.1fs %-9s %12.0f ops/s  %d ops  %d errors   ", p.Elapsed.Seconds(), phase, p.OpsPerSec, p.Ops, p.Errors)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := load.Run(ctx, cfg)
	if cfg.Progress != nil {
		fmt.Fprint(stderr, "\r\033[K")
	}
	if err != nil {
		return err
	}
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	return writeLoadTable(stdout, res)
}

func writeLoadTable(w io.Writer, r *load.Result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "server\t%s (%s, %d conns, pipeline %d", r.Addr, r.Protocol, r.Conns, r.Pipeline)
	if r.Rate > 0 {
		fmt.Fprintf(tw, ", offered %.0f ops/s", r.Rate)
	}
	fmt.Fprintln(tw, ")")
	fmt.Fprintf(tw, "measured\t%.3f s\n", r.Elapsed.Seconds())
	fmt.Fprintf(tw, "ops/s\t%.0f\n", r.OpsPerSec)
	fmt.Fprintf(tw, "ops\t%d (gets %d, sets %d)\n", r.Ops, r.Gets, r.Sets)
	fmt.Fprintf(tw, "hit ratio\t%.4f (%d of %d keys)\n", r.HitRatio, r.Hits, r.Keys)
	fmt.Fprintf(tw, "errors\t%d\n", r.Errors)
	if r.Unsent > 0 {
		fmt.Fprintf(tw, "unsent\t%d (due but not sent by the end: the offered rate was not reached)\n", r.Unsent)
	}
	l := r.Latency
	fmt.Fprintf(tw, "latency\tp50 %s  p90 %s  p99 %s  p99.9 %s  max %s  mean %s\n",
		us(l.P50), us(l.P90), us(l.P99), us(l.P999), us(l.Max), us(l.Mean))
	return tw.Flush()
}

// us formats d in microseconds.
func us(d time.Duration) string {
	return fmt.Sprintf("%.0fµs", float64(d)/1e3)
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
