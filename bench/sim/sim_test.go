package sim

import (
	"bytes"
	"compress/gzip"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// zipfTrace returns n keys drawn from a Zipf distribution over distinct
// keys, deterministic for a seed.
func zipfTrace(seed uint64, n int, distinct uint64) []uint64 {
	r := rand.New(rand.NewPCG(seed, seed^0x9e37))
	z := rand.NewZipf(r, 1.1, 1, distinct-1)
	keys := make([]uint64, n)
	for i := range keys {
		keys[i] = z.Uint64()
	}
	return keys
}

// lruHits counts LRU hits naively (O(n) per request), as an independent
// oracle.
func lruHits(keys []uint64, size int) uint64 {
	var order []uint64 // most recent last
	var hits uint64
	for _, k := range keys {
		i := -1
		for j, o := range order {
			if o == k {
				i = j
				break
			}
		}
		if i >= 0 {
			hits++
			order = append(order[:i], order[i+1:]...)
		} else if len(order) == size {
			order = order[1:]
		}
		order = append(order, k)
	}
	return hits
}

func TestReplayLRUExact(t *testing.T) {
	keys := []uint64{1, 2, 3, 1, 4, 2, 5, 1, 3, 3}
	// size 3: 1 2 3 | 1 hit | 4 evicts 2 | 2 miss evicts 3 | 5 evicts 1 |
	// 1 miss evicts 4 | 3 miss evicts 2 | 3 hit
	r, err := Replay(keys, 3, "lru")
	if err != nil {
		t.Fatal(err)
	}
	if r.Requests != 10 || r.Hits != 2 {
		t.Fatalf("got %d/%d hits, want 2/10", r.Hits, r.Requests)
	}
	big := zipfTrace(1, 20000, 2000)
	for _, size := range []int{1, 10, 100} {
		r, err := Replay(big, size, "lru")
		if err != nil {
			t.Fatal(err)
		}
		if want := lruHits(big, size); r.Hits != want {
			t.Errorf("size %d: lru hits %d, oracle %d", size, r.Hits, want)
		}
	}
}

// TestReferenceHashicorp cross-checks the engine's LRU, 2Q and ARC against
// hashicorp/golang-lru on a Zipf trace and on a real one.
func TestReferenceHashicorp(t *testing.T) {
	traces := map[string][]uint64{"zipf": zipfTrace(2, 100000, 10000)}
	if keys, err := ReadTrace("../../../shared/traces/lirs-multi2.keys.gz"); err == nil {
		traces["multi2"] = keys
	}
	for name, keys := range traces {
		for _, size := range []int{100, 1000} {
			for _, c := range []struct {
				ours, ref string
				tolerance float64 // percentage points of hit ratio
			}{
				{"lru", RefLRU, 0},
				{"2q", Ref2Q, 0},
				{"arc", RefARC, 0.5},
			} {
				a, err := Replay(keys, size, c.ours)
				if err != nil {
					t.Fatal(err)
				}
				b, err := Replay(keys, size, c.ref)
				if err != nil {
					t.Fatal(err)
				}
				d := a.HitRatio() - b.HitRatio()
				if d < -c.tolerance || d > c.tolerance {
					t.Errorf("%s size %d: %s %.2f%% vs %s %.2f%%", name, size, c.ours, a.HitRatio(), c.ref, b.HitRatio())
				}
			}
		}
	}
}

func TestEveryPolicyReplays(t *testing.T) {
	keys := zipfTrace(3, 5000, 500)
	for _, p := range PolicyNames() {
		r, err := Replay(keys, 50, p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if r.Hits == 0 || r.Hits >= r.Requests {
			t.Errorf("%s: implausible %d hits of %d", p, r.Hits, r.Requests)
		}
	}
	if _, err := New("nope", 10); err == nil {
		t.Error("New(nope) succeeded")
	}
	if _, err := New("lru", 0); err == nil {
		t.Error("New(lru, 0) succeeded")
	}
}

func TestReadTrace(t *testing.T) {
	var plain bytes.Buffer
	for _, k := range []uint64{5, 18446744073709551615, 0} {
		plain.WriteString(strconv.FormatUint(k, 10) + "\n")
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(plain.Bytes())
	zw.Close()
	dir := t.TempDir()
	for name, data := range map[string][]byte{"a.keys.gz": gz.Bytes(), "a.keys": plain.Bytes()} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		keys, err := ReadTrace(path)
		if err != nil {
			t.Fatal(err)
		}
		if len(keys) != 3 || keys[1] != 18446744073709551615 {
			t.Errorf("%s: got %v", name, keys)
		}
	}
	if _, err := ParseTrace(bytes.NewReader([]byte("12\nx\n"))); err == nil {
		t.Error("bad line accepted")
	}
}

// TestSharded: one shard is the plain cache; with several, every policy
// (the engine's and the references) keeps a working set that fits any
// shard, never holds more than the size in all, and splits the keys.
func TestSharded(t *testing.T) {
	keys := zipfTrace(3, 20000, 5000)
	for _, p := range PolicyNames() {
		a, err := Replay(keys, 500, p)
		if err != nil {
			t.Fatal(err)
		}
		b, err := ReplaySharded(keys, 500, p, 1)
		if err != nil || a.Hits != b.Hits && p != RefOtter { // otter's sketch is randomised
			t.Errorf("%s: one shard hit %d, the plain cache %d (%v)", p, b.Hits, a.Hits, err)
		}
		c, err := NewSharded(p, 400, 4)
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			for k := range uint64(50) { // at most 50 keys in the fullest shard of 100
				c.Get(k)
			}
		}
		for k := range uint64(50) {
			if !c.Get(k) {
				t.Errorf("%s: 4 shards of 100 lost key %d of a working set of 50", p, k)
			}
		}
		// 1,000 distinct keys through 400 entries: at most 400 stay.
		for k := range uint64(1000) {
			c.Get(1000 + k)
		}
		held := 0
		for k := range uint64(1000) {
			if c.Get(1000 + k) {
				held++
			}
		}
		if held > 400 {
			t.Errorf("%s: 4 shards of 100 held %d entries", p, held)
		}
		if sc := c.(*shardedCache); len(sc.shards) != 4 {
			t.Errorf("%s: %d shards", p, len(sc.shards))
		}
	}
	if _, err := NewSharded("lru", 3, 4); err == nil {
		t.Error("4 shards for 3 entries accepted")
	}
}
