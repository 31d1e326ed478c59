package persist_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/ratmemcache/ratmemcache/engine"
	"github.com/ratmemcache/ratmemcache/persist"
)

// TestStore_Model runs random operations against the store and a map,
// closing and reopening the store now and then; both must agree.
func TestStore_Model(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, seed))
			dir := t.TempDir()
			opts := persist.Options{CompressionThreshold: 64, Durability: []persist.Durability{persist.DurabilityNone, persist.DurabilityInterval}[seed%2]} // sync: see TestCrash
			s, err := persist.Open(dir, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = s.Close() }()
			model := map[string]engine.L2Entry{}
			for i := range 1000 {
				k := fmt.Sprint("k", r.IntN(60))
				switch p := r.IntN(100); {
				case p < 45:
					n := r.IntN(4)
					var batch []engine.L2Entry
					for j := 0; j <= n; j++ {
						kk := fmt.Sprint("k", r.IntN(60))
						v := bytes.Repeat([]byte{byte('a' + r.IntN(26))}, r.IntN(300))
						e := engine.L2Entry{Key: kk, Value: v, Flags: r.Uint32(), CAS: r.Uint64()}
						batch = append(batch, e)
					}
					if err := s.PutBatch(batch); err != nil {
						t.Fatal(err)
					}
					for _, e := range batch {
						model[e.Key] = e
					}
				case p < 60:
					if err := s.Delete(k); err != nil {
						t.Fatal(err)
					}
					delete(model, k)
				case p < 61:
					if err := s.Clear(); err != nil {
						t.Fatal(err)
					}
					clear(model)
				case p < 63:
					if err := s.Close(); err != nil {
						t.Fatal(err)
					}
					if s, err = persist.Open(dir, opts); err != nil {
						t.Fatal(err)
					}
				case p < 64:
					if err := s.Compact(); err != nil {
						t.Fatal(err)
					}
				default:
					got, ok, err := s.Get(k)
					want, wok := model[k]
					if err != nil || ok != wok || (ok && (!bytes.Equal(got.Value, want.Value) || got.Flags != want.Flags || got.CAS != want.CAS)) {
						t.Fatalf("op %d Get(%s) = %v %v, model has %v", i, k, ok, err, wok)
					}
				}
			}
			n := 0
			_ = s.Range(func(e engine.L2Entry) bool {
				n++
				if m, ok := model[e.Key]; !ok || !bytes.Equal(m.Value, e.Value) {
					t.Errorf("Range: %s differs from the model", e.Key)
				}
				return true
			})
			if n != len(model) || s.Stats().Items != int64(len(model)) {
				t.Errorf("Range saw %d, Items %d, model %d", n, s.Stats().Items, len(model))
			}
		})
	}
}

func TestStore_CloseStopsGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	s, err := persist.Open(t.TempDir(), persist.Options{CleanupInterval: time.Millisecond, SyncInterval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_ = s.Put(engine.L2Entry{Key: "k", Value: []byte("v")})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("goroutines: %d before Open, %d after Close\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(5 * time.Millisecond)
	}
}
