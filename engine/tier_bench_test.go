package engine

import (
	"strconv"
	"testing"
	"time"
)

// benchTiered returns a Tiered over an L1 of l1Mem bytes and a memL2
// holding n keys of 100-byte values.
func benchTiered(b *testing.B, l1Mem int64, n int) (*Tiered, []string) {
	b.Helper()
	l1, err := New(&Config{MaxMemory: l1Mem, MaxItemSize: 64 << 10, Shards: 4})
	if err != nil {
		b.Fatal(err)
	}
	l2 := newMemL2(func() int64 { return time.Now().Unix() })
	tc, err := NewTiered(l1, l2, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { tc.Close() })
	keys := make([]string, n)
	val := make([]byte, 100)
	for i := range keys {
		keys[i] = "key:" + strconv.Itoa(i*7919)
		if _, err := tc.Set(keys[i], val, 0, 0); err != nil {
			b.Fatal(err)
		}
	}
	return tc, keys
}

// BenchmarkTiered_GetL2Hit reads keys that are not in L1 (it holds a few
// hundred of the 64Ki keys read in turn): each read misses L1, reads the
// in-memory L2 double and promotes the item, evicting another.
func BenchmarkTiered_GetL2Hit(b *testing.B) {
	tc, keys := benchTiered(b, 1<<20, benchKeys)
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		v, _, err := tc.GetInto(buf[:0], keys[i&(benchKeys-1)])
		if err != nil || len(v) != 100 {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	st := tc.Stats().Tier
	b.ReportMetric(float64(st.L2Hits)/float64(st.L2Hits+st.L1Hits), "l2hit/op")
}

// BenchmarkTiered_GetL1Hit is the same read when L1 holds every key, for
// comparison with BenchmarkGetHit (a Cache alone).
func BenchmarkTiered_GetL1Hit(b *testing.B) {
	tc, keys := benchTiered(b, 64<<20, benchKeys)
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		v, _, err := tc.GetInto(buf[:0], keys[i&(benchKeys-1)])
		if err != nil || len(v) != 100 {
			b.Fatal(err)
		}
	}
}

// BenchmarkTiered_SetWriteThrough stores into L1 and the in-memory L2
// double, for comparison with BenchmarkSet (a Cache alone).
func BenchmarkTiered_SetWriteThrough(b *testing.B) {
	tc, keys := benchTiered(b, 64<<20, benchKeys)
	val := make([]byte, 100)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := tc.Set(keys[i&(benchKeys-1)], val, 0, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTiered_SetWriteThroughParallel is the same from GOMAXPROCS
// goroutines (the double's single mutex is the bottleneck, as one bbolt
// writer would be without group commit).
func BenchmarkTiered_SetWriteThroughParallel(b *testing.B) {
	tc, keys := benchTiered(b, 64<<20, benchKeys)
	val := make([]byte, 100)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for i := 0; pb.Next(); i += 7 {
			if _, err := tc.Set(keys[i&(benchKeys-1)], val, 0, 0); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
