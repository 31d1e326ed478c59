// Package compare runs the same workloads against two memcached-compatible
// servers, A and B, in alternation, and reports B's results relative to
// A's.
//
// Each server is a command line holding a {port} placeholder; Compare
// picks a free loopback port for each, starts both (optionally pinned to
// a CPU with taskset), and for every workload runs A then B, Rounds
// times, so that drift in a shared machine's load hits both alike. Both
// servers are stopped, by the PIDs Compare started, before it returns,
// whatever happened.
package compare

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
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
	a, err := startServer(ctx, "A", o.A, o.PinA)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, a.stop()) }()
	b, err := startServer(ctx, "B", o.B, o.PinB)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, b.stop()) }()

	rep = &Report{A: o.A, B: o.B}
	for _, w := range o.Workloads {
		wr := WorkloadReport{Name: w.Name, Rate: w.Config.Rate}
		for round := range o.Rounds {
			var r Round
			for _, s := range []*server{a, b} {
				cfg := w.Config
				cfg.Addr = s.addr
				cpu0 := s.cpuTime()
				t0 := time.Now()
				res, err := load.Run(ctx, cfg)
				if err != nil {
					if ctx.Err() != nil {
						return rep, ctx.Err()
					}
					// Record the failure and go on with the next workload.
					wr.Err = fmt.Sprintf("%s on %s: %v%s", w.Name, s.name, err, s.exitNote())
					if o.Log != nil {
						fmt.Fprintf(o.Log, "round %d/%d %-36s %s: FAILED: %s\n", round+1, o.Rounds, w.Name, s.name, wr.Err)
					}
					break
				}
				cpu := -1.0
				if c1 := s.cpuTime(); cpu0 >= 0 && c1 >= 0 {
					cpu = (c1 - cpu0) / time.Since(t0).Seconds()
				}
				if s == a {
					r.A, r.ACPU = res, cpu
				} else {
					r.B, r.BCPU = res, cpu
				}
				if o.Log != nil {
					fmt.Fprintf(o.Log, "round %d/%d %-36s %s: %10.0f ops/s  p99 %7.0fµs  hit %.3f  errors %d  unsent %d  server cpu %.2f\n",
						round+1, o.Rounds, w.Name, s.name, res.OpsPerSec, float64(res.Latency.P99)/1e3, res.HitRatio, res.Errors, res.Unsent, cpu)
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

// server is a started server process.
type server struct {
	name   string
	addr   string
	cmd    *exec.Cmd
	out    *capBuffer
	waited chan struct{}
	werr   error
	once   sync.Once
}

// Substitute replaces {port} in the command line cmd and splits it on
// spaces.
func Substitute(cmd string, port int) ([]string, error) {
	if !strings.Contains(cmd, "{port}") {
		return nil, fmt.Errorf("compare: command %q has no {port} placeholder", cmd)
	}
	f := strings.Fields(strings.ReplaceAll(cmd, "{port}", strconv.Itoa(port)))
	if len(f) == 0 {
		return nil, errors.New("compare: empty command")
	}
	return f, nil
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Taskset returns the path of taskset, or "" when it is not installed.
func Taskset() string {
	p, err := exec.LookPath("taskset")
	if err != nil {
		return ""
	}
	return p
}

func startServer(ctx context.Context, name, cmdline string, pin int) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, fmt.Errorf("compare: no free port: %w", err)
	}
	args, err := Substitute(cmdline, port)
	if err != nil {
		return nil, err
	}
	if pin >= 0 {
		ts := Taskset()
		if ts == "" {
			return nil, fmt.Errorf("compare: pinning %s asked but taskset is not installed", name)
		}
		args = append([]string{ts, "-c", strconv.Itoa(pin)}, args...)
	}
	// Not exec.CommandContext: the server is stopped by stop, by PID,
	// on every path out of Compare.
	cmd := exec.Command(args[0], args[1:]...)
	out := &capBuffer{max: 8 << 10}
	cmd.Stdout, cmd.Stderr = out, out
	setDeathSignal(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("compare: start %s (%s): %w", name, strings.Join(args, " "), err)
	}
	s := &server{name: name, addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), cmd: cmd, out: out, waited: make(chan struct{})}
	go func() {
		s.werr = cmd.Wait()
		close(s.waited)
	}()
	if err := s.waitReady(ctx, 10*time.Second); err != nil {
		return nil, errors.Join(err, s.stop())
	}
	return s, nil
}

// waitReady waits until the server answers "version".
func (s *server) waitReady(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		select {
		case <-s.waited:
			return fmt.Errorf("compare: server %s exited before answering%s", s.name, s.exitNote())
		default:
		}
		if c, err := net.DialTimeout("tcp", s.addr, time.Second); err == nil {
			_ = c.SetDeadline(time.Now().Add(2 * time.Second))
			_, err = c.Write([]byte("version\r\n"))
			buf := make([]byte, 64)
			n := 0
			if err == nil {
				n, err = c.Read(buf)
			}
			c.Close()
			if err == nil && bytes.HasPrefix(buf[:n], []byte("VERSION ")) {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("compare: server %s not answering on %s after %v%s", s.name, s.addr, timeout, s.exitNote())
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// stop stops the server by its PID: SIGTERM, then SIGKILL after 3 s.
func (s *server) stop() error {
	var err error
	s.once.Do(func() {
		select {
		case <-s.waited:
			return
		default:
		}
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.waited:
		case <-time.After(3 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.waited
			err = fmt.Errorf("compare: server %s (pid %d) ignored SIGTERM; killed", s.name, s.cmd.Process.Pid)
		}
	})
	return err
}

// exitNote describes how the server ended, if it did, with its output.
func (s *server) exitNote() string {
	select {
	case <-s.waited:
		return fmt.Sprintf(" (server %s exited: %v; output: %q)", s.name, s.werr, bytes.TrimSpace(s.out.Bytes()))
	default:
		return ""
	}
}

// cpuTime returns the CPU seconds (user+system) the server used so far,
// from /proc, or -1 when unavailable.
func (s *server) cpuTime() float64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(s.cmd.Process.Pid) + "/stat")
	if err != nil {
		return -1
	}
	// Fields after the command name, which is in parentheses and may hold
	// spaces: state is field 3, utime 14, stime 15.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return -1
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return -1
	}
	ut, err1 := strconv.ParseFloat(f[11], 64)
	st, err2 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil {
		return -1
	}
	return (ut + st) / clockTicks
}

// clockTicks is USER_HZ, 100 on every Linux architecture Go supports.
const clockTicks = 100

// capBuffer keeps the first max bytes written to it.
type capBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	max int
}

func (c *capBuffer) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if room := c.max - c.buf.Len(); room > 0 {
		c.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (c *capBuffer) Bytes() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.buf.Bytes())
}
