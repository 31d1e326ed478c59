package main

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/ratmemcache/ratmemcache/bench/mem"
	"github.com/ratmemcache/ratmemcache/memproto/memcachedtest"
)

func memcachedTemplate(t *testing.T) string {
	t.Helper()
	bin := memcachedtest.Binary()
	if bin == "" {
		if os.Getenv(memcachedtest.RequireEnv) != "" {
			t.Fatalf("memcached not found and %s is set", memcachedtest.RequireEnv)
		}
		t.Skip("memcached not installed")
	}
	cmd := bin + " -p {port} -l 127.0.0.1 -t 1 -U 0 -m 64"
	if os.Geteuid() == 0 {
		cmd += " -u root"
	}
	return cmd
}

func TestMemJSONTwoServers(t *testing.T) {
	cmd := memcachedTemplate(t)
	var out, errb bytes.Buffer
	err := run([]string{"mem", "-a", cmd, "-b", cmd, "-items", "5000", "-conns", "100", "-settle", "10ms", "-format", "json"}, &out, &errb)
	if err != nil {
		t.Fatalf("%v: %s", err, errb.String())
	}
	var rs []mem.Result
	if err := json.Unmarshal(out.Bytes(), &rs); err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || rs[0].Name != "A" || rs[1].Name != "B" {
		t.Fatalf("%+v", rs)
	}
	for _, r := range rs {
		if r.CurrItems != 5000 || r.CurrConnections < 100 || r.IdleRSS <= 0 {
			t.Errorf("%+v", r)
		}
	}
}

func TestMemTableItemsOnly(t *testing.T) {
	cmd := memcachedTemplate(t)
	var out, errb bytes.Buffer
	if err := run([]string{"mem", "-a", cmd, "-items", "1000", "-conns", "0", "-settle", "0", "-rounds", "2"}, &out, &errb); err != nil {
		t.Fatalf("%v: %s", err, errb.String())
	}
	if !strings.Contains(out.String(), "A round 2") || strings.Count(out.String(), "1000") < 2 {
		t.Errorf("table:\n%s", out.String())
	}
}

func TestMemAndCompareBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"mem"},
		{"mem", "-a", "x {port}", "-items", "0", "-conns", "0"},
		{"mem", "-a", "x {port}", "-items", "-1"},
		{"mem", "-a", "x {port}", "-format", "xml"},
		{"mem", "-a", "x {port}", "extra"},
		{"mem", "-a", "/nonexistent/server -p {port}", "-conns", "1", "-items", "0"},
		{"compare", "-a", "x {port}", "-b", "y {port}", "-suite", "nope"},
		{"compare", "-a", "x {port}", "-b", "y {port}", "-suite", "l2", "-l1", "0"},
	} {
		var out, errb bytes.Buffer
		if err := run(args, &out, &errb); err == nil {
			t.Errorf("run(%q) succeeded", args)
		}
	}
}
