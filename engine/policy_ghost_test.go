package engine

import "testing"

// hashIndex against a map, under churn that exercises backward-shift
// deletion across the table's wrap-around, including the hash 0.
func TestHashIndexModel(t *testing.T) {
	var ix hashIndex
	model := map[uint64]uint32{}
	x := uint64(1)
	for i := range 200000 {
		x = x*6364136223846793005 + 1442695040888963407
		h := (x >> 40) % 600 // few distinct hashes: long probe runs
		if h == 7 {
			h = 0
		}
		switch x >> 62 {
		case 0, 1:
			ix.put(h, uint32(i))
			model[h] = uint32(i)
		case 2:
			ix.del(h)
			delete(model, h)
		}
		v, ok := ix.get(h)
		if mv, mok := model[h]; ok != mok || v != mv {
			t.Fatalf("step %d: get(%d) = %d, %v; want %d, %v", i, h, v, ok, mv, mok)
		}
	}
	if ix.n != len(model) {
		t.Fatalf("%d entries, want %d", ix.n, len(model))
	}
	for h, mv := range model {
		if v, ok := ix.get(h); !ok || v != mv {
			t.Fatalf("get(%d) = %d, %v; want %d", h, v, ok, mv)
		}
	}
}
