package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSet(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			r := must(t, ratctlExec(t, b.addr, "", "set", "a", "from-arg", "--flags", "3", "--ttl", "1h"))
			if r.stdout != "STORED\n" {
				t.Errorf("set: %q", r.stdout)
			}
			file := filepath.Join(t.TempDir(), "value.bin")
			bin := []byte("binary\x00\r\nvalue\xff")
			if err := os.WriteFile(file, bin, 0o644); err != nil {
				t.Fatal(err)
			}
			must(t, ratctl(t, b.addr, "", "set", "b", "--file", file))
			must(t, ratctlExec(t, b.addr, "from stdin\n", "set", "c", "-t", "90"))
			must(t, ratctl(t, b.addr, "piped", "set", "d", "--file", "-"))
			// A TTL beyond 30 days is sent as a Unix time.
			must(t, ratctl(t, b.addr, "", "set", "e", "long", "--ttl", "1000h"))
			for key, want := range map[string]string{"a": "from-arg", "b": string(bin), "c": "from stdin\n", "d": "piped", "e": "long"} {
				if r := must(t, ratctl(t, b.addr, "", "get", key)); r.stdout != want {
					t.Errorf("get %s = %q, want %q", key, r.stdout, want)
				}
			}
			r = must(t, ratctl(t, b.addr, "", "keys", "--json", "--match", "[ace]"))
			for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
				switch {
				case strings.Contains(line, `"key":"a"`) && !strings.Contains(line, `"ttl":3600`) && !strings.Contains(line, `"ttl":3599`):
					t.Errorf("a: ttl not ~1h: %s", line)
				case strings.Contains(line, `"key":"c"`) && !strings.Contains(line, `"ttl":90`) && !strings.Contains(line, `"ttl":89`):
					t.Errorf("c: ttl not ~90s: %s", line)
				case strings.Contains(line, `"key":"e"`) && !strings.Contains(line, `"ttl":3600000`) && !strings.Contains(line, `"ttl":3599999`):
					t.Errorf("e: ttl not ~1000h: %s", line)
				}
			}
			wantError(t, ratctl(t, b.addr, "", "set", "x", "v", "--file", file), exitUsage, "not both")
			wantError(t, ratctl(t, b.addr, "", "set", "x", "v", "--ttl", "soon"), exitUsage, "--ttl")
			wantError(t, ratctl(t, b.addr, "", "set", "bad key", "v"), exitError, "invalid key")
		})
	}
}
