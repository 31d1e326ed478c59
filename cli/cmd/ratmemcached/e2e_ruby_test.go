package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ratmemcache/ratmemcache/memproto/memcachedtest"
)

// rubyWithDalli is a Ruby that loads Dalli: Debian's ruby-dalli.
func rubyWithDalli() (string, bool) {
	for _, rb := range []string{"/usr/bin/ruby", "ruby"} {
		if p, err := exec.LookPath(rb); err == nil && exec.Command(p, "-e", "require 'dalli'").Run() == nil {
			return p, true
		}
	}
	return "", false
}

// runRuby runs a script from testdata with args and returns its output.
func runRuby(t *testing.T, rb, script string, args ...string) string {
	t.Helper()
	out, err := exec.Command(rb, append([]string{filepath.Join("testdata", script)}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", script, args, err, out)
	}
	return string(out)
}

// TestDalliDifferential drives memcached and the real daemon with Dalli,
// Ruby's memcached client, which speaks the binary protocol: stores,
// counters with initial values, CAS in all its forms, quiet multi-gets of
// 100 keys, quiet stores and deletes, compression, values at and over the
// size limit, namespaces, stats, flush. What the library returned must be
// the same, operation by operation.
func TestDalliDifferential(t *testing.T) {
	rb := requireTool(t, "Ruby with Dalli", "ruby ruby-dalli", rubyWithDalli)
	mc := memcachedtest.Start(t)
	bin := buildBinary(t)
	addr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	start(t, bin, "-p", strings.TrimPrefix(addr, "127.0.0.1:"), "-l", "127.0.0.1", "--no-l2")
	dial(t, addr).Close()
	compareTranscripts(t, runRuby(t, rb, "dalli.rb", mc.Addr), runRuby(t, rb, "dalli.rb", addr))
}

// TestDalliSASL logs in to the daemon's SASL PLAIN (-S) with Dalli: the
// right password stores and reads; a wrong one is refused with the
// binary protocol's authentication error (0x20). (memcached's
// Debian build cannot log a user in, so this one is not differential.)
func TestDalliSASL(t *testing.T) {
	rb := requireTool(t, "Ruby with Dalli", "ruby ruby-dalli", rubyWithDalli)
	pwdb := filepath.Join(t.TempDir(), "pwdb")
	if err := os.WriteFile(pwdb, []byte("alice:s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("MEMCACHED_SASL_PWDB", pwdb)
	bin := buildBinary(t)
	port := strconv.Itoa(freePort(t))
	start(t, bin, "-p", port, "-l", "127.0.0.1", "--no-l2", "-S")
	addr := "127.0.0.1:" + port
	dial(t, addr).Close()
	if got := runRuby(t, rb, "dalli_sasl.rb", addr, "alice", "s3cret"); got != "get: \"sasl-value\"\n" {
		t.Fatalf("login with the right password: %q", got)
	}
	if got := runRuby(t, rb, "dalli_sasl.rb", addr, "alice", "wrong"); !strings.Contains(got, "Error authenticating: 0x20") {
		t.Fatalf("login with a wrong password: %q", got)
	}
}
