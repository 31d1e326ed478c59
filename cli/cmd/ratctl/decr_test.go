package main

import "testing"

func TestDecr(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			must(t, ratctl(t, b.addr, "", "set", "n", "10"))
			if r := must(t, ratctlExec(t, b.addr, "", "decr", "n")); r.stdout != "9\n" {
				t.Errorf("decr: %q", r.stdout)
			}
			if r := must(t, ratctl(t, b.addr, "", "decr", "n", "100")); r.stdout != "0\n" {
				t.Errorf("decr below 0: %q", r.stdout)
			}
			wantError(t, ratctl(t, b.addr, "", "decr", "missing"), exitNotFound, `decr "missing": not found`)
		})
	}
}
