package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestStats(t *testing.T) {
	bs := backends(t)
	for _, b := range bs {
		t.Run(b.name, func(t *testing.T) {
			must(t, ratctl(t, b.addr, "", "set", "k", strings.Repeat("x", 3000)))
			must(t, ratctl(t, b.addr, "", "get", "k"))
			ratctl(t, b.addr, "", "get", "miss")

			r := must(t, ratctlExec(t, b.addr, "", "stats"))
			for _, want := range []string{"STAT", "uptime", "curr_items", "hit_ratio", "50.0%", "KiB"} {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("stats lacks %q:\n%s", want, r.stdout)
				}
			}
			r = must(t, ratctl(t, b.addr, "", "stats", "--json"))
			var js map[string]map[string]any
			if err := json.Unmarshal([]byte(r.stdout), &js); err != nil {
				t.Fatal(err, r)
			}
			if n, ok := js[b.addr]["curr_items"].(float64); !ok || n != 1 {
				t.Errorf("stats --json curr_items = %v", js[b.addr]["curr_items"])
			}
			if r := must(t, ratctl(t, b.addr, "", "stats")); strings.Contains(r.stdout, "pointer_size") {
				t.Errorf("stats without --all shows everything:\n%s", r.stdout)
			}
			r = must(t, ratctl(t, b.addr, "", "stats", "--raw", "--all"))
			if strings.Contains(r.stdout, "KiB") || !strings.Contains(r.stdout, "pointer_size") {
				t.Errorf("stats --raw --all:\n%s", r.stdout)
			}

			r = must(t, ratctl(t, b.addr, "", "stats", "settings"))
			if !strings.Contains(r.stdout, "maxconns") {
				t.Errorf("stats settings:\n%s", r.stdout)
			}
			r = must(t, ratctl(t, b.addr, "", "stats", "items"))
			if !strings.HasPrefix(r.stdout, "CLASS") || !strings.Contains(r.stdout, "NUMBER") {
				t.Errorf("stats items:\n%s", r.stdout)
			}
			r = must(t, ratctl(t, b.addr, "", "stats", "slabs", "--all"))
			if !strings.HasPrefix(r.stdout, "CLASS") || !strings.Contains(r.stdout, "total_malloced") {
				t.Errorf("stats slabs:\n%s", r.stdout)
			}
			r = must(t, ratctl(t, b.addr, "", "stats", "conns"))
			if !strings.HasPrefix(r.stdout, "FD") || !strings.Contains(r.stdout, "conn_listening") {
				t.Errorf("stats conns:\n%s", r.stdout)
			}
			wantError(t, ratctl(t, b.addr, "", "stats", "bogus"), exitUsage, "must be one of")
		})
	}
	t.Run("watch", func(t *testing.T) {
		r := must(t, ratctlExec(t, "", "", "-s", bs[0].addr, "-s", bs[1].addr, "stats", "--watch", "--interval", "50ms", "--count", "3"))
		if n := strings.Count(r.stdout, "ratctl stats general, every 50ms"); n != 3 {
			t.Errorf("%d screens, want 3:\n%s", n, r.stdout)
		}
		if n := strings.Count(r.stdout, "== "+bs[1].addr+" =="); n != 3 {
			t.Errorf("%d sections for %s, want 3", n, bs[1].addr)
		}
		// Screens after the first have a rate column.
		if !strings.Contains(r.stdout, "RATE") || !strings.Contains(r.stdout, "/s") {
			t.Errorf("no rates:\n%s", r.stdout)
		}
		if strings.Contains(r.stdout, "\x1b[") {
			t.Errorf("terminal escapes when stdout is not a terminal")
		}
		r = must(t, ratctl(t, bs[0].addr, "", "stats", "--watch", "-i", "10ms", "-n", "2", "--json"))
		lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
		if len(lines) != 2 || !strings.Contains(lines[1], `"rates"`) {
			t.Errorf("watch --json: %q", r.stdout)
		}
	})
	t.Run("watch survives a dead server", func(t *testing.T) {
		r := must(t, ratctl(t, "", "", "-s", bs[0].addr, "-s", "127.0.0.1:1", "stats", "-w", "-i", "10ms", "-n", "2"))
		if strings.Count(r.stdout, "error: 127.0.0.1:1: connection refused") != 2 {
			t.Errorf("dead server not shown:\n%s", r.stdout)
		}
	})
}

func TestHuman(t *testing.T) {
	for _, c := range []struct{ name, value, want string }{
		{"bytes", "1536", "1.5 KiB"},
		{"limit_maxbytes", "67108864", "64.0 MiB"},
		{"bytes", "12", "12 B"},
		{"uptime", "3723", "1h2m3s"},
		{"time", "0", "1970-01-01T00:00:00Z"},
		{"curr_items", "1234567", "1,234,567"},
		{"pid", "123456", "123456"},
		{"rusage_user", "0.5", "0.500s"},
		{"version", "1.6.18", "1.6.18"},
	} {
		if got := human(c.name, c.value); got != c.want {
			t.Errorf("human(%s, %s) = %q, want %q", c.name, c.value, got, c.want)
		}
	}
	if got := humanRate("bytes_read", 2048); got != "2.0 KiB/s" {
		t.Errorf("humanRate bytes: %q", got)
	}
	if got := humanRate("cmd_get", 12345.4); got != "12,345/s" {
		t.Errorf("humanRate count: %q", got)
	}
	if got := humanRate("bytes_read", 6.98855); got != "7.0 B/s" {
		t.Errorf("humanRate small bytes: %q", got)
	}
	if got := humanRate("rusage_user", 0.25); got != "25.0% cpu" {
		t.Errorf("humanRate cpu: %q", got)
	}
}
