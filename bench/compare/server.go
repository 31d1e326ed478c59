package compare

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Server is a server process started by StartServer. Its methods are
// safe for concurrent use.
type Server struct {
	// Name labels the server in messages ("A", "B", ...).
	Name string
	// Addr is the server's loopback address, 127.0.0.1:port.
	Addr string
	// Dir is the temporary directory substituted for {dir}, or "".
	Dir    string
	cmd    *exec.Cmd
	out    *capBuffer
	waited chan struct{}
	werr   error
	once   sync.Once
	// stopErr is the outcome of the first Stop.
	stopErr error
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

// StartServer starts the command line cmdline on a free loopback port
// and waits until it answers "version". cmdline is split on spaces (no
// shell quoting); {port} is replaced by the port and {dir}, if present,
// by a new empty directory under os.TempDir (so under $TMPDIR), removed
// by Stop. pin >= 0 runs the server under taskset on that CPU. The
// caller must call Stop, which stops the process by its PID.
func StartServer(ctx context.Context, name, cmdline string, pin int) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, fmt.Errorf("compare: no free port: %w", err)
	}
	args, err := Substitute(cmdline, port)
	if err != nil {
		return nil, err
	}
	dir := ""
	if strings.Contains(cmdline, "{dir}") {
		if dir, err = os.MkdirTemp("", "ratbench-"+name+"-"); err != nil {
			return nil, fmt.Errorf("compare: data directory for %s: %w", name, err)
		}
		for i := range args {
			args[i] = strings.ReplaceAll(args[i], "{dir}", dir)
		}
	}
	if pin >= 0 {
		ts := Taskset()
		if ts == "" {
			return nil, errors.Join(fmt.Errorf("compare: pinning %s asked but taskset is not installed", name), removeDir(dir))
		}
		args = append([]string{ts, "-c", strconv.Itoa(pin)}, args...)
	}
	// Not exec.CommandContext: the server is stopped by Stop, by PID,
	// on every path out of the caller.
	cmd := exec.Command(args[0], args[1:]...)
	out := &capBuffer{max: 8 << 10}
	cmd.Stdout, cmd.Stderr = out, out
	setDeathSignal(cmd)
	if err := cmd.Start(); err != nil {
		return nil, errors.Join(fmt.Errorf("compare: start %s (%s): %w", name, strings.Join(args, " "), err), removeDir(dir))
	}
	s := &Server{Name: name, Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), Dir: dir, cmd: cmd, out: out, waited: make(chan struct{})}
	go func() {
		s.werr = cmd.Wait()
		close(s.waited)
	}()
	if err := s.waitReady(ctx, 10*time.Second); err != nil {
		return nil, errors.Join(err, s.Stop())
	}
	return s, nil
}

func removeDir(dir string) error {
	if dir == "" {
		return nil
	}
	return os.RemoveAll(dir)
}

// Pid returns the process id of the started command (taskset execs the
// server in place, so it is the server's too).
func (s *Server) Pid() int { return s.cmd.Process.Pid }

// waitReady waits until the server answers "version".
func (s *Server) waitReady(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		select {
		case <-s.waited:
			return fmt.Errorf("compare: server %s exited before answering%s", s.Name, s.ExitNote())
		default:
		}
		if c, err := net.DialTimeout("tcp", s.Addr, time.Second); err == nil {
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
			return fmt.Errorf("compare: server %s not answering on %s after %v%s", s.Name, s.Addr, timeout, s.ExitNote())
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Stop stops the server by its PID (SIGTERM, then SIGKILL after 3 s),
// waits for it to exit and removes its {dir}. Later calls return the
// first call's result.
func (s *Server) Stop() error {
	s.once.Do(func() {
		select {
		case <-s.waited:
		default:
			_ = s.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-s.waited:
			case <-time.After(3 * time.Second):
				_ = s.cmd.Process.Kill()
				<-s.waited
				s.stopErr = fmt.Errorf("compare: server %s (pid %d) ignored SIGTERM; killed", s.Name, s.cmd.Process.Pid)
			}
		}
		s.stopErr = errors.Join(s.stopErr, removeDir(s.Dir))
	})
	return s.stopErr
}

// Exited reports whether the server process has ended.
func (s *Server) Exited() bool {
	select {
	case <-s.waited:
		return true
	default:
		return false
	}
}

// ExitNote describes how the server ended, if it did, with its output;
// "" while it runs.
func (s *Server) ExitNote() string {
	select {
	case <-s.waited:
		return fmt.Sprintf(" (server %s exited: %v; output: %q)", s.Name, s.werr, bytes.TrimSpace(s.out.Bytes()))
	default:
		return ""
	}
}

// CPUTime returns the CPU seconds (user+system) the server used so far,
// from /proc, or -1 when unavailable.
func (s *Server) CPUTime() float64 {
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

// ReadStats sends "stats" on a new connection to addr and returns the
// STAT lines as a map, name to value.
func ReadStats(ctx context.Context, addr string) (map[string]string, error) {
	var d net.Dialer
	d.Timeout = 5 * time.Second
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("compare: stats: %w", err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	return StatsOn(c)
}

// StatsOn sends "stats" on the open connection c and reads the reply up
// to END.
func StatsOn(c net.Conn) (map[string]string, error) {
	if _, err := c.Write([]byte("stats\r\n")); err != nil {
		return nil, fmt.Errorf("compare: stats: %w", err)
	}
	return readStats(bufio.NewReader(c))
}

func readStats(r *bufio.Reader) (map[string]string, error) {
	m := make(map[string]string)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("compare: stats: %w", err)
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "END" {
			return m, nil
		}
		f := strings.SplitN(line, " ", 3)
		if len(f) != 3 || f[0] != "STAT" {
			return nil, fmt.Errorf("compare: stats: unexpected line %q", line)
		}
		m[f[1]] = f[2]
	}
}

// StatUint returns the named stat as an unsigned integer and whether it
// was present and numeric.
func StatUint(m map[string]string, name string) (uint64, bool) {
	v, ok := m[name]
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseUint(v, 10, 64)
	return n, err == nil
}

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
