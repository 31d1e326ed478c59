package engine

import (
	"math/rand/v2"
	"strconv"
	"testing"
)

const benchKeys = 1 << 16

func benchCache(b *testing.B) (*Cache, []string) {
	b.Helper()
	c, err := New(&Config{MaxMemory: 256 << 20})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	keys := make([]string, benchKeys)
	val := make([]byte, 100)
	for i := range keys {
		keys[i] = "key:" + strconv.Itoa(i*7919)
		if _, err := c.Set(keys[i], val, 0, 0); err != nil {
			b.Fatal(err)
		}
	}
	return c, keys
}

func BenchmarkGetHit(b *testing.B) {
	c, keys := benchCache(b)
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		v, _, err := c.GetInto(buf[:0], keys[i&(benchKeys-1)])
		if err != nil || len(v) != 100 {
			b.Fatal(err)
		}
	}
}

func BenchmarkSet(b *testing.B) {
	c, keys := benchCache(b)
	val := make([]byte, 100)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := c.Set(keys[i&(benchKeys-1)], val, 0, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParallelMix runs 90% gets and 10% sets from GOMAXPROCS
// goroutines.
func BenchmarkParallelMix(b *testing.B) {
	c, keys := benchCache(b)
	val := make([]byte, 100)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		r := rand.New(rand.NewPCG(rand.Uint64(), 1))
		buf := make([]byte, 0, 256)
		for pb.Next() {
			x := r.Uint64()
			k := keys[x&(benchKeys-1)]
			if (x>>32)%10 == 0 {
				c.Set(k, val, 0, 0)
			} else {
				c.GetInto(buf[:0], k)
			}
		}
	})
}
