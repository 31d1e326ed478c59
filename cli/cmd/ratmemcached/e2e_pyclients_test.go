package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ratmemcache/ratmemcache/memproto/memcachedtest"
)

// requireTool finds a tool the CI machine installs, or skips (fails when
// RATMEMCACHE_REQUIRE_MEMCACHED is set, as in CI).
func requireTool(t *testing.T, what, pkg string, find func() (string, bool)) string {
	t.Helper()
	if p, ok := find(); ok {
		return p
	}
	if os.Getenv("RATMEMCACHE_REQUIRE_MEMCACHED") != "" {
		t.Fatalf("%s not found (apt-get install %s)", what, pkg)
	}
	t.Skipf("%s not installed (apt-get install %s); skipping", what, pkg)
	return ""
}

// pythonWithClients is a Python 3 that imports pymemcache and
// python-memcached: Debian's, whose dist-packages hold them.
func pythonWithClients() (string, bool) {
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		if p, err := exec.LookPath(py); err == nil && exec.Command(p, "-c", "import pymemcache, memcache").Run() == nil {
			return p, true
		}
	}
	return "", false
}

// runPyClients runs testdata/pyclients.py against addr and returns its
// transcript.
func runPyClients(t *testing.T, py, addr string) string {
	t.Helper()
	out, err := exec.Command(py, filepath.Join("testdata", "pyclients.py"), addr).CombinedOutput()
	if err != nil {
		t.Fatalf("pyclients.py against %s: %v\n%s", addr, err, out)
	}
	return string(out)
}

// compareTranscripts fails the test on every line where ours differs from
// memcached's.
func compareTranscripts(t *testing.T, theirs, ours string) {
	t.Helper()
	tl, ol := strings.Split(theirs, "\n"), strings.Split(ours, "\n")
	if len(tl) < 40 {
		t.Fatalf("memcached's transcript is too short to mean anything:\n%s", theirs)
	}
	for i := range max(len(tl), len(ol)) {
		var a, b string
		if i < len(tl) {
			a = tl[i]
		}
		if i < len(ol) {
			b = ol[i]
		}
		if a != b {
			t.Errorf("line %d:\n memcached:    %s\n ratmemcached: %s", i+1, a, b)
		}
	}
}

// TestPythonClientsDifferential drives memcached and the real daemon with
// two widely used Python client libraries, pymemcache and
// python-memcached, through every operation they offer, and compares what
// the libraries returned, operation by operation.
func TestPythonClientsDifferential(t *testing.T) {
	py := requireTool(t, "Python with pymemcache and python-memcached", "python3-pymemcache python3-memcache", pythonWithClients)
	mc := memcachedtest.Start(t)
	bin := buildBinary(t)
	port := freePort(t)
	start(t, bin, "-p", strconv.Itoa(port), "-l", "127.0.0.1", "--no-l2")
	dial(t, "127.0.0.1:"+strconv.Itoa(port)).Close()
	compareTranscripts(t, runPyClients(t, py, mc.Addr), runPyClients(t, py, "127.0.0.1:"+strconv.Itoa(port)))
}

// TestTwemproxyDifferential puts twemproxy (nutcracker), a widely deployed
// memcached proxy, in front of memcached and in front of the daemon, and
// compares the Python clients' transcripts through the two proxies: the
// proxy parses every reply, so any framing difference shows.
func TestTwemproxyDifferential(t *testing.T) {
	py := requireTool(t, "Python with pymemcache and python-memcached", "python3-pymemcache python3-memcache", pythonWithClients)
	proxy := requireTool(t, "nutcracker", "nutcracker", func() (string, bool) {
		p, err := exec.LookPath("nutcracker")
		if err != nil {
			p, err = exec.LookPath("/usr/sbin/nutcracker")
		}
		return p, err == nil
	})
	mc := memcachedtest.Start(t)
	bin := buildBinary(t)
	port := freePort(t)
	start(t, bin, "-p", strconv.Itoa(port), "-l", "127.0.0.1", "--no-l2")
	dial(t, "127.0.0.1:"+strconv.Itoa(port)).Close()
	theirs := runPyClients(t, py, startTwemproxy(t, proxy, mc.Addr))
	ours := runPyClients(t, py, startTwemproxy(t, proxy, "127.0.0.1:"+strconv.Itoa(port)))
	compareTranscripts(t, theirs, ours)
}

// startTwemproxy runs nutcracker with one memcached pool whose only server
// is backend, and returns the proxy's address once it accepts connections.
func startTwemproxy(t *testing.T, proxy, backend string) string {
	t.Helper()
	dir := t.TempDir()
	listen := "127.0.0.1:" + strconv.Itoa(freePort(t))
	conf := fmt.Sprintf("pool:\n  listen: %s\n  hash: fnv1a_64\n  distribution: ketama\n  timeout: 2000\n  redis: false\n  auto_eject_hosts: false\n  servers:\n   - %s:1\n", listen, backend)
	confPath := filepath.Join(dir, "nutcracker.yml")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(proxy, "-c", confPath, "-s", strconv.Itoa(freePort(t)), "-a", "127.0.0.1",
		"-o", filepath.Join(dir, "nutcracker.log"), "-p", filepath.Join(dir, "nutcracker.pid"))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", listen, time.Second)
		if err == nil {
			c.Close()
			return listen
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "nutcracker.log"))
			t.Fatalf("nutcracker does not listen on %s: %v\n%s", listen, err, log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
