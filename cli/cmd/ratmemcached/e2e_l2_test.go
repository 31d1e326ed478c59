//go:build unix

package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestEndToEndL2Restart stores items with the text and the meta protocol
// under sync durability, stops the daemon with SIGTERM, starts it again
// on the same data directory and reads everything back.
func TestEndToEndL2Restart(t *testing.T) {
	bin := buildBinary(t)
	dir := filepath.Join(t.TempDir(), "data")
	port := strconv.Itoa(freePort(t))
	args := []string{"-p", port, "--data-dir", dir, "--durability", "sync"}
	addr := "127.0.0.1:" + port

	d := start(t, bin, args...)
	c := dial(t, addr)
	r := bufio.NewReader(c)
	big := strings.Repeat("0123456789", 1000) // compressed by LZ4 in L2
	want := []struct{ req, reply string }{
		{"set t1 5 0 5\r\nhello\r\n", "STORED"},
		{"set big 6 0 " + strconv.Itoa(len(big)) + "\r\n" + big + "\r\n", "STORED"},
		{"set n 0 0 2\r\n10\r\n", "STORED"},
		{"incr n 5\r\n", "15"},
		{"append t1 0 0 6\r\n world\r\n", "STORED"},
		{"set gone 0 0 1\r\nx\r\n", "STORED"},
		{"delete gone\r\n", "DELETED"},
		{"ms m1 3 F7\r\nabc\r\n", "HD"},
		{"ma n MD D2\r\n", "HD"},
		{"ms m2 2 F9 T3600\r\nzz\r\n", "HD"},
		{"md m2 q\r\nmn\r\n", "MN"},
	}
	for _, w := range want {
		if got := roundTrip(t, c, r, w.req, 1)[0]; got != w.reply {
			t.Fatalf("%q: reply %q, want %q", w.req, got, w.reply)
		}
	}
	gets := roundTrip(t, c, r, "gets t1\r\n", 3)
	f := strings.Fields(gets[0])
	if len(f) != 5 || gets[1] != "hello world" {
		t.Fatalf("gets t1: %q", gets)
	}
	casT1 := f[4]
	c.Close()
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := d.wait(t); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, d.stderr)
	}

	d = start(t, bin, args...)
	c = dial(t, addr)
	defer c.Close()
	r = bufio.NewReader(c)
	abs, _ := filepath.Abs(dir)
	if !strings.Contains(d.stderr.String(), "data_dir="+abs) || !strings.Contains(d.stderr.String(), "durability=sync") {
		t.Errorf("start-up does not print the data directory %s:\n%s", abs, d.stderr)
	}
	check := func(req string, lines ...string) {
		t.Helper()
		if got := roundTrip(t, c, r, req, len(lines)); fmt.Sprint(got) != fmt.Sprint(lines) {
			t.Errorf("after restart %q: %q, want %q", req, got, lines)
		}
	}
	check("get t1\r\n", "VALUE t1 5 11", "hello world", "END")
	check("get big\r\n", "VALUE big 6 "+strconv.Itoa(len(big)), big, "END")
	check("get n\r\n", "VALUE n 0 2", "13", "END")
	check("get gone\r\n", "END")
	check("mg m1 v f\r\n", "VA 3 f7", "abc")
	check("mg m2 v\r\n", "EN")
	check("mg n v\r\n", "VA 2", "13")
	// The unique from before the restart still identifies the version.
	check("cas t1 1 0 3 "+casT1+"\r\nnew\r\n", "STORED")
	check("get t1\r\n", "VALUE t1 1 3", "new", "END")
	stats := map[string]string{}
	for l := roundTrip(t, c, r, "stats\r\n", 1)[0]; l != "END"; l = roundTrip(t, c, r, "", 1)[0] {
		if f := strings.Fields(l); len(f) == 3 {
			stats[f[1]] = f[2]
		}
	}
	for _, k := range []string{"ratmemcache_l1_hits", "ratmemcache_l2_hits", "ratmemcache_l2_promotions",
		"ratmemcache_l2_write_errors", "ratmemcache_l2_queue_depth", "ratmemcache_l2_file_bytes"} {
		if _, ok := stats[k]; !ok {
			t.Errorf("stats lack %s", k)
		}
	}
	if stats["ratmemcache_l2_write_errors"] != "0" || stats["ratmemcache_l2_file_bytes"] == "0" {
		t.Errorf("L2 stats after a restart: %v", stats)
	}
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := d.wait(t); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, d.stderr)
	}
}

// TestEndToEndL2Locked starts a second daemon on the data directory of a
// running one: it must stop with a message that says the directory is
// locked.
func TestEndToEndL2Locked(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	port := strconv.Itoa(freePort(t))
	start(t, bin, "-p", port, "--data-dir", dir)
	dial(t, "127.0.0.1:"+port).Close()

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "-p", strconv.Itoa(freePort(t)), "--data-dir", dir).CombinedOutput()
	if err == nil {
		t.Fatalf("a second daemon started on a locked data directory:\n%s", out)
	}
	t.Logf("second daemon: %s", out)
	if !strings.Contains(string(out), "locked") || !strings.Contains(string(out), dir) {
		t.Errorf("output does not say that %s is locked:\n%s", dir, out)
	}
}

// TestEndToEndL2BadDataDir: a data directory that cannot be used stops
// start-up with a message that names it and says why.
func TestEndToEndL2BadDataDir(t *testing.T) {
	bin := buildBinary(t)
	garbage := t.TempDir()
	if err := os.WriteFile(filepath.Join(garbage, "ratmemcache.db"), bytes.Repeat([]byte("not bolt"), 1024), 0o600); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "plain-file")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, dir string
		want      []string
	}{
		{"not a database", garbage, []string{filepath.Join(garbage, "ratmemcache.db"), "RatMemCache database"}},
		{"a file", file, []string{file, "not a directory"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			out, err := exec.CommandContext(ctx, bin, "-p", strconv.Itoa(freePort(t)), "--data-dir", tc.dir).CombinedOutput()
			if err == nil {
				t.Fatalf("started on %s:\n%s", tc.dir, out)
			}
			t.Logf("%s", out)
			for _, w := range tc.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}
