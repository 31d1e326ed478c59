package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// buildBinary builds ratmemcached once per test run.
func buildBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "ratmemcached")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// dial waits until addr accepts connections.
func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			_ = c.SetDeadline(time.Now().Add(10 * time.Second))
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("server on %s never came up: %v", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// roundTrip sends req and reads n reply lines.
func roundTrip(t *testing.T, c net.Conn, r *bufio.Reader, req string, n int) []string {
	t.Helper()
	if _, err := c.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	lines := make([]string, n)
	for i := range lines {
		l, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("reading reply to %q: %v (so far %q)", req, err, lines[:i])
		}
		lines[i] = strings.TrimRight(l, "\r\n")
	}
	return lines
}

type daemon struct {
	cmd    *exec.Cmd
	stderr *syncBuffer
	done   chan error
}

// syncBuffer is a bytes.Buffer safe to read while the child writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func start(t *testing.T, bin string, args ...string) *daemon {
	t.Helper()
	d := &daemon{cmd: exec.Command(bin, args...), stderr: new(syncBuffer), done: make(chan error, 1)}
	d.cmd.Stderr = d.stderr
	d.cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+t.TempDir(), "HOME="+t.TempDir())
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { d.done <- d.cmd.Wait() }()
	t.Cleanup(func() {
		select {
		case <-d.done:
		default:
			_ = d.cmd.Process.Kill()
			<-d.done
		}
	})
	return d
}

func (d *daemon) wait(t *testing.T) error {
	t.Helper()
	select {
	case err := <-d.done:
		d.done <- err
		return err
	case <-time.After(15 * time.Second):
		t.Fatalf("daemon did not exit; stderr:\n%s", d.stderr)
		return nil
	}
}

func TestEndToEndShutdownCommand(t *testing.T) {
	bin := buildBinary(t)
	port := freePort(t)
	d := start(t, bin, "-A", "-p", strconv.Itoa(port), "--no-l2")
	c := dial(t, "127.0.0.1:"+strconv.Itoa(port))
	defer c.Close()
	if _, err := c.Write([]byte("shutdown\r\n")); err != nil {
		t.Fatal(err)
	}
	if err := d.wait(t); err != nil {
		t.Fatalf("exit after shutdown: %v\n%s", err, d.stderr)
	}
}

