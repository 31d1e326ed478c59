package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGet(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			must(t, ratctl(t, b.addr, "", "set", "greeting", "hello world", "--flags", "42"))
			r := must(t, ratctlExec(t, b.addr, "", "get", "greeting"))
			if r.stdout != "hello world" {
				t.Errorf("get: %q", r.stdout)
			}
			r = must(t, ratctl(t, b.addr, "", "get", "greeting", "--json"))
			var got struct {
				Key   string
				Value string
				Flags uint32
				Bytes int
			}
			if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
				t.Fatal(err, r)
			}
			if got.Key != "greeting" || got.Value != "hello world" || got.Flags != 42 || got.Bytes != 11 {
				t.Errorf("get --json: %+v", got)
			}
			r = must(t, ratctl(t, b.addr, "", "get", "greeting", "--meta"))
			if !strings.Contains(r.stderr, "flags=42") {
				t.Errorf("get --meta: %v", r)
			}
			out := filepath.Join(t.TempDir(), "v")
			must(t, ratctl(t, b.addr, "", "get", "greeting", "-o", out))
			if data, _ := os.ReadFile(out); string(data) != "hello world" {
				t.Errorf("get -o: %q", data)
			}
			wantError(t, ratctlExec(t, b.addr, "", "get", "missing"), exitNotFound, `get "missing": not found`)
			wantError(t, ratctl(t, b.addr, "", "get", strings.Repeat("k", 251)), exitError, "invalid key")
		})
	}
}
