package main

import (
	"strings"
	"testing"
)

func TestTouch(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			must(t, ratctl(t, b.addr, "", "set", "k", "v"))
			r := must(t, ratctlExec(t, b.addr, "", "touch", "k", "--ttl", "2h"))
			if r.stdout != "TOUCHED k\n" {
				t.Errorf("touch: %q", r.stdout)
			}
			r = must(t, ratctl(t, b.addr, "", "keys", "--json"))
			if !strings.Contains(r.stdout, `"ttl":7200`) && !strings.Contains(r.stdout, `"ttl":7199`) {
				t.Errorf("ttl not ~2h after touch: %s", r.stdout)
			}
			wantError(t, ratctl(t, b.addr, "", "touch", "nope", "--ttl", "10"), exitNotFound, `touch "nope": not found`)
			wantError(t, ratctl(t, b.addr, "", "touch", "k"), exitUsage, "--ttl")
		})
	}
}
