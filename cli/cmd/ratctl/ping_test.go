package main

import (
	"strings"
	"testing"
)

func TestPing(t *testing.T) {
	bs := backends(t)
	for _, b := range bs {
		t.Run(b.name, func(t *testing.T) {
			r := must(t, ratctlExec(t, b.addr, "", "ping", "-c", "3", "-i", "10ms"))
			if n := strings.Count(r.stdout, b.addr+": version 1.6"); n != 3 {
				t.Errorf("ping -c 3: %q", r.stdout)
			}
		})
	}
	wantError(t, ratctlExec(t, "127.0.0.1:1", "", "ping"), exitError, "127.0.0.1:1: connection refused")
}
