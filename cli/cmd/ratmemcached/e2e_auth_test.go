package main

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// -Y turns on memcached's text-protocol login in the real binary.
func TestEndToEndAuthFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "auth")
	if err := os.WriteFile(path, []byte("admin:pw\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	bin := buildBinary(t)
	port := strconv.Itoa(freePort(t))
	start(t, bin, "-p", port, "-l", "127.0.0.1", "-Y", path)
	c := dial(t, "127.0.0.1:"+port)
	defer c.Close()
	r := bufio.NewReader(c)
	if got := roundTrip(t, c, r, "get a\r\n", 1); got[0] != "CLIENT_ERROR unauthenticated" {
		t.Fatalf("before login: %q", got)
	}
	if got := roundTrip(t, c, r, "set x 0 0 8\r\nadmin pw\r\n", 1); got[0] != "STORED" {
		t.Fatalf("login: %q", got)
	}
	if got := roundTrip(t, c, r, "get a\r\n", 1); got[0] != "END" {
		t.Fatalf("after login: %q", got)
	}
}

// -S without a password file refuses to start, naming what is missing.
func TestEndToEndSASLNeedsPasswordFile(t *testing.T) {
	t.Setenv("MEMCACHED_SASL_PWDB", "")
	bin := buildBinary(t)
	d := start(t, bin, "-p", strconv.Itoa(freePort(t)), "-l", "127.0.0.1", "-S")
	if err := d.wait(t); err == nil {
		t.Fatal("-S without MEMCACHED_SASL_PWDB started")
	}
	if !strings.Contains(d.stderr.String(), "MEMCACHED_SASL_PWDB") {
		t.Fatalf("the error does not name MEMCACHED_SASL_PWDB:\n%s", d.stderr)
	}
}
