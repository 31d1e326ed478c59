// Package load drives a memcached-compatible server with a configurable
// workload and measures throughput, hit ratio and latency.
//
// # Model
//
// Each of Config.Conns connections keeps up to Config.Pipeline requests
// in flight. Without Config.Rate the run is closed-loop: a connection
// sends as soon as a reply frees a slot, so throughput is what the server
// sustains, and a request's latency runs from when it was written. With
// Config.Rate the run is open-loop: requests are due at fixed intervals,
// whatever the replies do, and latency runs from the time a request was
// due, not the time it was sent, so that a stalled server is charged for
// the requests it kept waiting (no coordinated omission).
//
// A request is a get of Config.MultiGet keys or a set of one key, mixed
// by Config.Ratio; keys are drawn from [0, Config.Keys) by
// Config.KeyDist, value sizes by Config.Sizes. A run may flush the
// server, pre-fill every key, and warm up for Config.Warmup before the
// measured phase, which lasts Config.Duration or Config.Requests
// requests.
//
// # Cost
//
// In the steady state a request costs no allocation: buffers, key and
// value bytes, and the reply parser's state are reused, and each
// connection records into its own histogram.
package load

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ratmemcache/ratmemcache/bench/hist"
)

// Protocol selects the wire protocol.
type Protocol uint8

const (
	// Text is the classic text protocol: get (multi-key), set.
	Text Protocol = iota
	// Meta is the meta protocol: mg with v, ms; a multi-get is a pipeline
	// of quiet mg ended by mn.
	Meta
)

// ParseProtocol parses "text" or "meta".
func ParseProtocol(s string) (Protocol, error) {
	switch s {
	case "text":
		return Text, nil
	case "meta":
		return Meta, nil
	}
	return 0, fmt.Errorf("unknown protocol %q (want text or meta)", s)
}

func (p Protocol) String() string {
	if p == Meta {
		return "meta"
	}
	return "text"
}

// Defaults used when a Config field is zero.
const (
	DefaultConns     = 1
	DefaultPipeline  = 1
	DefaultMultiGet  = 1
	DefaultKeys      = 10000
	DefaultKeyPrefix = "ratbench:"
	DefaultDuration  = 10 * time.Second
	// DefaultValueSize is the value size when Config.Sizes is the zero
	// value.
	DefaultValueSize = 100
	// DrainTimeout is how long a run waits for outstanding replies after
	// its last request before it gives up with an error.
	DrainTimeout = 10 * time.Second
)

// Config describes a run. Zero fields take the defaults above; Run never
// modifies it.
type Config struct {
	// Addr is the server's TCP address, host:port.
	Addr     string
	Protocol Protocol
	// Conns is the number of connections.
	Conns int
	// Pipeline is the number of requests each connection keeps in flight.
	Pipeline int
	// Ratio is the get:set mix; the zero value means 9:1.
	Ratio Ratio
	// MultiGet is the number of keys in each get.
	MultiGet int
	// Sizes is the value-size distribution of sets (and of the pre-fill).
	Sizes Sizes
	// Keys is the size of the key space.
	Keys    int
	KeyDist KeyDist
	// KeyPrefix starts every key; keys are KeyPrefix followed by the
	// key's index in decimal, zero-padded to the width of Keys-1.
	KeyPrefix string
	// Duration is the length of the measured phase, unless Requests is
	// set.
	Duration time.Duration
	// Requests, when positive, ends the measured phase after exactly this
	// many requests (spread over the connections) instead of a duration.
	Requests int64
	// Warmup runs the workload unmeasured for this long first.
	Warmup time.Duration
	// Flush sends flush_all before anything else.
	Flush bool
	// Prefill sets every key once, before the warm-up.
	Prefill bool
	// Rate, when positive, is the offered load in requests per second
	// over all connections (open-loop); zero runs closed-loop.
	Rate float64
	// Seed seeds the random streams (one per connection derived from it).
	Seed uint64
	// Progress, if set, is called about once a second from another
	// goroutine while the run lasts.
	Progress func(Progress)
}

// Progress is a snapshot of a running run.
type Progress struct {
	// Elapsed is the time since the start of the run (pre-fill and
	// warm-up included); Measuring reports whether the measured phase
	// has begun.
	Elapsed   time.Duration
	Measuring bool
	// Ops is the number of measured requests completed so far, OpsPerSec
	// the rate over the last interval.
	Ops       uint64
	OpsPerSec float64
	Errors    uint64
}

func (c *Config) withDefaults() Config {
	d := *c
	if d.Conns <= 0 {
		d.Conns = DefaultConns
	}
	if d.Pipeline <= 0 {
		d.Pipeline = DefaultPipeline
	}
	if d.Ratio == (Ratio{}) {
		d.Ratio = Ratio{Gets: 9, Sets: 1}
	}
	if d.MultiGet <= 0 {
		d.MultiGet = DefaultMultiGet
	}
	if d.Sizes.text == "" && d.Sizes.list == nil && d.Sizes.hi == 0 {
		d.Sizes = FixedSize(DefaultValueSize)
	}
	if d.Keys <= 0 {
		d.Keys = DefaultKeys
	}
	if d.KeyPrefix == "" {
		d.KeyPrefix = DefaultKeyPrefix
	}
	if d.Duration <= 0 && d.Requests <= 0 {
		d.Duration = DefaultDuration
	}
	return d
}

