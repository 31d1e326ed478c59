package compare

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ratmemcache/ratmemcache/bench/load"
	"github.com/ratmemcache/ratmemcache/memproto/memcachedtest"
)

func memcachedCmd(t *testing.T) string {
	bin := memcachedtest.Binary()
	if bin == "" {
		if os.Getenv(memcachedtest.RequireEnv) != "" {
			t.Fatalf("memcached not found and %s is set", memcachedtest.RequireEnv)
		}
		t.Skip("memcached not installed")
	}
	cmd := bin + " -p {port} -l 127.0.0.1 -t 1 -U 0"
	if os.Geteuid() == 0 {
		cmd += " -u root"
	}
	return cmd
}

func TestCompareMemcachedWithItself(t *testing.T) {
	cmd := memcachedCmd(t)
	ws := DefaultWorkloads(200*time.Millisecond, 50*time.Millisecond)
	ws = []Workload{ws[0], ws[3], ws[7]}
	for i := range ws {
		ws[i].Config.Conns = 4
		ws[i].Config.Keys = 1000
	}
	var log bytes.Buffer
	start := time.Now()
	rep, err := Compare(context.Background(), Options{A: cmd, B: cmd, PinA: -1, PinB: -1, Rounds: 2, Workloads: ws, Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("took %v", d)
	}
	if len(rep.Workloads) != 3 || len(rep.Workloads[0].Rounds) != 2 {
		t.Fatalf("report shape %+v", rep)
	}
	for _, w := range rep.Workloads {
		_, _, ratios := w.Series(opsPerSec)
		for _, r := range ratios {
			if !(r > 0.2 && r < 5) {
				t.Errorf("%s: memcached vs itself ratio %v", w.Name, r)
			}
		}
		for _, r := range w.Rounds {
			if r.A.Errors != 0 || r.B.Errors != 0 || r.A.Ops == 0 || r.B.Ops == 0 {
				t.Errorf("%s: errors %d/%d ops %d/%d", w.Name, r.A.Errors, r.B.Errors, r.A.Ops, r.B.Ops)
			}
		}
	}
	if got := strings.Count(log.String(), "\n"); got != 12 {
		t.Errorf("log has %d lines, want 12:\n%s", got, log.String())
	}
	var out bytes.Buffer
	if err := Write(&out, rep, true); err != nil {
		t.Fatal(err)
	}
	if strings.Count(out.String(), "\n") != 5 || !strings.Contains(out.String(), "| multi-get 10 keys") {
		t.Errorf("markdown:\n%s", out.String())
	}
}

func TestServerStoppedOnError(t *testing.T) {
	cmd := memcachedCmd(t)
	// B never starts: A must be stopped anyway.
	_, err := Compare(context.Background(), Options{A: cmd, B: "/nonexistent/server -p {port}", PinA: -1, PinB: -1,
		Workloads: DefaultWorkloads(time.Millisecond, 0)[:1]})
	if err == nil {
		t.Fatal("no error")
	}
	s, err := StartServer(context.Background(), "A", cmd, -1)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	// stop waited for the process: it has exited and been reaped.
	if s.cmd.ProcessState == nil {
		t.Errorf("pid %d not reaped after stop", s.cmd.Process.Pid)
	}
}

func TestSubstitute(t *testing.T) {
	got, err := Substitute("srv -p {port}  -x", 123)
	if err != nil || strings.Join(got, "|") != "srv|-p|123|-x" {
		t.Fatalf("%q %v", got, err)
	}
	if _, err := Substitute("srv -p 1", 1); err == nil {
		t.Fatal("missing {port} accepted")
	}
}

func TestSummarize(t *testing.T) {
	if s := Summarize([]float64{3, 1, 2}); s != (Stats{2, 1, 3}) {
		t.Fatal(s)
	}
	if s := Summarize([]float64{4, 1, 2, 3}); s != (Stats{2.5, 1, 4}) {
		t.Fatal(s)
	}
}

func TestStartServerDir(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	s, err := StartServer(context.Background(), "A", memcachedCmd(t)+" -P {dir}/memcached.pid", -1)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	if s.Dir == "" || !strings.HasPrefix(s.Dir, os.Getenv("TMPDIR")) {
		t.Fatalf("Dir = %q", s.Dir)
	}
	// memcached writes its pid file once listening; give it a moment.
	var b []byte
	for range 100 {
		if b, err = os.ReadFile(s.Dir + "/memcached.pid"); err == nil && len(b) > 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if strings.TrimSpace(string(b)) != fmt.Sprint(s.Pid()) {
		t.Errorf("pid file %q, Pid %d", b, s.Pid())
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(s.Dir); !os.IsNotExist(err) {
		t.Errorf("Dir %s still there after Stop: %v", s.Dir, err)
	}
}

// fakeTierServer answers every "stats" with tier counters that grow by
// (10, 30, 1) per request, as ratmemcached's ratmemcache_l1_hits,
// ratmemcache_l2_hits and ratmemcache_l2_misses would.
func fakeTierServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	var calls atomic.Uint64
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					if line != "stats\r\n" {
						fmt.Fprint(c, "ERROR\r\n")
						continue
					}
					n := calls.Add(1)
					fmt.Fprintf(c, "STAT pid 1\r\nSTAT ratmemcache_l1_hits %d\r\nSTAT ratmemcache_l2_hits %d\r\nSTAT ratmemcache_l2_misses %d\r\nEND\r\n", 10*n, 30*n, n)
				}
			}()
		}
	}()
	return l.Addr().String()
}

