package main

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// writeTrace writes keys as a gzip'd trace file and returns its path.
func writeTrace(t *testing.T, name string, keys []uint64) string {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	for _, k := range keys {
		zw.Write([]byte(strconv.FormatUint(k, 10) + "\n"))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestSimCSV(t *testing.T) {
	// A loop over 4 keys, 5 times: LRU of size 4 hits all but the first
	// pass (16 of 20), LRU of size 3 never hits.
	var keys []uint64
	for range 5 {
		keys = append(keys, 10, 20, 30, 40)
	}
	path := writeTrace(t, "loop.keys.gz", keys)
	var out, errb bytes.Buffer
	err := run([]string{"sim", "-trace", path, "-sizes", "3,4", "-policies", "lru,fifo", "-format", "csv"}, &out, &errb)
	if err != nil {
		t.Fatalf("run: %v (%s)", err, errb.String())
	}
	want := strings.Join([]string{
		"trace,size,policy,requests,hits,hit_ratio",
		"loop,3,lru,20,0,0.00",
		"loop,3,fifo,20,0,0.00",
		"loop,4,lru,20,16,80.00",
		"loop,4,fifo,20,16,80.00",
		"",
	}, "\n")
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
}

// TestSimShards: -shards splits every cache; a working set of two keys
// fits any of two shards of 4, so the sharded caches hit all but the first
// pass, as the whole one does.
func TestSimShards(t *testing.T) {
	var keys []uint64
	for range 5 {
		keys = append(keys, 10, 20)
	}
	path := writeTrace(t, "two.keys.gz", keys)
	var out, errb bytes.Buffer
	err := run([]string{"sim", "-trace", path, "-sizes", "8", "-shards", "2", "-policies", "lru,hybrid", "-format", "csv"}, &out, &errb)
	if err != nil {
		t.Fatalf("run: %v (%s)", err, errb.String())
	}
	want := "trace,size,policy,requests,hits,hit_ratio\ntwo,8,lru,10,8,80.00\ntwo,8,hybrid,10,8,80.00\n"
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
}

func TestSimTableAndMultipleTraces(t *testing.T) {
	a := writeTrace(t, "a.keys.gz", []uint64{1, 1, 2, 1})
	b := writeTrace(t, "b.keys.gz", []uint64{7, 8, 7, 8})
	var out, errb bytes.Buffer
	if err := run([]string{"sim", "-trace", a + "," + b, "-sizes", "1", "-policies", "lru"}, &out, &errb); err != nil {
		t.Fatalf("run: %v (%s)", err, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("got %d lines:\n%s", len(lines), out.String())
	}
	if f := strings.Fields(lines[1]); strings.Join(f, " ") != "a 1 lru 4 1 25.00" {
		t.Errorf("row a: %q", lines[1])
	}
	if f := strings.Fields(lines[2]); strings.Join(f, " ") != "b 1 lru 4 0 0.00" {
		t.Errorf("row b: %q", lines[2])
	}
}

func TestSimErrors(t *testing.T) {
	path := writeTrace(t, "x.keys.gz", []uint64{1})
	for _, args := range [][]string{
		{},
		{"bogus"},
		{"sim"},
		{"sim", "-trace", path},
		{"sim", "-trace", path, "-sizes", "0"},
		{"sim", "-trace", path, "-sizes", "4", "-policies", "nope"},
		{"sim", "-trace", path, "-sizes", "4", "-format", "xml"},
		{"sim", "-trace", path, "-sizes", "4", "-shards", "0"},
		{"sim", "-trace", path, "-sizes", "4", "-shards", "5"},
		{"sim", "-trace", filepath.Join(t.TempDir(), "missing.gz"), "-sizes", "4"},
	} {
		var out, errb bytes.Buffer
		if err := run(args, &out, &errb); err == nil {
			t.Errorf("run(%q) succeeded", args)
		}
	}
}

func TestSynthWritesTracesSimReads(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "traces")
	var out, errb bytes.Buffer
	err := run([]string{"synth", "-o", dir, "-kinds", "zipf-0.9,phases", "-requests", "3000"}, &out, &errb)
	if err != nil {
		t.Fatalf("synth: %v (%s)", err, errb.String())
	}
	for _, k := range []string{"zipf-0.9", "phases"} {
		path := filepath.Join(dir, "syn-"+k+".keys.gz")
		out.Reset()
		if err := run([]string{"sim", "-trace", path, "-sizes", "100", "-format", "csv"}, &out, &errb); err != nil {
			t.Fatalf("sim %s: %v", path, err)
		}
		if !strings.Contains(out.String(), "syn-"+k+",100,lru,3000,") {
			t.Errorf("sim output for %s:\n%s", k, out.String())
		}
	}
	for _, bad := range [][]string{
		{"synth"},
		{"synth", "-o", dir, "-kinds", "nope"},
		{"synth", "-o", dir, "-requests", "0"},
	} {
		if err := run(bad, &out, &errb); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
