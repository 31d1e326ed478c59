package sim

import (
	"bytes"
	"slices"
	"testing"
)

func TestSynthDeterministic(t *testing.T) {
	for _, name := range SynthNames() {
		a, err := Synth(name, 20000, 1)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := Synth(name, 20000, 1)
		c, _ := Synth(name, 20000, 2)
		if len(a) != 20000 {
			t.Errorf("%s: %d keys, want 20000", name, len(a))
		}
		if !slices.Equal(a, b) {
			t.Errorf("%s: same seed, different keys", name)
		}
		if slices.Equal(a, c) {
			t.Errorf("%s: seeds 1 and 2 gave the same keys", name)
		}
		if SynthDoc(name) == "" {
			t.Errorf("%s: no description", name)
		}
	}
	if _, err := Synth("nope", 10, 1); err == nil {
		t.Error("unknown kind accepted")
	}
	if _, err := Synth("zipf-0.9", 0, 1); err == nil {
		t.Error("0 requests accepted")
	}
}

// TestSynthShapes checks each recipe's defining property.
func TestSynthShapes(t *testing.T) {
	count := func(keys []uint64) map[uint64]int {
		m := map[uint64]int{}
		for _, k := range keys {
			m[k]++
		}
		return m
	}
	// Skew: the hottest key's share grows with the exponent.
	top := func(name string) float64 {
		keys, _ := Synth(name, 200000, 3)
		best := 0
		for _, n := range count(keys) {
			best = max(best, n)
		}
		return float64(best) / float64(len(keys))
	}
	if a, b, c := top("zipf-0.7"), top("zipf-0.9"), top("zipf-1.1"); !(a < b && b < c) {
		t.Errorf("hottest key's share: zipf-0.7 %.4f, zipf-0.9 %.4f, zipf-1.1 %.4f: want increasing", a, b, c)
	}

	// Scans: requests 200,000 to 300,000 are 100,000 distinct keys
	// never requested before.
	keys, _ := Synth("zipf-scan", 300000, 3)
	before := count(keys[:200000])
	scan := count(keys[200000:])
	if len(scan) != 100000 {
		t.Errorf("scan has %d distinct keys, want 100000", len(scan))
	}
	for k := range scan {
		if before[k] > 0 {
			t.Fatalf("scan key %d was requested before the scan", k)
		}
	}

	// Phases: no key is shared between phases.
	keys, _ = Synth("phases", 300000, 3)
	p1, p2, p3 := count(keys[:100000]), count(keys[100000:200000]), count(keys[200000:])
	for k := range p2 {
		if p1[k] > 0 || p3[k] > 0 {
			t.Fatalf("key %d in two phases", k)
		}
	}

	// Loops: in loop-mix the loop's 150,000 keys each come back once per
	// lap, so the most frequent keys of 600,000 requests (about 300,000
	// loop requests, two laps) are the Zipf core's, and about 150,000
	// keys are requested exactly twice or more.
	keys, _ = Synth("loop-mix", 600000, 3)
	twice := 0
	for _, n := range count(keys) {
		if n >= 2 {
			twice++
		}
	}
	if twice < 150000 {
		t.Errorf("loop-mix: %d keys requested at least twice, want at least the loop's 150000", twice)
	}

	// Recency: about 30% of the requests are new keys.
	keys, _ = Synth("recency", 100000, 3)
	if d := len(count(keys)); d < 27000 || d > 33000 {
		t.Errorf("recency: %d distinct keys in 100000 requests, want about 30000", d)
	}
}

func TestWriteTraceRoundTrip(t *testing.T) {
	keys, _ := Synth("mixed", 5000, 4)
	keys = append(keys, 0, 1<<64-1)
	var buf bytes.Buffer
	if err := WriteTrace(&buf, keys); err != nil {
		t.Fatal(err)
	}
	got, err := ParseTrace(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, keys) {
		t.Fatal("trace read back differs")
	}
}