func TestTierStats(t *testing.T) {
	addr := fakeTierServer(t)
	t0 := readTier(context.Background(), addr)
	t1 := readTier(context.Background(), addr)
	d := t0.delta(t1)
	if d == nil || *d != (Tier{L1Hits: 10, L2Hits: 30, L2Misses: 1}) {
		t.Fatalf("delta = %+v", d)
	}
	if s := d.L2Share(); s != 0.75 {
		t.Errorf("L2Share = %v", s)
	}
	// memcached has no tier stats.
	srv := memcachedtest.Start(t)
	if tr := readTier(context.Background(), srv.Addr); tr != nil {
		t.Errorf("memcached tier stats %+v", tr)
	}
	if t0.delta(nil) != nil || (*Tier)(nil).L2Share() != 0 {
		t.Error("nil tier")
	}
	// The report gains a column only when a server has tier stats.
	res := &load.Result{OpsPerSec: 1}
	rep := &Report{Workloads: []WorkloadReport{
		{Name: "w", Rounds: []Round{{A: res, B: res, BTier: d}}},
		{Name: "sets", Rounds: []Round{{A: res, B: res, BTier: &Tier{}}}},
	}}
	var out bytes.Buffer
	if err := Write(&out, rep, true); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "L2 share of hits A/B") || !strings.Contains(out.String(), "| –/0.750 |") ||
		!strings.Contains(out.String(), "| –/– |") {
		t.Errorf("markdown:\n%s", out.String())
	}
}

func TestL2Workloads(t *testing.T) {
	ws := L2Workloads(time.Second, 0, 64<<20)
	if len(ws) != 5 {
		t.Fatalf("%d workloads", len(ws))
	}
	// 2 x 64 MiB / 184 bytes per item.
	const want = 2 * 64 << 20 / L1ItemBytes
	n := 0
	for _, w := range ws {
		if strings.Contains(w.Name, "2x L1") {
			n++
			if w.Config.Keys != want || !w.Config.Prefill || w.Config.Ratio.Gets == 0 {
				t.Errorf("%s: %+v", w.Name, w.Config)
			}
		}
	}
	if n != 2 {
		t.Errorf("%d working-set workloads", n)
	}
}
