package server_test

import (
	"errors"
	"testing"

	"github.com/bradfitz/gomemcache/memcache"
	"github.com/ratmemcache/ratmemcache/server"
)

// A widely used Go client library, github.com/bradfitz/gomemcache, against
// our server over the real engine: every operation it offers.
func TestGomemcacheClient(t *testing.T) {
	addr, _ := startServer(t, &server.Server{}, nil)
	mc := memcache.New(addr)
	mc.MaxIdleConns = 4
	if err := mc.Ping(); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	must("Set", mc.Set(&memcache.Item{Key: "k1", Value: []byte("v1"), Flags: 42}))
	it, err := mc.Get("k1")
	must("Get", err)
	if string(it.Value) != "v1" || it.Flags != 42 {
		t.Fatalf("Get = %q flags %d", it.Value, it.Flags)
	}
	if _, err := mc.Get("missing"); !errors.Is(err, memcache.ErrCacheMiss) {
		t.Fatalf("Get(missing) = %v, want ErrCacheMiss", err)
	}
	if err := mc.Add(&memcache.Item{Key: "k1", Value: []byte("x")}); !errors.Is(err, memcache.ErrNotStored) {
		t.Fatalf("Add(existing) = %v, want ErrNotStored", err)
	}
	must("Add", mc.Add(&memcache.Item{Key: "k2", Value: []byte("v2")}))
	must("Replace", mc.Replace(&memcache.Item{Key: "k2", Value: []byte("v2b")}))
	if err := mc.Replace(&memcache.Item{Key: "nope", Value: []byte("x")}); !errors.Is(err, memcache.ErrNotStored) {
		t.Fatalf("Replace(missing) = %v", err)
	}
	must("Append", mc.Append(&memcache.Item{Key: "k2", Value: []byte("+")}))
	must("Prepend", mc.Prepend(&memcache.Item{Key: "k2", Value: []byte("-")}))
	m, err := mc.GetMulti([]string{"k1", "k2", "missing"})
	must("GetMulti", err)
	if len(m) != 2 || string(m["k2"].Value) != "-v2b+" {
		t.Fatalf("GetMulti = %v", m)
	}
	// Compare and swap: the first CAS wins, a stale one loses.
	it, err = mc.Get("k1")
	must("Get for CAS", err)
	stale := *it
	it.Value = []byte("v1-new")
	must("CompareAndSwap", mc.CompareAndSwap(it))
	stale.Value = []byte("lost")
	if err := mc.CompareAndSwap(&stale); !errors.Is(err, memcache.ErrCASConflict) {
		t.Fatalf("stale CompareAndSwap = %v, want ErrCASConflict", err)
	}
	must("Set counter", mc.Set(&memcache.Item{Key: "n", Value: []byte("10")}))
	if n, err := mc.Increment("n", 5); err != nil || n != 15 {
		t.Fatalf("Increment = %d, %v", n, err)
	}
	if n, err := mc.Decrement("n", 20); err != nil || n != 0 {
		t.Fatalf("Decrement = %d, %v", n, err)
	}
	if _, err := mc.Increment("nope", 1); !errors.Is(err, memcache.ErrCacheMiss) {
		t.Fatalf("Increment(missing) = %v", err)
	}
	must("Touch", mc.Touch("k1", 100))
	must("Delete", mc.Delete("k1"))
	if err := mc.Delete("k1"); !errors.Is(err, memcache.ErrCacheMiss) {
		t.Fatalf("Delete twice = %v", err)
	}
	big := make([]byte, 2<<20)
	if err := mc.Set(&memcache.Item{Key: "big", Value: big}); err == nil {
		t.Fatal("a 2 MiB value was accepted with the default 1 MiB limit")
	}
	must("FlushAll", mc.FlushAll())
	if _, err := mc.Get("k2"); !errors.Is(err, memcache.ErrCacheMiss) {
		t.Fatalf("Get after FlushAll = %v", err)
	}
	// The connection survived the refused value: the pool still works.
	must("Set after errors", mc.Set(&memcache.Item{Key: "after", Value: []byte("ok")}))
}
