package main

import (
	"strings"
	"testing"
)

// TestBinaryProtocol runs the commands that have a binary-protocol form
// with --binary (what --sasl uses after authenticating).
func TestBinaryProtocol(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			bin := func(args ...string) result { return ratctl(t, b.addr, "", append([]string{"--binary"}, args...)...) }
			must(t, ratctlExec(t, b.addr, "", "--binary", "set", "k", "binary value", "--flags", "9", "--ttl", "1h"))
			r := must(t, bin("get", "k", "--json"))
			if !strings.Contains(r.stdout, `"value": "binary value"`) || !strings.Contains(r.stdout, `"flags": 9`) {
				t.Errorf("get: %s", r.stdout)
			}
			wantError(t, bin("get", "missing"), exitNotFound, "not found")
			must(t, bin("set", "n", "5"))
			if r := must(t, bin("incr", "n", "3")); r.stdout != "8\n" {
				t.Errorf("incr: %q", r.stdout)
			}
			if r := must(t, bin("decr", "n", "10")); r.stdout != "0\n" {
				t.Errorf("decr: %q", r.stdout)
			}
			wantError(t, bin("incr", "nothing"), exitNotFound, "not found")
			must(t, bin("touch", "k", "--ttl", "2h"))
			wantError(t, bin("touch", "nothing", "--ttl", "1"), exitNotFound, "not found")
			must(t, bin("delete", "n"))
			wantError(t, bin("delete", "n"), exitNotFound, "not found")
			if r := must(t, bin("version")); !strings.Contains(r.stdout, "1.6") {
				t.Errorf("version: %q", r.stdout)
			}
			r = must(t, bin("stats"))
			if !strings.Contains(r.stdout, "curr_items") {
				t.Errorf("stats: %s", r.stdout)
			}
			must(t, bin("ping"))
			must(t, bin("health", "--write"))
			wantError(t, bin("keys"), exitError, "needs the text protocol")
			must(t, bin("flush"))
			wantError(t, bin("get", "k"), exitNotFound, "not found")
		})
	}
}
