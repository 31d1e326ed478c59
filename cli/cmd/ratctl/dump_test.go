package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ratmemcache/ratmemcache/cli/internal/client"
)

// fill stores n items with distinct flags, values and TTLs (every third
// never expires), plus some awkward ones, and returns what was stored.
// The awkward ones go through ratctl set, the rest through the client.
func fill(t *testing.T, addr string, n int) map[string]*dumpItem {
	t.Helper()
	conn := dialT(t, addr)
	defer conn.Close()
	want := map[string]*dumpItem{}
	for i := range n {
		it := &dumpItem{Key: fmt.Sprintf("key:%04d", i), Value: []byte(strings.Repeat(fmt.Sprint(i), i%50+1)), Flags: uint32(i * 7)}
		if i%3 != 0 {
			it.TTL = int64(600 + i)
		}
		if err := conn.Set(&client.Item{Key: it.Key, Value: it.Value, Flags: it.Flags}, it.TTL); err != nil {
			t.Fatal(err)
		}
		want[it.Key] = it
	}
	awkward := map[string]*dumpItem{}
	awkward["bin%ary"] = &dumpItem{Key: "bin%ary", Value: []byte("\x00\r\nEND\r\n\xff"), Flags: 1<<32 - 1}
	awkward["empty"] = &dumpItem{Key: "empty", Value: []byte{}, Flags: 1}
	awkward["long-ttl"] = &dumpItem{Key: "long-ttl", Value: []byte("60 days"), TTL: 60 * 24 * 3600}
	awkward["large"] = &dumpItem{Key: "large", Value: []byte(strings.Repeat("L", 500<<10)), Flags: 9, TTL: 3600}
	for _, it := range awkward {
		args := []string{"set", it.Key, "--file", "-", "--flags", fmt.Sprint(it.Flags), "--ttl", fmt.Sprint(it.TTL)}
		must(t, ratctl(t, addr, string(it.Value), args...))
		want[it.Key] = it
	}
	return want
}

func dialT(t *testing.T, addr string) *client.Conn {
	t.Helper()
	conn, err := client.Dial(addr, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return conn
}

// check compares the server's items to want: values and flags exactly,
// TTLs within the seconds since since (when the items were stored), plus
// two for rounding.
func check(t *testing.T, addr string, want map[string]*dumpItem, since time.Time) {
	t.Helper()
	slack := int64(time.Since(since).Seconds()) + 2
	conn := dialT(t, addr)
	defer conn.Close()
	now, err := conn.ServerTime()
	if err != nil {
		t.Fatal(err)
	}
	exp := map[string]int64{}
	if err := conn.Metadump(func(mi client.MetaItem) error { exp[mi.Key] = mi.Exp; return nil }); err != nil {
		t.Fatal(err)
	}
	if len(exp) != len(want) {
		t.Errorf("%s holds %d items, want %d", addr, len(exp), len(want))
	}
	for k, w := range want {
		it, err := conn.Get(k)
		if err != nil {
			t.Errorf("get %q: %v", k, err)
			continue
		}
		if string(it.Value) != string(w.Value) || it.Flags != w.Flags {
			t.Errorf("%q: value %.20q flags %d, want %.20q flags %d", k, it.Value, it.Flags, w.Value, w.Flags)
		}
		x, ok := exp[k]
		switch {
		case !ok:
			t.Errorf("%q not in the metadump", k)
		case w.TTL == 0 && x != -1:
			t.Errorf("%q: expires at %d, want never", k, x)
		case w.TTL > 0 && (x-now < w.TTL-slack || x-now > w.TTL+1):
			t.Errorf("%q: TTL %d, want %d (±%d)", k, x-now, w.TTL, slack)
		}
	}
}

func TestDump(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			start := time.Now()
			want := fill(t, b.addr, 300)
			file := filepath.Join(t.TempDir(), "cache.rmd")
			r := must(t, ratctlExec(t, b.addr, "", "dump", file))
			if !strings.HasPrefix(r.stdout, fmt.Sprintf("dumped %d items", len(want))) || r.stderr != "" {
				t.Errorf("dump summary: %v", r)
			}
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			_, items, err := readDump(data)
			if err != nil || len(items) != len(want) {
				t.Fatalf("dump file: %v, %d items", err, len(items))
			}
			slack := int64(time.Since(start).Seconds()) + 2
			for _, it := range items {
				w := want[it.Key]
				if w == nil || string(w.Value) != string(it.Value) || w.Flags != it.Flags || it.TTL > w.TTL || it.TTL < w.TTL-slack || (w.TTL == 0) != (it.TTL == 0) {
					t.Errorf("dumped %q = %+v, stored %+v", it.Key, it, w)
				}
			}
			// Refuses to overwrite, and leaves no temporary file.
			wantError(t, ratctl(t, b.addr, "", "dump", file), exitError, "exists")
			if m, _ := filepath.Glob(filepath.Join(filepath.Dir(file), ".*tmp")); len(m) != 0 {
				t.Errorf("temporary files left: %v", m)
			}
			// --match, to stdout, with a progress bar forced on.
			r = must(t, ratctl(t, b.addr, "", "dump", "-", "--match", "key:00*", "--progress", "always", "--batch", "7"))
			_, items, err = readDump([]byte(r.stdout))
			if err != nil || len(items) != 100 {
				t.Errorf("dump --match to stdout: %v, %d items", err, len(items))
			}
			if !strings.Contains(r.stderr, "100%") || !strings.Contains(r.stderr, "dumped 100 items") {
				t.Errorf("progress and summary on stderr: %q", r.stderr)
			}
		})
	}
}

func TestDumpErrors(t *testing.T) {
	wantError(t, ratctlExec(t, "127.0.0.1:1", "", "dump", filepath.Join(t.TempDir(), "x")), exitError, "connection refused")
	wantError(t, ratctl(t, "127.0.0.1:1", "", "dump", filepath.Join(t.TempDir(), "no", "such", "dir")), exitError, "no such file")
}

// TestDumpInterrupt: an interrupt stops a dump with exit status 130 and
// leaves neither the file nor a temporary file.
func TestDumpInterrupt(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGINT")
	}
	addr := startRatmemcached(t)
	conn := dialT(t, addr)
	items := make([]*client.Item, 2000)
	exps := make([]int64, len(items))
	for i := range items {
		items[i] = &client.Item{Key: fmt.Sprint("k", i), Value: []byte("v")}
	}
	if _, err := conn.SetMulti(items, exps); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	dir := t.TempDir()
	file := filepath.Join(dir, "d")
	cmd := exec.Command(ratctlBin, "-s", addr, "dump", file, "--batch", "1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait for the temporary file: the dump has begun.
	for deadline := time.Now().Add(10 * time.Second); ; {
		if m, _ := filepath.Glob(filepath.Join(dir, ".d.*")); len(m) > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	_ = cmd.Process.Signal(os.Interrupt)
	err := cmd.Wait()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != exitInterrupted {
		t.Fatalf("exit: %v; stderr %q", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "dump interrupted") {
		t.Errorf("stderr: %q", stderr.String())
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*")); len(m) != 0 {
		t.Errorf("files left: %v", m)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, ".*")); len(m) != 0 {
		t.Errorf("files left: %v", m)
	}
}
