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
	"time"

	"github.com/ratmemcache/ratmemcache/bench/mem"
)

func runMem(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("mem", flag.ContinueOnError)
	fs.SetOutput(stderr)
	a := fs.String("a", "", "command of server A, with {port} (and optionally {dir}), e.g. 'memcached -p {port} -l 127.0.0.1 -t 1 -U 0 -m 1024 -c 11000'")
	b := fs.String("b", "", "command of server B (optional), measured after A in each round")
	pinA := fs.Int("pin-a", -1, "CPU to pin server A to with taskset (-1: no pinning)")
	pinB := fs.Int("pin-b", -1, "CPU to pin server B to with taskset (-1: no pinning)")
	items := fs.Int("items", mem.DefaultItems, "items to store (0: skip the items phase)")
	keySize := fs.Int("key-size", mem.DefaultKeySize, "key length in bytes")
	valueSize := fs.Int("value-size", mem.DefaultValueSize, "value length in bytes")
	conns := fs.Int("conns", mem.DefaultConns, "idle connections to open (0: skip the connections phase); the servers' connection limits (-c) must allow them")
	settle := fs.Duration("settle", mem.DefaultSettle, "wait before each RSS reading")
	rounds := fs.Int("rounds", 1, "measurements of each server (A then B, alternating)")
	format := fs.String("format", "table", "output: table, markdown or json")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("mem: unexpected arguments %q", fs.Args())
	}
	if *a == "" {
		return errors.New("mem: -a is required")
	}
	if *format != "table" && *format != "markdown" && *format != "json" {
		return fmt.Errorf("mem: unknown format %q", *format)
	}
	if *items < 0 || *conns < 0 || *keySize < 1 || *valueSize < 0 || *rounds < 1 || *settle < 0 {
		return errors.New("mem: -items, -conns, -value-size must not be negative; -key-size and -rounds must be positive")
	}
	if *items == 0 && *conns == 0 {
		return errors.New("mem: nothing to measure (-items 0 and -conns 0)")
	}
	skip := func(n int) int {
		if n == 0 {
			return -1
		}
		return n
	}
	cfgs := []mem.Config{{Name: "A", Cmd: *a, Pin: *pinA}}
	if *b != "" {
		cfgs = append(cfgs, mem.Config{Name: "B", Cmd: *b, Pin: *pinB})
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var results []*mem.Result
	for round := range *rounds {
		for _, c := range cfgs {
			c.Items, c.KeySize, c.ValueSize, c.Conns = skip(*items), *keySize, *valueSize, skip(*conns)
			c.Settle = *settle
			if *settle == 0 {
				c.Settle = time.Nanosecond
			}
			c.Log = stderr
			if *rounds > 1 {
				c.Name = fmt.Sprintf("%s round %d", c.Name, round+1)
			}
			r, err := mem.Measure(ctx, c)
			if err != nil {
				return err
			}
			results = append(results, r)
		}
	}
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(results)
	}
	fmt.Fprintf(stdout, "A = %s\n", *a)
	if *b != "" {
		fmt.Fprintf(stdout, "B = %s\n", *b)
	}
	fmt.Fprintf(stdout, "items: %d, %d-byte keys, %d-byte values; %d idle connections; RSS read %v after each step\n\n", *items, *keySize, *valueSize, *conns, *settle)
	return mem.Write(stdout, results, *format == "markdown")
}
