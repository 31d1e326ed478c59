package engine

import "testing"

func TestLRUOrder(t *testing.T) {
	p, err := NewPolicy("lru", 10)
	if err != nil {
		t.Fatal(err)
	}
	for id := uint32(0); id < 4; id++ {
		p.Insert(id, uint64(id), 1)
	}
	p.Access(0)
	p.Update(1, 2)
	p.Remove(2)
	var got []uint32
	for {
		id, ok := p.Evict()
		if !ok {
			break
		}
		got = append(got, id)
	}
	want := []uint32{3, 0, 1}
	if len(got) != len(want) {
		t.Fatalf("evicted %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("evicted %v, want %v", got, want)
		}
	}
}
