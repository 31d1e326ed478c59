package main

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// TestMemcapable runs libmemcached's protocol conformance checker,
// memccapable (Debian package libmemcached-tools), against the real
// binary: every text and binary check it has must pass.
func TestMemcapable(t *testing.T) {
	tool, err := exec.LookPath("memccapable")
	if err != nil {
		if os.Getenv("RATMEMCACHE_REQUIRE_MEMCACHED") != "" {
			t.Fatal("memccapable not found (apt-get install libmemcached-tools)")
		}
		t.Skip("memccapable not installed (apt-get install libmemcached-tools); skipping")
	}
	bin := buildBinary(t)
	port := freePort(t)
	start(t, bin, "-p", strconv.Itoa(port), "-l", "127.0.0.1")
	dial(t, "127.0.0.1:"+strconv.Itoa(port)).Close()
	out, err := exec.Command(tool, "-h", "127.0.0.1", "-p", strconv.Itoa(port)).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "All tests passed") {
		t.Fatalf("memccapable: %v\n%s", err, out)
	}
	if n := strings.Count(string(out), "[pass]"); n < 50 {
		t.Fatalf("memccapable ran only %d checks:\n%s", n, out)
	}
}