func TestEndToEndBadConfig(t *testing.T) {
	bin := buildBinary(t)
	path := filepath.Join(t.TempDir(), "bad.toml")
	if err := os.WriteFile(path, []byte("[l1]\nmax_memory = \"64MiB\"\neviction = \"lru\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "--config", path).CombinedOutput()
	if err == nil {
		t.Fatal("started with a bad config file")
	}
	if want := path + ":3: l1.eviction: unknown key"; !strings.Contains(string(out), want) {
		t.Errorf("output %q lacks %q", out, want)
	}
}

func TestEndToEndNoArguments(t *testing.T) {
	// With no arguments the server listens on 127.0.0.1:11211. Only run
	// when that port is free, so as not to disturb a real memcached.
	l, err := net.Listen("tcp", "127.0.0.1:11211")
	if err != nil {
		t.Skip("127.0.0.1:11211 is in use")
	}
	l.Close()
	bin := buildBinary(t)
	d := start(t, bin)
	c := dial(t, "127.0.0.1:11211")
	r := bufio.NewReader(c)
	got := roundTrip(t, c, r, "set a 0 0 1\r\n1\r\nincr a 41\r\n", 2)
	c.Close()
	if fmt.Sprint(got) != "[STORED 42]" {
		t.Errorf("replies %q", got)
	}
	if !strings.Contains(d.stderr.String(), `msg="L2 data directory" data_dir=`) {
		t.Errorf("start-up does not print the L2 data directory:\n%s", d.stderr)
	}
	_ = d.cmd.Process.Signal(os.Interrupt)
	if err := d.wait(t); err != nil {
		t.Fatalf("exit after interrupt: %v\n%s", err, d.stderr)
	}
}

// -M: a full cache answers memcached's out-of-memory error instead of
// evicting, and keeps what it holds.
func TestEndToEndDisableEvictions(t *testing.T) {
	bin := buildBinary(t)
	port := freePort(t)
	start(t, bin, "-M", "-m", "2", "-p", strconv.Itoa(port), "--no-l2")
	c := dial(t, "127.0.0.1:"+strconv.Itoa(port))
	defer c.Close()
	r := bufio.NewReader(c)
	val := strings.Repeat("v", 10_000)
	var full bool
	var n int
	for n = 0; n < 1000; n++ {
		got := roundTrip(t, c, r, fmt.Sprintf("set k%d 0 0 %d\r\n%s\r\n", n, len(val), val), 1)[0]
		if got == "SERVER_ERROR out of memory storing object" {
			full = true
			break
		}
		if got != "STORED" {
			t.Fatalf("set k%d: %q", n, got)
		}
	}
	if !full || n < 100 {
		t.Fatalf("after %d sets of 10 KB into -m 2: full=%v", n, full)
	}
	for i := 0; i < n; i++ {
		if got := roundTrip(t, c, r, fmt.Sprintf("mg k%d v\r\n", i), 1)[0]; got != "VA 10000" {
			t.Fatalf("k%d of %d stored: %q", i, n, got)
		}
		_, _ = r.Discard(len(val) + 2)
	}
	roundTrip(t, c, r, "stats\r\n", 1) // STAT pid
	for {
		l, err := r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(l, "STAT evictions ") && strings.TrimSpace(l) != "STAT evictions 0" {
			t.Fatalf("%q with -M", strings.TrimSpace(l))
		}
		if l == "END\r\n" {
			break
		}
	}
}

// -F, -X and -D reach the server: flush_all and metadump are refused,
// per-prefix statistics are on with the given delimiter.
func TestEndToEndRestrictionsAndDetail(t *testing.T) {
	bin := buildBinary(t)
	port := freePort(t)
	start(t, bin, "-F", "-X", "-D", "#", "-p", strconv.Itoa(port), "--no-l2")
	c := dial(t, "127.0.0.1:"+strconv.Itoa(port))
	defer c.Close()
	r := bufio.NewReader(c)
	for _, ex := range [][2]string{
		{"flush_all\r\n", "CLIENT_ERROR flush_all not allowed"},
		{"lru_crawler metadump all\r\n", "ERROR metadump not allowed"},
		{"set a#1 0 0 1\r\nx\r\n", "STORED"},
		{"get a#1 a#2 b\r\n", "VALUE a#1 0 1"},
	} {
		req, want := ex[0], ex[1]
		if got := roundTrip(t, c, r, req, 1)[0]; got != want {
			t.Errorf("%q: got %q, want %q", req, got, want)
		}
		if strings.HasPrefix(req, "get") {
			roundTrip(t, c, r, "", 2) // x, END
		}
	}
	got := roundTrip(t, c, r, "stats detail dump\r\n", 2)
	if got[0] != "PREFIX a get 2 hit 1 set 1 del 0" || got[1] != "END" {
		t.Fatalf("stats detail dump: %q", got)
	}
}

// -C and -b reach the server: uniques are 0, cas never matches, and stats
// settings reports both.
func TestEndToEndNoCASAndBacklog(t *testing.T) {
	bin := buildBinary(t)
	port := freePort(t)
	start(t, bin, "-C", "-b", "77", "-p", strconv.Itoa(port), "--no-l2")
	c := dial(t, "127.0.0.1:"+strconv.Itoa(port))
	defer c.Close()
	r := bufio.NewReader(c)
	if got := roundTrip(t, c, r, "set a 0 0 1\r\nx\r\n", 1); got[0] != "STORED" {
		t.Fatalf("set: %q", got)
	}
	if got := roundTrip(t, c, r, "gets a\r\n", 3); !slices.Equal(got, []string{"VALUE a 0 1 0", "x", "END"}) {
		t.Errorf("gets under -C: %q, want the unique 0", got)
	}
	if got := roundTrip(t, c, r, "cas a 0 0 1 0\r\ny\r\n", 1); got[0] != "EXISTS" {
		t.Errorf("cas under -C: %q, want EXISTS", got)
	}
	roundTrip(t, c, r, "stats settings\r\n", 0)
	var settings []string
	for {
		l := roundTrip(t, c, r, "", 1)[0]
		if l == "END" {
			break
		}
		settings = append(settings, l)
	}
	for _, want := range []string{"STAT cas_enabled no", "STAT tcp_backlog 77"} {
		if !slices.Contains(settings, want) {
			t.Errorf("stats settings lacks %q: %q", want, settings)
		}
	}
}

// waitPortFile returns the contents of the port file the daemon writes
// (MEMCACHED_PORT_FILENAME) once it exists.
func waitPortFile(t *testing.T, name string) []byte {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		data, err := os.ReadFile(name)
		if err == nil {
			return data
		}
		if time.Now().After(deadline) {
			t.Fatalf("no port file: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// memcached's test-harness protocol: -p -1 picks a free port, written to
// the file MEMCACHED_PORT_FILENAME names as "TCP INET: <port>".
func TestEndToEndPortFile(t *testing.T) {
	bin := buildBinary(t)
	name := filepath.Join(t.TempDir(), "ports")
	t.Setenv("MEMCACHED_PORT_FILENAME", name)
	start(t, bin, "-p", "-1", "-l", "127.0.0.1", "--no-l2")
	data := waitPortFile(t, name)
	var port int
	if _, err := fmt.Sscanf(string(data), "TCP INET: %d\n", &port); err != nil || port == 0 || port == 11211 {
		t.Fatalf("port file %q: %v", data, err)
	}
	c := dial(t, "127.0.0.1:"+strconv.Itoa(port))
	defer c.Close()
	if got := roundTrip(t, c, bufio.NewReader(c), "version\r\n", 1)[0]; !strings.HasPrefix(got, "VERSION ") {
		t.Fatalf("version: %q", got)
	}
}

// -U -1: UDP and TCP on ports the system chooses, both in the port file;
// a framed request over UDP is answered with its request id.
func TestEndToEndUDP(t *testing.T) {
	bin := buildBinary(t)
	name := filepath.Join(t.TempDir(), "ports")
	t.Setenv("MEMCACHED_PORT_FILENAME", name)
	start(t, bin, "-U", "-1", "-l", "127.0.0.1", "--no-l2")
	data := waitPortFile(t, name)
	var tcpPort, udpPort int
	if _, err := fmt.Sscanf(string(data), "TCP INET: %d\nUDP INET: %d\n", &tcpPort, &udpPort); err != nil || tcpPort == 0 || udpPort == 0 {
		t.Fatalf("port file %q: %v", data, err)
	}
	c := dial(t, "127.0.0.1:"+strconv.Itoa(tcpPort))
	defer c.Close()
	if got := roundTrip(t, c, bufio.NewReader(c), "set k 0 0 2\r\nhi\r\n", 1)[0]; got != "STORED" {
		t.Fatalf("set over TCP: %q", got)
	}
	u, err := net.Dial("udp4", "127.0.0.1:"+strconv.Itoa(udpPort))
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	if _, err := u.Write(append([]byte{0x12, 0x34, 0, 0, 0, 1, 0, 0}, "get k\r\n"...)); err != nil {
		t.Fatal(err)
	}
	_ = u.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 1500)
	n, err := u.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(buf[:n]), "\x12\x34\x00\x00\x00\x01\x00\x00VALUE k 0 2\r\nhi\r\nEND\r\n"; got != want {
		t.Errorf("get over UDP: %q, want %q", got, want)
	}
}
