package load

import (
	"bufio"
	"context"
	"math"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/ratmemcache/ratmemcache/memproto"
	"github.com/ratmemcache/ratmemcache/memproto/memcachedtest"
)

// serverStats returns memcached's counters.
func serverStats(t testing.TB, addr string) map[string]uint64 {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("stats\r\n")); err != nil {
		t.Fatal(err)
	}
	rr := memproto.NewResponseReader(bufio.NewReader(c))
	out := map[string]uint64{}
	var resp memproto.Response
	for {
		if err := rr.ReadResponse(&resp); err != nil {
			t.Fatal(err)
		}
		if resp.Kind == memproto.KindEnd {
			return out
		}
		if v, err := strconv.ParseUint(string(resp.Value), 10, 64); err == nil {
			out[string(resp.Key)] = v
		}
	}
}

func delta(before, after map[string]uint64, name string) uint64 { return after[name] - before[name] }

// TestCountsMatchServer checks, against a real memcached, that a
// pipelined run sends exactly the requests it reports: the server's own
// counters move by the gets, keys, hits and sets the result holds.
func TestCountsMatchServer(t *testing.T) {
	srv := memcachedtest.Start(t)
	for _, proto := range []Protocol{Text, Meta} {
		for _, multi := range []int{1, 3} {
			t.Run(proto.String()+"/multiget="+strconv.Itoa(multi), func(t *testing.T) {
				before := serverStats(t, srv.Addr)
				cfg := Config{
					Addr: srv.Addr, Protocol: proto, Conns: 4, Pipeline: 16,
					Ratio: Ratio{Gets: 7, Sets: 3}, MultiGet: multi, Keys: 500,
					Sizes: mustSizes(t, "10-200"), KeyDist: KeyDist{Zipf: true, S: 0.99},
					Requests: 5003, Seed: 42, KeyPrefix: "counts" + proto.String() + strconv.Itoa(multi) + ":",
				}
				res, err := Run(context.Background(), cfg)
				if err != nil {
					t.Fatal(err)
				}
				after := serverStats(t, srv.Addr)
				if res.Ops != 5003 || res.Sent != 5003 || res.Received != 5003 {
					t.Fatalf("ops %d sent %d received %d, want 5003", res.Ops, res.Sent, res.Received)
				}
				if res.Gets == 0 || res.Sets == 0 || res.Hits == 0 {
					t.Fatalf("degenerate mix: %+v", res)
				}
				if res.Keys != res.Gets*uint64(multi) {
					t.Fatalf("keys %d, gets %d × %d", res.Keys, res.Gets, multi)
				}
				if g := delta(before, after, "cmd_get"); g != res.Keys {
					t.Errorf("server cmd_get moved by %d, result says %d keys", g, res.Keys)
				}
				if h := delta(before, after, "get_hits"); h != res.Hits {
					t.Errorf("server get_hits moved by %d, result says %d hits", h, res.Hits)
				}
				if s := delta(before, after, "cmd_set"); s != res.Sets {
					t.Errorf("server cmd_set moved by %d, result says %d sets", s, res.Sets)
				}
				if res.Errors != 0 {
					t.Errorf("%d errors", res.Errors)
				}
				if res.Histogram.Count() != res.Ops {
					t.Errorf("histogram holds %d, ops %d", res.Histogram.Count(), res.Ops)
				}
			})
		}
	}
}

