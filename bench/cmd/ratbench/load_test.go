package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/ratmemcache/ratmemcache/bench/load"
	"github.com/ratmemcache/ratmemcache/memproto/memcachedtest"
)

func TestLoadJSON(t *testing.T) {
	srv := memcachedtest.Start(t)
	var out, errb bytes.Buffer
	err := run([]string{"load", "-server", srv.Addr, "-conns", "2", "-pipeline", "4", "-requests", "300",
		"-warmup", "0", "-ratio", "1:1", "-sizes", "10,20:3", "-dist", "zipf:1.1", "-protocol", "meta", "-format", "json"}, &out, &errb)
	if err != nil {
		t.Fatalf("%v: %s", err, errb.String())
	}
	var r load.Result
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	if r.Ops != 300 || r.Sent != 300 || r.Received != 300 || r.Protocol != "meta" {
		t.Fatalf("%+v", r)
	}
}

func TestLoadTableAndBadFlags(t *testing.T) {
	srv := memcachedtest.Start(t)
	var out, errb bytes.Buffer
	if err := run([]string{"load", "-server", srv.Addr, "-requests", "10", "-warmup", "0"}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "latency") || !strings.Contains(out.String(), "ops/s") {
		t.Fatalf("table:\n%s", out.String())
	}
	for _, args := range [][]string{{"-sizes", "x"}, {"-ratio", "0:0"}, {"-dist", "pareto"}, {"-protocol", "binary"}, {"-conns", "0"}, {"-format", "xml"}} {
		if err := run(append([]string{"load", "-server", srv.Addr}, args...), &out, &errb); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
	if err := run([]string{"compare", "-a", "x {port}"}, &out, &errb); err == nil {
		t.Error("compare without -b accepted")
	}
}
