package engine

import (
	"errors"
	"testing"
	"time"
)

func TestMetaRecacheAndStale(t *testing.T) {
	c, clk := newTestCache(t, Config{})
	get := func(op MetaOp) MetaResult {
		t.Helper()
		op.Command = MetaGet
		_, r := c.Meta(nil, "k", &op)
		return r
	}
	// Vivify: the creator wins, fetched, the next reader sees Z.
	if r := get(MetaOp{Vivify: true, VivifyExptime: 30}); !r.Vivified || !r.Won || r.VivifiedTTL != 30 || r.TTL != -1 {
		t.Fatalf("vivify: %+v", r)
	}
	if r := get(MetaOp{}); r.Err != nil || r.Won || !r.TokenSent || !r.Fetched || r.TTL != 30 {
		t.Fatalf("after vivify: %+v", r)
	}
	// md I: stale, token cleared, new CAS; one winner again.
	_, d := c.Meta(nil, "k", &MetaOp{Command: MetaDelete, Invalidate: true})
	if d.Err != nil {
		t.Fatal(d.Err)
	}
	if r := get(MetaOp{}); !r.Stale || !r.Won || r.TokenSent || r.CAS != d.CAS {
		t.Fatalf("stale: %+v", r)
	}
	if r := get(MetaOp{}); !r.Stale || r.Won || !r.TokenSent {
		t.Fatalf("stale again: %+v", r)
	}
	// A plain set clears the marks; R wins below the remaining TTL only.
	if _, r := c.Meta(nil, "k", &MetaOp{Command: MetaSet, Value: []byte("v"), Exptime: 100}); r.Err != nil {
		t.Fatal(r.Err)
	}
	if r := get(MetaOp{RecacheTTL: 50}); r.Won || r.Stale || r.Fetched {
		t.Fatalf("R50 on TTL 100: %+v", r)
	}
	clk.Advance(61 * time.Second)
	if r := get(MetaOp{RecacheTTL: 50}); !r.Won || r.TTL != 39 || r.LastAccess != 61 {
		t.Fatalf("R50 on TTL 39: %+v", r)
	}
	// The mg above moved the last access time (older than a minute).
	if r := get(MetaOp{NoBump: true}); r.LastAccess != 0 {
		t.Fatalf("last access: %+v", r)
	}
}

func TestMetaSetInvalidateAndArith(t *testing.T) {
	c, _ := newTestCache(t, Config{})
	set := func(op MetaOp) MetaResult {
		t.Helper()
		op.Command = MetaSet
		_, r := c.Meta(nil, "k", &op)
		return r
	}
	r1 := set(MetaOp{Value: []byte("a"), Exptime: 100, BinaryKey: true})
	if r := set(MetaOp{Mode: MetaModeCAS, CAS: r1.CAS + 5, Value: []byte("b")}); !errors.Is(r.Err, ErrExists) {
		t.Fatalf("bad cas: %+v", r)
	}
	// A matching CAS with I is a plain cas store.
	r2 := set(MetaOp{Mode: MetaModeCAS, CAS: r1.CAS, Invalidate: true, Value: []byte("b"), Exptime: 100})
	if r2.Err != nil {
		t.Fatal(r2.Err)
	}
	// An older CAS with I stores the value as stale, keeping the TTL.
	r3 := set(MetaOp{Mode: MetaModeCAS, CAS: r1.CAS, Invalidate: true, Value: []byte("c")})
	if r3.Err != nil || r3.CAS <= r2.CAS {
		t.Fatalf("invalidating set: %+v", r3)
	}
	v, g := c.Meta(nil, "k", &MetaOp{Command: MetaGet, WantValue: true})
	if string(v) != "c" || !g.Stale || g.TTL != 100 || g.BinaryKey {
		t.Fatalf("after invalidating set: %q %+v", v, g)
	}
	// ma: vivify with J, then a number that outgrows its item keeps
	// its TTL despite T, as in memcached; in place, T applies.
	ar := func(op MetaOp) MetaResult {
		t.Helper()
		op.Command = MetaArith
		_, r := c.Meta(nil, "n", &op)
		return r
	}
	if r := ar(MetaOp{Vivify: true, VivifyExptime: 100, Initial: 99, Delta: 1}); !r.Vivified || r.Number != 99 {
		t.Fatalf("ma vivify: %+v", r)
	}
	if r := ar(MetaOp{Delta: 1, Touch: true, Exptime: 0}); r.Number != 100 || r.TouchedTTL != -1 {
		t.Fatalf("ma grow: %+v", r)
	}
	if r := ar(MetaOp{Delta: 1, Touch: true, Exptime: 0}); r.Number != 101 || r.TTL != 100 {
		t.Fatalf("ma in place: %+v", r)
	}
	if r := ar(MetaOp{Delta: 1}); r.TTL != -1 {
		t.Fatalf("ma touched: %+v", r)
	}
	// me
	_, d := c.Meta(nil, "n", &MetaOp{Command: MetaDebug})
	if d.Err != nil || d.Size != ItemHeaderSize+1+3 || d.Class == 0 {
		t.Fatalf("me: %+v", d)
	}
}
