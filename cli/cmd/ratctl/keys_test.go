package main

import (
	"fmt"
	"strings"
	"testing"
)

func TestKeys(t *testing.T) {
	bs := backends(t)
	for _, b := range bs {
		t.Run(b.name, func(t *testing.T) {
			for i := range 5 {
				must(t, ratctl(t, b.addr, "", "set", fmt.Sprintf("user:%d", i), "v"))
			}
			must(t, ratctl(t, b.addr, "", "set", "session:1", "xyz", "--ttl", "600"))
			must(t, ratctl(t, b.addr, "", "set", "odd%key", "v"))
			r := must(t, ratctlExec(t, b.addr, "", "keys"))
			lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
			if len(lines) != 8 || !strings.HasPrefix(lines[0], "KEY") {
				t.Fatalf("keys: %q", r.stdout)
			}
			if !strings.Contains(r.stdout, "odd%key") {
				t.Errorf("keys does not decode %%-escapes: %s", r.stdout)
			}
			for _, l := range lines {
				// 600 s TTL, minus however long this loaded machine took (up to 10 s).
				if strings.HasPrefix(l, "session:1") && !strings.Contains(l, "10m0s") && !strings.Contains(l, " 9m5") {
					t.Errorf("session:1 expiry: %q", l)
				}
				if strings.HasPrefix(l, "user:0") && !strings.HasSuffix(l, "never") {
					t.Errorf("user:0 expiry: %q", l)
				}
			}
			r = must(t, ratctl(t, b.addr, "", "keys", "--match", "user:*"))
			if n := strings.Count(r.stdout, "user:"); n != 5 || strings.Contains(r.stdout, "session") {
				t.Errorf("keys --match: %q", r.stdout)
			}
			r = must(t, ratctl(t, b.addr, "", "keys", "--match", "user:*", "--limit", "2", "--json"))
			if n := strings.Count(r.stdout, "\n"); n != 2 {
				t.Errorf("keys --limit 2 --json: %q", r.stdout)
			}
			r = must(t, ratctl(t, b.addr, "", "keys", "--match", "nothing*"))
			if r.stdout != "" || r.stderr != "no keys\n" {
				t.Errorf("keys with no match: %v", r)
			}
			wantError(t, ratctl(t, b.addr, "", "keys", "--match", "[oops"), exitUsage, "syntax error")
		})
	}
	t.Run("several servers", func(t *testing.T) {
		r := must(t, ratctl(t, "", "", "-s", bs[0].addr, "-s", bs[1].addr, "keys", "--match", "session:*"))
		if !strings.Contains(r.stdout, "SERVER") || strings.Count(r.stdout, "session:1") != 2 {
			t.Errorf("keys on two servers: %s", r.stdout)
		}
	})
}
