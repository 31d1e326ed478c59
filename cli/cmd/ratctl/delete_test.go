package main

import "testing"

func TestDelete(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			must(t, ratctl(t, b.addr, "", "set", "a", "1"))
			must(t, ratctl(t, b.addr, "", "set", "b", "2"))
			r := must(t, ratctlExec(t, b.addr, "", "delete", "a"))
			if r.stdout != "DELETED a\n" {
				t.Errorf("delete: %q", r.stdout)
			}
			// b is deleted even though a is already gone; the exit
			// status still reports the miss.
			r = ratctl(t, b.addr, "", "delete", "a", "b")
			wantError(t, r, exitNotFound, `delete "a": not found`)
			if r.stdout != "DELETED b\n" {
				t.Errorf("delete a b: %q", r.stdout)
			}
			wantError(t, ratctl(t, b.addr, "", "get", "b"), exitNotFound, "not found")
		})
	}
}
