package engine

import (
	"fmt"
	"testing"
)

// Per-policy eviction-order tests: small, hand-checked sequences that pin
// down what each policy evicts, beyond the conformance suite's invariants.

// driver plays a policy the way a shard does, with unit weights: insert,
// then evict while over capacity. Keys are their own ids.
type driver struct {
	t        *testing.T
	p        Policy
	capacity int
	resident map[uint32]bool
	evicted  []uint32
}

func newDriver(t *testing.T, name string, capacity int) *driver {
	t.Helper()
	p, err := NewPolicy(name, uint64(capacity))
	if err != nil {
		t.Fatal(err)
	}
	return &driver{t: t, p: p, capacity: capacity, resident: map[uint32]bool{}}
}

// get is a cache read: a hit is an access, a miss inserts.
func (d *driver) get(id uint32) bool {
	if d.resident[id] {
		d.p.Access(id)
		return true
	}
	d.p.Insert(id, uint64(id)*0x9E3779B97F4A7C15, 1)
	d.resident[id] = true
	for len(d.resident) > d.capacity {
		v, ok := d.p.Evict()
		if !ok {
			d.t.Fatal("Evict found nothing while over capacity")
		}
		if !d.resident[v] {
			d.t.Fatalf("Evict returned %d, which is not resident", v)
		}
		delete(d.resident, v)
		d.evicted = append(d.evicted, v)
	}
	return false
}

func (d *driver) gets(ids ...uint32) {
	for _, id := range ids {
		d.get(id)
	}
}

func TestFIFOIgnoresAccesses(t *testing.T) {
	d := newDriver(t, "fifo", 3)
	d.gets(1, 2, 3, 1, 1, 4, 5)
	if fmt.Sprint(d.evicted) != "[1 2]" {
		t.Fatalf("fifo evicted %v, want [1 2] (insertion order, hits ignored)", d.evicted)
	}
}

func TestSIEVEKeepsVisited(t *testing.T) {
	d := newDriver(t, "sieve", 3)
	d.gets(1, 2, 3, 1, 4)
	// The hand starts at the oldest entry: 1 was visited, so it is spared
	// (its bit cleared) and 2, unvisited, goes.
	if fmt.Sprint(d.evicted) != "[2]" {
		t.Fatalf("sieve evicted %v, want [2]", d.evicted)
	}
	d.gets(5)
	// 3 is next in line and unvisited; 1's bit was cleared by the pass.
	if fmt.Sprint(d.evicted) != "[2 3]" {
		t.Fatalf("sieve evicted %v, want [2 3]", d.evicted)
	}
}

func TestLFUEvictsLeastFrequent(t *testing.T) {
	d := newDriver(t, "lfu", 3)
	d.gets(1, 2, 3, 1, 1, 3)
	d.gets(4)
	if fmt.Sprint(d.evicted) != "[2]" {
		t.Fatalf("lfu evicted %v, want [2] (1 and 3 are more frequent)", d.evicted)
	}
}

// LFU with ageing: an entry that was popular long ago is eventually
// evicted by entries that are popular now.
func TestLFUAgeing(t *testing.T) {
	d := newDriver(t, "lfu", 4)
	for range 50 {
		d.get(1) // very popular, once
	}
	for k := uint32(100); k < 2000; k++ {
		d.gets(k, k, k) // a steady stream of moderately popular newcomers
		if !d.resident[1] {
			return
		}
	}
	t.Fatal("lfu never evicted an entry whose popularity is ancient: no ageing")
}

// Scan resistance: a small hot set survives a long scan of keys seen once
// under the scan-resistant policies, where plain LRU loses it.
func TestScanResistance(t *testing.T) {
	hotHits := func(name string) int {
		d := newDriver(t, name, 100)
		hot := func() {
			for k := uint32(1); k <= 20; k++ {
				d.get(k)
			}
		}
		for range 20 {
			hot()
		}
		for k := uint32(1000); k < 3000; k++ {
			d.get(k) // one-hit wonders
			if k%50 == 0 {
				hot()
			}
		}
		hits := 0
		for k := uint32(1); k <= 20; k++ {
			if d.resident[k] {
				hits++
			}
		}
		return hits
	}
	for _, name := range []string{"s3fifo", "arc", "2q", "wtinylfu", "hybrid"} {
		if h := hotHits(name); h < 18 {
			t.Errorf("%s kept %d of 20 hot keys through a scan, want at least 18", name, h)
		}
	}
	// The same workload without periodic refreshes of the hot set flushes
	// it from LRU: the test can tell the difference.
	d := newDriver(t, "lru", 100)
	for k := uint32(1); k <= 20; k++ {
		d.gets(k, k, k)
	}
	for k := uint32(1000); k < 1200; k++ {
		d.get(k)
	}
	for k := uint32(1); k <= 20; k++ {
		if d.resident[k] {
			t.Fatalf("lru kept hot key %d through a 200-key scan of a 100-entry cache", k)
		}
	}
}

// W-TinyLFU's admission: a newcomer seen once does not displace an entry
// of the main region that is seen often.
func TestWTinyLFUAdmission(t *testing.T) {
	d := newDriver(t, "wtinylfu", 100)
	for range 10 {
		for k := uint32(1); k <= 100; k++ {
			d.get(k)
		}
	}
	for k := uint32(1000); k < 1500; k++ {
		d.get(k)
	}
	kept := 0
	for k := uint32(1); k <= 100; k++ {
		if d.resident[k] {
			kept++
		}
	}
	if kept < 95 {
		t.Fatalf("wtinylfu kept %d of 100 frequent keys against 500 one-time newcomers, want at least 95", kept)
	}
}

// Growing the frequency sketch keeps what it learned.
func TestSketchGrowthKeepsEstimates(t *testing.T) {
	var s sketch
	s.init(16)
	hashes := make([]uint64, 16)
	for i := range hashes {
		hashes[i] = uint64(i+1) * 0x9E3779B97F4A7C15
		for range i % 8 {
			s.increment(hashes[i])
		}
	}
	before := make([]uint8, len(hashes))
	for i, h := range hashes {
		before[i] = s.estimate(h)
	}
	s.ensure(100)
	if len(s.table) < 128 {
		t.Fatalf("sketch did not grow: %d words", len(s.table))
	}
	for i, h := range hashes {
		if got := s.estimate(h); got != before[i] {
			t.Errorf("hash %d: estimate %d after growth, %d before", i, got, before[i])
		}
	}
}
