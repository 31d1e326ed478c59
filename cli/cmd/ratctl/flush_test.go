package main

import (
	"strings"
	"testing"
)

func TestFlush(t *testing.T) {
	bs := backends(t)
	for _, b := range bs {
		t.Run(b.name, func(t *testing.T) {
			must(t, ratctl(t, b.addr, "", "set", "k", "v"))
			r := must(t, ratctlExec(t, b.addr, "", "flush"))
			if r.stdout != b.addr+": OK\n" {
				t.Errorf("flush: %q", r.stdout)
			}
			wantError(t, ratctl(t, b.addr, "", "get", "k"), exitNotFound, "not found")
			must(t, ratctl(t, b.addr, "", "set", "k", "v"))
			r = must(t, ratctl(t, b.addr, "", "flush", "--delay", "1h"))
			if !strings.Contains(r.stdout, "flushing in 1h0m0s") {
				t.Errorf("flush --delay: %q", r.stdout)
			}
			// Still there: the flush is an hour away.
			must(t, ratctl(t, b.addr, "", "get", "k"))
		})
	}
	t.Run("several servers", func(t *testing.T) {
		for _, b := range bs {
			must(t, ratctl(t, b.addr, "", "set", "m", "v"))
		}
		r := must(t, ratctl(t, "", "", "--server", bs[0].addr+","+bs[1].addr, "flush"))
		if strings.Count(r.stdout, ": OK") != 2 {
			t.Errorf("flush of two servers: %q", r.stdout)
		}
		for _, b := range bs {
			wantError(t, ratctl(t, b.addr, "", "get", "m"), exitNotFound, "not found")
		}
	})
}
