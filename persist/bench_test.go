package persist_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/ratmemcache/ratmemcache/engine"
	"github.com/ratmemcache/ratmemcache/persist"
)

// BenchmarkPut compares group commit with one transaction per put: many
// goroutines each put one 100-byte entry per call. In sync mode every
// transaction is one fsync, so the ratio is the point of group commit.
func BenchmarkPut(b *testing.B) {
	for _, d := range []persist.Durability{persist.DurabilitySync, persist.DurabilityInterval} {
		for _, tc := range []struct {
			name     string
			maxBatch int
		}{{"group-commit", 0}, {"tx-per-put", 1}} {
			b.Run(d.String()+"/"+tc.name, func(b *testing.B) {
				s, err := persist.Open(b.TempDir(), persist.Options{Durability: d, MaxBatchOps: tc.maxBatch})
				if err != nil {
					b.Fatal(err)
				}
				defer s.Close()
				val := make([]byte, 100)
				var n atomic.Int64
				b.SetParallelism(32) // 32 writers per GOMAXPROCS
				b.ReportAllocs()
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						k := fmt.Sprintf("key-%d", n.Add(1)%100000)
						if err := s.Put(engine.L2Entry{Key: k, Value: val}); err != nil {
							b.Error(err)
							return
						}
					}
				})
				b.StopTimer()
				st := s.Stats()
				b.ReportMetric(float64(st.Puts)/float64(max(st.Transactions, 1)), "puts/tx")
			})
		}
	}
}

// BenchmarkGetHit reads present keys (an L2 hit): one read transaction,
// decode and copy out; "lz4" values are 4 KiB compressible text.
func BenchmarkGetHit(b *testing.B) {
	for _, tc := range []struct {
		name string
		val  []byte
	}{{"100B", make([]byte, 100)}, {"4KiB-lz4", compressible(4096)}, {"4KiB-raw", randomBytes(4096)}} {
		b.Run(tc.name, func(b *testing.B) {
			s, err := persist.Open(b.TempDir(), persist.Options{Durability: persist.DurabilityNone})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			const keys = 10000
			batch := make([]engine.L2Entry, 0, 1000)
			for i := range keys {
				batch = append(batch, engine.L2Entry{Key: fmt.Sprint("key-", i), Value: tc.val})
				if len(batch) == cap(batch) {
					if err := s.PutBatch(batch); err != nil {
						b.Fatal(err)
					}
					batch = batch[:0]
				}
			}
			ks := make([]string, keys)
			for i := range ks {
				ks[i] = fmt.Sprint("key-", i)
			}
			b.ReportAllocs()
			b.SetBytes(int64(len(tc.val)))
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					if _, ok, err := s.Get(ks[i%keys]); !ok || err != nil {
						b.Error("miss", err)
						return
					}
					i += 7
				}
			})
		})
	}
}
