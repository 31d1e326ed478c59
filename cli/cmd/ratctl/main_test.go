package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ratmemcache/ratmemcache/memproto/memcachedtest"
)

// Binaries built on first use: ratctl itself, and the ratmemcached
// daemon the end-to-end tests run against. Tests that need neither (the
// fuzz target, unit tests) build nothing.
var (
	buildOnce       sync.Once
	buildDir        string
	buildErr        error
	ratctlBin       string
	ratmemcachedBin string
)

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// binaries builds ratctl and ratmemcached once per test process.
func binaries(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test (builds binaries)")
	}
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "ratctl-test-")
		if buildErr != nil {
			return
		}
		exe := ""
		if runtime.GOOS == "windows" {
			exe = ".exe"
		}
		ratctlBin = filepath.Join(buildDir, "ratctl"+exe)
		ratmemcachedBin = filepath.Join(buildDir, "ratmemcached"+exe)
		for _, b := range []struct{ out, pkg string }{{ratctlBin, "."}, {ratmemcachedBin, "../ratmemcached"}} {
			if out, err := exec.Command("go", "build", "-o", b.out, b.pkg).CombinedOutput(); err != nil {
				buildErr = fmt.Errorf("go build %s: %v\n%s", b.pkg, err, out)
				return
			}
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
}

// backend is a server under test.
type backend struct {
	name string
	addr string
}

// backends starts a real memcached and a ratmemcached, both killed when
// t ends.
func backends(t *testing.T) []backend {
	t.Helper()
	binaries(t)
	mc := memcachedtest.Start(t)
	return []backend{{"memcached", mc.Addr}, {"ratmemcached", startRatmemcached(t)}}
}

// startRatmemcached runs the ratmemcached binary on a free loopback port
// and returns its address; the process is killed by PID when t ends.
func startRatmemcached(t *testing.T, args ...string) string {
	t.Helper()
	binaries(t)
	for attempt := 0; ; attempt++ {
		port := freePort(t)
		addr := "127.0.0.1:" + strconv.Itoa(port)
		full := append([]string{"-p", strconv.Itoa(port), "-l", "127.0.0.1", "--no-l2"}, args...)
		cmd := exec.Command(ratmemcachedBin, full...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		home := t.TempDir()
		cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CACHE_HOME="+home)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		t.Cleanup(func() {
			_ = cmd.Process.Kill()
			<-done
		})
		if waitListening(addr, done, args) {
			return addr
		}
		if attempt == 3 {
			t.Fatalf("ratmemcached did not start on %s: %s", addr, stderr.String())
		}
	}
}

// waitListening waits until addr accepts connections (a TLS server is
// only dialled, not spoken to).
func waitListening(addr string, exited chan struct{}, args []string) bool {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return false
		default:
		}
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
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

// result is what a ratctl run left.
type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
}

// ratctl runs the command in-process against addr (none if empty) with
// stdin as its input.
func ratctl(t *testing.T, addr, stdin string, args ...string) result {
	t.Helper()
	if addr != "" {
		args = append([]string{"--server", addr, "--timeout", "5s"}, args...)
	}
	var out, errb bytes.Buffer
	e := &env{ctx: context.Background(), stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb}
	code := run(args, e)
	return result{out.String(), errb.String(), code}
}

// ratctlExec runs the built binary.
func ratctlExec(t *testing.T, addr, stdin string, args ...string) result {
	t.Helper()
	binaries(t)
	if addr != "" {
		args = append([]string{"--server", addr}, args...)
	}
	cmd := exec.Command(ratctlBin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{out.String(), errb.String(), code}
}

// must fails t unless r exited 0.
func must(t *testing.T, r result) result {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("ratctl failed: %v", r)
	}
	return r
}

// wantError checks a failed run: the exit code and one line on stderr
// holding want, and no Go stack trace.
func wantError(t *testing.T, r result, code int, want string) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit code %d, want %d\n%v", r.code, code, r)
	}
	lines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "ratctl: ") {
		t.Errorf("stderr is not one \"ratctl: \" line: %q", r.stderr)
	}
	if !strings.Contains(r.stderr, want) {
		t.Errorf("stderr %q does not mention %q", r.stderr, want)
	}
	if strings.Contains(r.stderr, "goroutine ") || strings.Contains(r.stderr, "panic") {
		t.Errorf("stack trace on stderr: %s", r.stderr)
	}
}

func TestUsageErrors(t *testing.T) {
	wantError(t, ratctl(t, "", "", "frobnicate"), exitUsage, "unexpected argument")
	wantError(t, ratctl(t, "", "", "get"), exitUsage, "expected \"<key>\"")
	wantError(t, ratctl(t, "", "", "--server", "a:b:c", "version"), exitUsage, "--server")
	wantError(t, ratctl(t, "", "", "--tls-cert", "main.go", "version"), exitUsage, "--tls-key")
	wantError(t, ratctl(t, "", "", "--server", "127.0.0.1:1", "--server", "127.0.0.1:2", "get", "k"), exitUsage, "one server")
	r := ratctl(t, "", "", "--version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "ratctl ") {
		t.Errorf("--version: %v", r)
	}
	r = ratctl(t, "", "", "--help")
	if r.code != 0 || !strings.Contains(r.stdout, "dump") {
		t.Errorf("--help: %v", r)
	}
}

func TestConnectionErrors(t *testing.T) {
	// A port nobody listens on.
	port := freePort(t)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	for _, cmd := range [][]string{{"version"}, {"get", "k"}, {"stats"}, {"keys"}, {"ping"}, {"health"}} {
		wantError(t, ratctlExec(t, addr, "", cmd...), exitError, "connection refused")
	}
	// A server that accepts but never answers.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	r := ratctlExec(t, "", "", "--server", l.Addr().String(), "--timeout", "200ms", "get", "k")
	wantError(t, r, exitError, "timed out after 200ms")
}