func (c *Config) validate() error {
	if c.Addr == "" {
		return errors.New("load: no server address")
	}
	if len(c.KeyPrefix)+len(fmt.Sprint(c.Keys-1)) > 250 {
		return errors.New("load: keys longer than 250 bytes")
	}
	if c.KeyDist.Zipf && !(c.KeyDist.S > 0) {
		return errors.New("load: Zipf exponent must be positive")
	}
	if c.Rate < 0 || math.IsNaN(c.Rate) || math.IsInf(c.Rate, 0) {
		return errors.New("load: bad rate")
	}
	if c.Ratio.Gets < 0 || c.Ratio.Sets < 0 || c.Ratio.Gets+c.Ratio.Sets == 0 {
		return errors.New("load: bad get:set ratio")
	}
	if c.Protocol != Text && c.Protocol != Meta {
		return errors.New("load: unknown protocol")
	}
	return nil
}

// Result is what a run measured, over its measured phase only.
type Result struct {
	Addr     string  `json:"addr"`
	Protocol string  `json:"protocol"`
	Conns    int     `json:"conns"`
	Pipeline int     `json:"pipeline"`
	Rate     float64 `json:"offered_rate,omitempty"`

	// Elapsed is the length of the measured phase.
	Elapsed time.Duration `json:"elapsed_ns"`
	// Ops = Gets + Sets, requests completed in the measured phase.
	Ops  uint64 `json:"ops"`
	Gets uint64 `json:"gets"`
	Sets uint64 `json:"sets"`
	// Keys is the number of keys the gets asked for; Hits how many were
	// returned.
	Keys uint64 `json:"keys"`
	Hits uint64 `json:"hits"`
	// Errors counts error replies (ERROR, CLIENT_ERROR, SERVER_ERROR,
	// NOT_STORED/NS).
	Errors    uint64  `json:"errors"`
	OpsPerSec float64 `json:"ops_per_sec"`
	HitRatio  float64 `json:"hit_ratio"`
	// Latency of measured requests.
	Latency Latency `json:"latency"`

	// Unsent counts, in an open-loop run with a duration, the requests
	// that were due before the end but not sent by then because the
	// connections' windows were full: the offered rate was not reached.
	Unsent uint64 `json:"unsent"`

	// Sent and Received count every request written and every reply
	// read over the whole run (pre-fill and warm-up included), as a
	// consistency check: they are equal at the end of a good run.
	Sent     uint64 `json:"sent"`
	Received uint64 `json:"received"`

	// Histogram holds the latencies in nanoseconds.
	Histogram *hist.Histogram `json:"-"`
}

// Latency summarises a latency histogram.
type Latency struct {
	P50  time.Duration `json:"p50_ns"`
	P90  time.Duration `json:"p90_ns"`
	P99  time.Duration `json:"p99_ns"`
	P999 time.Duration `json:"p999_ns"`
	Max  time.Duration `json:"max_ns"`
	Mean time.Duration `json:"mean_ns"`
}

// Summarize reads the usual quantiles from h.
func Summarize(h *hist.Histogram) Latency {
	return Latency{
		P50:  time.Duration(h.ValueAt(0.50)),
		P90:  time.Duration(h.ValueAt(0.90)),
		P99:  time.Duration(h.ValueAt(0.99)),
		P999: time.Duration(h.ValueAt(0.999)),
		Max:  time.Duration(h.Max()),
		Mean: time.Duration(h.Mean()),
	}
}

