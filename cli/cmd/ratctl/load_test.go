package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestLoad is the dump → flush → load round trip on each server: every
// key, value, flag and (within a few seconds) TTL comes back.
func TestLoad(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			start := time.Now()
			want := fill(t, b.addr, 200)
			file := filepath.Join(t.TempDir(), "cache.rmd")
			must(t, ratctlExec(t, b.addr, "", "dump", file))
			must(t, ratctlExec(t, b.addr, "", "flush"))
			if r := must(t, ratctl(t, b.addr, "", "keys")); r.stdout != "" {
				t.Fatalf("items left after flush: %s", r.stdout)
			}
			r := must(t, ratctlExec(t, b.addr, "", "load", file))
			if !strings.HasPrefix(r.stdout, "loaded 204 items") {
				t.Errorf("load summary: %v", r)
			}
			check(t, b.addr, want, start)

			// From stdin, with a progress bar forced on.
			data, _ := os.ReadFile(file)
			must(t, ratctl(t, b.addr, "", "flush"))
			r = must(t, ratctl(t, b.addr, string(data), "load", "-", "--progress", "always"))
			if !strings.Contains(r.stderr, "load "+b.addr) {
				t.Errorf("no progress: %q", r.stderr)
			}
			check(t, b.addr, want, start)
		})
	}
}

// TestLoadMigration moves a memcached's content into a ratmemcached.
func TestLoadMigration(t *testing.T) {
	bs := backends(t)
	from, to := bs[0].addr, bs[1].addr
	start := time.Now()
	want := fill(t, from, 500)
	file := filepath.Join(t.TempDir(), "migrate.rmd")
	must(t, ratctlExec(t, from, "", "dump", file))
	r := must(t, ratctlExec(t, to, "", "load", file))
	if !strings.HasPrefix(r.stdout, "loaded 504 items") || !strings.Contains(r.stdout, "into "+to) {
		t.Errorf("load summary: %v", r)
	}
	check(t, to, want, start)
}

// TestLoadTTL: TTLs shrink by the time since the dump, items whose time
// ran out are skipped, and --keep-ttl restores them as dumped.
func TestLoadTTL(t *testing.T) {
	addr := startRatmemcached(t)
	file := filepath.Join(t.TempDir(), "old.rmd")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	w, _ := newDumpWriter(f, time.Now().Unix()-1000)
	for _, it := range []*dumpItem{
		{Key: "forever", Value: []byte("f")},
		{Key: "gone", Value: []byte("g"), TTL: 500},
		{Key: "left", Value: []byte("l"), TTL: 4600},
	} {
		if err := w.Write(it); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	start := time.Now()
	r := must(t, ratctl(t, addr, "", "load", file))
	if !strings.Contains(r.stdout, "loaded 2 items") || !strings.Contains(r.stdout, "1 skipped (expired since the dump)") {
		t.Errorf("load: %v", r)
	}
	check(t, addr, map[string]*dumpItem{"forever": {Key: "forever", Value: []byte("f")}, "left": {Key: "left", Value: []byte("l"), TTL: 3600}}, start)
	must(t, ratctl(t, addr, "", "flush"))
	must(t, ratctl(t, addr, "", "load", "--keep-ttl", file))
	check(t, addr, map[string]*dumpItem{"forever": {Key: "forever", Value: []byte("f")}, "gone": {Key: "gone", Value: []byte("g"), TTL: 500}, "left": {Key: "left", Value: []byte("l"), TTL: 4600}}, start)
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad")
	os.WriteFile(bad, []byte("not a dump"), 0o644)
	wantError(t, ratctlExec(t, "127.0.0.1:1", "", "load", bad), exitError, "not a valid ratctl dump file")
	wantError(t, ratctl(t, "127.0.0.1:1", "", "load", filepath.Join(dir, "missing")), exitError, "no such file")
	good := filepath.Join(dir, "good")
	f, _ := os.Create(good)
	w, _ := newDumpWriter(f, 0)
	w.Close()
	f.Close()
	wantError(t, ratctl(t, "127.0.0.1:1", "", "load", good), exitError, "connection refused")
	wantError(t, ratctl(t, "", "", "-s", "127.0.0.1:1", "-s", "127.0.0.1:2", "load", good), exitUsage, "one server")
}
