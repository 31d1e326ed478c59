package compare

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ratmemcache/ratmemcache/memproto/memcachedtest"
)

func memcachedCmd(t *testing.T) string {
	bin := memcachedtest.Binary()
	if bin == "" {
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
	s, err := startServer(context.Background(), "A", cmd, -1)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.stop(); err != nil {
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