// Run runs the workload cfg describes and returns what it measured.
// Cancelling ctx stops the run, closes its connections and returns
// ctx's error.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	c := cfg.withDefaults()
	if err := c.validate(); err != nil {
		return nil, err
	}
	conns := make([]net.Conn, 0, c.Conns)
	defer func() {
		for _, nc := range conns {
			nc.Close()
		}
	}()
	var d net.Dialer
	d.Timeout = 5 * time.Second
	for range c.Conns {
		nc, err := d.DialContext(ctx, "tcp", c.Addr)
		if err != nil {
			return nil, fmt.Errorf("load: dial %s: %w", c.Addr, err)
		}
		if tc, ok := nc.(*net.TCPConn); ok {
			_ = tc.SetNoDelay(true)
		}
		conns = append(conns, nc)
	}

	// Closing the connections unblocks every worker when ctx ends.
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	stopWatch := context.AfterFunc(runCtx, func() {
		for _, nc := range conns {
			nc.Close()
		}
	})
	defer stopWatch()

	base := time.Now()
	shared := &shared{cfg: &c, base: base, picker: newKeyPicker(c.KeyDist, c.Keys), keyWidth: len(fmt.Sprint(c.Keys - 1))}
	workers := make([]*worker, c.Conns)
	for i, nc := range conns {
		workers[i] = newWorker(shared, i, nc)
	}

	if c.Flush {
		if err := workers[0].flushAll(); err != nil {
			return nil, wrapCtx(ctx, err)
		}
	}
	if c.Prefill {
		err := runAll(workers, func(w *worker) error {
			lo := c.Keys * w.id / c.Conns
			hi := c.Keys * (w.id + 1) / c.Conns
			return w.prefill(lo, hi)
		})
		if err != nil {
			return nil, wrapCtx(ctx, err)
		}
	}

	now := time.Since(base)
	shared.measureFrom = int64(now + c.Warmup)
	if c.Requests <= 0 {
		shared.end = shared.measureFrom + int64(c.Duration)
		deadline := base.Add(time.Duration(shared.end) + DrainTimeout)
		for _, nc := range conns {
			_ = nc.SetDeadline(deadline)
		}
	}
	for i, w := range workers {
		if c.Requests > 0 {
			w.quota = c.Requests * int64(i+1) / int64(c.Conns)
			w.quota -= c.Requests * int64(i) / int64(c.Conns)
		}
	}

	stopProgress := startProgress(ctx, &c, shared, workers)
	var err error
	if c.Rate > 0 {
		err = runAll(workers, func(w *worker) error { return w.runOpen(c.Rate / float64(c.Conns)) })
	} else {
		err = runAll(workers, (*worker).runClosed)
	}
	stopProgress()
	if err != nil {
		return nil, wrapCtx(ctx, err)
	}

	res := &Result{
		Addr: c.Addr, Protocol: c.Protocol.String(), Conns: c.Conns, Pipeline: c.Pipeline, Rate: c.Rate,
		Histogram: new(hist.Histogram),
	}
	var last int64
	for _, w := range workers {
		s := &w.stats
		res.Gets += s.gets
		res.Sets += s.sets
		res.Keys += s.keys
		res.Hits += s.hits
		res.Errors += s.errors
		res.Sent += w.sent
		res.Received += w.received
		res.Unsent += w.unsent
		res.Histogram.Merge(&s.hist)
		last = max(last, s.lastDone)
	}
	res.Ops = res.Gets + res.Sets
	if shared.end > 0 {
		res.Elapsed = time.Duration(shared.end - shared.measureFrom)
	} else {
		res.Elapsed = time.Duration(last - shared.measureFrom)
	}
	if res.Elapsed > 0 {
		res.OpsPerSec = float64(res.Ops) / res.Elapsed.Seconds()
	}
	if res.Keys > 0 {
		res.HitRatio = float64(res.Hits) / float64(res.Keys)
	}
	res.Latency = Summarize(res.Histogram)
	return res, nil
}

// wrapCtx prefers ctx's error when ctx ended: then the I/O error is only
// the consequence of closing the connections.
func wrapCtx(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// runAll runs f for every worker in its own goroutine and returns the
// first error, noting how many connections failed.
func runAll(workers []*worker, f func(*worker) error) error {
	errs := make([]error, len(workers))
	var wg sync.WaitGroup
	for i, w := range workers {
		wg.Go(func() { errs[i] = f(w) })
	}
	wg.Wait()
	var first error
	n := 0
	for _, err := range errs {
		if err != nil {
			n++
			if first == nil {
				first = err
			}
		}
	}
	if n > 1 {
		return fmt.Errorf("%w (and %d more connections failed)", first, n-1)
	}
	return first
}

// startProgress calls c.Progress every second until the returned
// function is called.
func startProgress(ctx context.Context, c *Config, sh *shared, workers []*worker) (stop func()) {
	if c.Progress == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		var prevOps uint64
		prev := time.Now()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case now := <-t.C:
				var ops, errs uint64
				for _, w := range workers {
					ops += w.progressOps.Load()
					errs += w.progressErrs.Load()
				}
				el := now.Sub(sh.base)
				c.Progress(Progress{
					Elapsed:   el,
					Measuring: int64(el) >= sh.measureFrom,
					Ops:       ops,
					OpsPerSec: float64(ops-prevOps) / now.Sub(prev).Seconds(),
					Errors:    errs,
				})
				prevOps, prev = ops, now
			}
		}
	})
	var once sync.Once
	return func() { once.Do(func() { close(done); wg.Wait() }) }
}

// shared is the read-only state every worker sees.
type shared struct {
	cfg      *Config
	base     time.Time
	picker   keyPicker
	keyWidth int
	// measureFrom and end are offsets from base in nanoseconds; end is 0
	// in request-count mode.
	measureFrom int64
	end         int64
}

// progress counters, updated once per batch of replies.
type progressCounters struct {
	progressOps  atomic.Uint64
	progressErrs atomic.Uint64
}