func mustSizes(t testing.TB, s string) Sizes {
	d, err := ParseSizes(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestPrefillWarmupDuration(t *testing.T) {
	srv := memcachedtest.Start(t)
	res, err := Run(context.Background(), Config{
		Addr: srv.Addr, Conns: 3, Pipeline: 4, Ratio: Ratio{Gets: 1}, Keys: 2000,
		Flush: true, Prefill: true, Warmup: 100 * time.Millisecond, Duration: 300 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.HitRatio != 1 {
		t.Errorf("hit ratio %v after pre-fill, want 1", res.HitRatio)
	}
	if res.Sets != 0 || res.Gets == 0 || res.Elapsed != 300*time.Millisecond {
		t.Errorf("gets %d sets %d elapsed %v", res.Gets, res.Sets, res.Elapsed)
	}
	// Pre-fill and warm-up requests are sent but not measured.
	if res.Sent != res.Received || res.Sent < res.Ops+2000 {
		t.Errorf("sent %d received %d ops %d", res.Sent, res.Received, res.Ops)
	}
	if res.Latency.P50 <= 0 || res.Latency.P99 < res.Latency.P50 || res.Latency.Max < res.Latency.P999 {
		t.Errorf("latency %+v", res.Latency)
	}
}

func TestOpenLoopRate(t *testing.T) {
	srv := memcachedtest.Start(t)
	for _, proto := range []Protocol{Text, Meta} {
		res, err := Run(context.Background(), Config{
			Addr: srv.Addr, Protocol: proto, Conns: 4, Rate: 4000, Duration: 500 * time.Millisecond,
			Warmup: 50 * time.Millisecond, MultiGet: 2,
		})
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(float64(res.Ops)-2000) > 40 {
			t.Errorf("%v: %d ops at 4000/s for 0.5 s, want about 2000", proto, res.Ops)
		}
		if res.Sent != res.Received {
			t.Errorf("%v: sent %d received %d", proto, res.Sent, res.Received)
		}
	}
}

func TestOpenLoopRequestCount(t *testing.T) {
	srv := memcachedtest.Start(t)
	res, err := Run(context.Background(), Config{Addr: srv.Addr, Conns: 3, Rate: 20000, Requests: 1001, Pipeline: 8})
	if err != nil {
		t.Fatal(err)
	}
	if res.Ops != 1001 || res.Sent != 1001 || res.Received != 1001 {
		t.Fatalf("ops %d sent %d received %d", res.Ops, res.Sent, res.Received)
	}
}

func TestCancel(t *testing.T) {
	srv := memcachedtest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := Run(ctx, Config{Addr: srv.Addr, Conns: 2, Duration: time.Hour})
	if err != context.DeadlineExceeded {
		t.Fatalf("err %v, want deadline exceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("took %v to stop", d)
	}
}

func TestServerErrorsCounted(t *testing.T) {
	srv := memcachedtest.Start(t)
	res, err := Run(context.Background(), Config{
		Addr: srv.Addr, Ratio: Ratio{Sets: 1}, Sizes: FixedSize(2 << 20), Requests: 10, Pipeline: 4,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors != 10 {
		t.Fatalf("errors %d, want 10 (values over the 1 MiB item limit)", res.Errors)
	}
}

// newTestWorker returns a worker on one connection to addr, in
// request-count mode with everything measured.
func newTestWorker(t testing.TB, addr string, cfg Config) *worker {
	c := cfg.withDefaults()
	c.Addr = addr
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	sh := &shared{cfg: &c, base: time.Now(), picker: newKeyPicker(c.KeyDist, c.Keys), keyWidth: len(strconv.Itoa(c.Keys - 1))}
	return newWorker(sh, 0, nc)
}

func TestSteadyStateAllocs(t *testing.T) {
	srv := memcachedtest.Start(t)
	for _, proto := range []Protocol{Text, Meta} {
		w := newTestWorker(t, srv.Addr, Config{Protocol: proto, Pipeline: 16, MultiGet: 4, Sizes: mustSizes(t, "10-1000"), KeyDist: KeyDist{Zipf: true, S: 1}})
		run := func() {
			w.quota = 2000
			if err := w.runClosed(); err != nil {
				t.Fatal(err)
			}
		}
		run() // warm the buffers
		if n := testing.AllocsPerRun(5, run); n != 0 {
			t.Errorf("%v: %v allocations per 2000 requests", proto, n)
		}
	}
}

func BenchmarkClosedLoop(b *testing.B) {
	srv := memcachedtest.Start(b)
	for _, proto := range []Protocol{Text, Meta} {
		b.Run(proto.String(), func(b *testing.B) {
			w := newTestWorker(b, srv.Addr, Config{Protocol: proto, Pipeline: 64, Keys: 1000})
			b.ReportAllocs()
			w.quota = int64(b.N)
			b.ResetTimer()
			if err := w.runClosed(); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
		})
	}
}
