// Package memcachedtest starts a real memcached for differential tests:
// the same bytes are sent to memcached and to the code under test, and the
// replies compared.
//
// A test calls Start; when no memcached binary is found the test is
// skipped with a message saying so, unless the environment variable
// RATMEMCACHE_REQUIRE_MEMCACHED is set to a non-empty value (CI sets it),
// in which case the test fails. The server listens on a free loopback port
// and is killed when the test ends.
package memcachedtest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// RequireEnv names the environment variable that turns a missing memcached
// into a test failure instead of a skip.
const RequireEnv = "RATMEMCACHE_REQUIRE_MEMCACHED"

// Server is a running memcached started by Start.
type Server struct {
	// Addr is the server's TCP address, "127.0.0.1:port".
	Addr string
	// Version is what the binary printed for -V, e.g. "memcached 1.6.18".
	Version string
	cmd     *exec.Cmd
}

// Binary returns the path of the memcached binary (from $MEMCACHED_BIN or
// $PATH), or "" if there is none.
func Binary() string {
	if p := os.Getenv("MEMCACHED_BIN"); p != "" {
		return p
	}
	p, err := exec.LookPath("memcached")
	if err != nil {
		return ""
	}
	return p
}

// Start runs memcached on a free loopback port with the given extra
// arguments (for example "-m", "64" or "-I", "2m") and waits until it
// accepts connections. It skips or fails t when memcached is missing (see
// the package documentation) and kills the server when t ends.
func Start(t testing.TB, args ...string) *Server {
	t.Helper()
	bin := Binary()
	if bin == "" {
		if os.Getenv(RequireEnv) != "" {
			t.Fatalf("memcached not found in $PATH and %s is set: install it (apt-get install -y memcached)", RequireEnv)
		}
		t.Skipf("memcached not found in $PATH: skipping differential test (install memcached, or set %s=1 to make this a failure)", RequireEnv)
	}
	version := ""
	if out, err := exec.Command(bin, "-V").Output(); err == nil {
		version = string(bytes.TrimSpace(out))
	}
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		host := loopbackHost()
		port, err := freePort(host)
		if err != nil {
			t.Fatalf("memcachedtest: no free port: %v", err)
		}
		full := append([]string{"-l", host, "-p", strconv.Itoa(port), "-U", "0", "-t", "1"}, args...)
		if os.Geteuid() == 0 {
			full = append(full, "-u", "root")
		}
		cmd := exec.Command(bin, full...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatalf("memcachedtest: start %s: %v", bin, err)
		}
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(exited) }()
		addr := net.JoinHostPort(host, strconv.Itoa(port))
		if err := waitReady(addr, exited); err != nil {
			_ = cmd.Process.Kill()
			<-exited
			lastErr = fmt.Errorf("%v (stderr: %s)", err, bytes.TrimSpace(stderr.Bytes()))
			continue
		}
		s := &Server{Addr: addr, Version: version, cmd: cmd}
		t.Cleanup(func() {
			_ = cmd.Process.Kill()
			<-exited
		})
		return s
	}
	t.Fatalf("memcachedtest: memcached did not start: %v", lastErr)
	return nil
}

// Dial opens a connection to the server; it is closed when t ends.
func (s *Server) Dial(t testing.TB) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", s.Addr, 5*time.Second)
	if err != nil {
		t.Fatalf("memcachedtest: dial %s: %v", s.Addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// Exchange sends req on a new connection and returns every byte the
// server sends back until it has been quiet for quiet (100ms if zero) or
// closed the connection. It suits request bytes whose reply length is not
// known in advance; tests that know it should read exactly that much.
func (s *Server) Exchange(t testing.TB, req []byte, quiet time.Duration) []byte {
	t.Helper()
	c := s.Dial(t)
	return Exchange(t, c, req, quiet)
}

// Exchange writes req to c and reads the reply as Server.Exchange does.
func Exchange(t testing.TB, c net.Conn, req []byte, quiet time.Duration) []byte {
	t.Helper()
	if quiet <= 0 {
		quiet = 100 * time.Millisecond
	}
	if _, err := c.Write(req); err != nil {
		t.Fatalf("memcachedtest: write: %v", err)
	}
	var out []byte
	buf := make([]byte, 64<<10)
	for {
		_ = c.SetReadDeadline(time.Now().Add(quiet))
		n, err := c.Read(buf)
		out = append(out, buf[:n]...)
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				return out
			}
			if err == io.EOF {
				return out
			}
			return out
		}
	}
}

// ReadLine reads one "\r\n"-terminated line from r, without the line end.
func ReadLine(t testing.TB, r *bufio.Reader) string {
	t.Helper()
	line, err := r.ReadString('\n')
	if err != nil {
		t.Fatalf("memcachedtest: read line: %v (got %q)", err, line)
	}
	return string(bytes.TrimSuffix([]byte(line), []byte("\r\n")))
}

func freePort(host string) (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitReady waits until addr accepts connections and the memcached we
// started is still running a moment later: if another process held the
// port, ours fails to bind and exits, and a connection to the other one
// must not count.
func waitReady(addr string, exited <-chan struct{}) error {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return fmt.Errorf("memcached on %s exited", addr)
		default:
		}
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			select {
			case <-exited:
				return fmt.Errorf("memcached on %s exited (the port was taken)", addr)
			case <-time.After(100 * time.Millisecond):
				return nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("memcached on %s not ready after 5s", addr)
}

// loopbackHost returns a loopback address for a new server: on Linux a
// random one in 127.0.0.0/8, so that servers started by test packages
// running in parallel cannot collide on a port; elsewhere 127.0.0.1.
func loopbackHost() string {
	if runtime.GOOS != "linux" {
		return "127.0.0.1"
	}
	return fmt.Sprintf("127.%d.%d.%d", 1+rand.IntN(254), rand.IntN(256), 1+rand.IntN(254))
}
