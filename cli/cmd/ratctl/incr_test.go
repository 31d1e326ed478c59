package main

import "testing"

func TestIncr(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			must(t, ratctl(t, b.addr, "", "set", "n", "41"))
			if r := must(t, ratctlExec(t, b.addr, "", "incr", "n")); r.stdout != "42\n" {
				t.Errorf("incr: %q", r.stdout)
			}
			if r := must(t, ratctl(t, b.addr, "", "incr", "n", "100")); r.stdout != "142\n" {
				t.Errorf("incr 100: %q", r.stdout)
			}
			wantError(t, ratctl(t, b.addr, "", "incr", "missing"), exitNotFound, `incr "missing": not found`)
			must(t, ratctl(t, b.addr, "", "set", "s", "abc"))
			wantError(t, ratctl(t, b.addr, "", "incr", "s"), exitError, "CLIENT_ERROR")
			wantError(t, ratctl(t, b.addr, "", "incr", "n", "-1"), exitUsage, "")
		})
	}
}
