package engine

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// evictAll fills tc's tiny L1 with other keys so that earlier keys live
// in L2 only.
func evictAll(t *testing.T, tc *Tiered) {
	t.Helper()
	filler := bytes.Repeat([]byte("f"), 2000)
	for i := range 200 {
		if _, err := tc.Set(fmt.Sprint("filler", i), filler, 0, 0); err != nil {
			t.Fatal(err)
		}
	}
}

func TestTiered_MetaOnL2OnlyKeys(t *testing.T) {
	tc, l2, _ := newTestTiered(t, tinyL1(), nil, nil)
	inL1 := func(k string) bool { _, ok, _ := tc.l1.peek(k); return ok }
	inL2 := func(k string) L2Entry { e, _ := l2.entry(k); return e }

	// ms writes through.
	_, r := tc.Meta(nil, "a", &MetaOp{Command: MetaSet, Value: []byte("alpha"), Flags: 5, Exptime: 100})
	if r.Err != nil || inL2("a").CAS != r.CAS || string(inL2("a").Value) != "alpha" {
		t.Fatalf("ms: %+v, L2 %+v", r, inL2("a"))
	}
	casA := r.CAS
	evictAll(t, tc)
	if inL1("a") {
		t.Fatal("a still in L1; the test needs it in L2 only")
	}

	// mg promotes and keeps the CAS unique; a plain mg writes nothing.
	writes := tc.Stats().Tier.L2Writes
	v, r := tc.Meta(nil, "a", &MetaOp{Command: MetaGet, WantValue: true})
	if r.Err != nil || string(v) != "alpha" || r.Flags != 5 || r.CAS != casA || r.TTL <= 0 || r.TTL > 100 {
		t.Fatalf("mg of an L2-only key: %q %+v", v, r)
	}
	if !inL1("a") {
		t.Fatal("mg did not promote a")
	}
	if st := tc.Stats().Tier; st.L2Writes != writes || st.Promotions == 0 {
		t.Fatalf("mg: %+v, want no L2 write and a promotion", st)
	}
	evictAll(t, tc)

	// mg with T touches in both tiers, CAS unchanged.
	_, r = tc.Meta(nil, "a", &MetaOp{Command: MetaGet, Touch: true, Exptime: 500})
	if r.Err != nil || r.TouchedTTL != 500 || inL2("a").CAS != casA || inL2("a").Expiry == 0 {
		t.Fatalf("mg T: %+v, L2 %+v", r, inL2("a"))
	}
	evictAll(t, tc)
	if _, r = tc.Meta(nil, "a", &MetaOp{Command: MetaGet}); r.TTL != 500 {
		t.Fatalf("TTL after touch and eviction: %+v", r)
	}
	evictAll(t, tc)

	// ms add of an L2-only key fails; ms with a wrong CAS fails.
	if _, r = tc.Meta(nil, "a", &MetaOp{Command: MetaSet, Mode: MetaModeAdd, Value: []byte("x")}); !errors.Is(r.Err, ErrNotStored) {
		t.Fatalf("ms add of an L2-only key: %+v", r)
	}
	evictAll(t, tc)
	if _, r = tc.Meta(nil, "a", &MetaOp{Command: MetaSet, Mode: MetaModeCAS, Value: []byte("x"), CAS: casA + 1}); !errors.Is(r.Err, ErrExists) {
		t.Fatalf("ms C with a wrong unique: %+v", r)
	}
	evictAll(t, tc)
	// ms append on an L2-only key.
	_, r = tc.Meta(nil, "a", &MetaOp{Command: MetaSet, Mode: MetaModeAppend, Value: []byte("-beta")})
	if r.Err != nil || string(inL2("a").Value) != "alpha-beta" || inL2("a").CAS != r.CAS || inL2("a").Flags != 5 {
		t.Fatalf("ms MA: %+v, L2 %+v", r, inL2("a"))
	}
	casA = r.CAS
	evictAll(t, tc)
	// ms C with the right unique.
	_, r = tc.Meta(nil, "a", &MetaOp{Command: MetaSet, Mode: MetaModeCAS, Value: []byte("gamma"), Flags: 6, CAS: casA})
	if r.Err != nil || string(inL2("a").Value) != "gamma" || inL2("a").Flags != 6 {
		t.Fatalf("ms C: %+v, L2 %+v", r, inL2("a"))
	}

	// ma on an L2-only number, then vivify a missing one.
	tc.Set("n", []byte("41"), 0, 0)
	evictAll(t, tc)
	_, r = tc.Meta(nil, "n", &MetaOp{Command: MetaArith, Delta: 1})
	if r.Err != nil || r.Number != 42 || string(inL2("n").Value) != "42" || inL2("n").CAS != r.CAS {
		t.Fatalf("ma: %+v, L2 %+v", r, inL2("n"))
	}
	_, r = tc.Meta(nil, "m", &MetaOp{Command: MetaArith, Vivify: true, Initial: 7})
	if r.Err != nil || !r.Vivified || string(inL2("m").Value) != "7" {
		t.Fatalf("ma N: %+v, L2 %+v", r, inL2("m"))
	}
	evictAll(t, tc)
	if _, r = tc.Meta(nil, "n", &MetaOp{Command: MetaArith, Decr: true, Delta: 50}); r.Number != 0 || string(inL2("n").Value) != "0 " {
		t.Fatalf("ma decr: %+v, L2 %q", r, inL2("n").Value)
	}

	// mg N vivifies into both tiers.
	_, r = tc.Meta(nil, "v", &MetaOp{Command: MetaGet, Vivify: true, VivifyExptime: 30})
	if r.Err != nil || !r.Vivified || !r.Won || inL2("v").CAS != r.CAS {
		t.Fatalf("mg N: %+v, L2 %+v", r, inL2("v"))
	}

	// md: with a wrong CAS, with I (stale, new CAS), then for real.
	evictAll(t, tc)
	if _, r = tc.Meta(nil, "a", &MetaOp{Command: MetaDelete, CompareCAS: true, CAS: 1}); !errors.Is(r.Err, ErrExists) {
		t.Fatalf("md C wrong: %+v", r)
	}
	before := inL2("a").CAS
	_, r = tc.Meta(nil, "a", &MetaOp{Command: MetaDelete, Invalidate: true})
	if r.Err != nil || r.CAS == before || inL2("a").CAS != r.CAS {
		t.Fatalf("md I: %+v, L2 %+v", r, inL2("a"))
	}
	evictAll(t, tc)
	if _, r = tc.Meta(nil, "a", &MetaOp{Command: MetaDelete}); r.Err != nil {
		t.Fatalf("md of an L2-only key: %+v", r)
	}
	if _, ok := l2.entry("a"); ok || inL1("a") {
		t.Fatal("md left the key in a tier")
	}
	if _, r = tc.Meta(nil, "a", &MetaOp{Command: MetaGet}); !errors.Is(r.Err, ErrNotFound) {
		t.Fatalf("mg after md: %+v", r)
	}
	if _, r = tc.Meta(nil, "a", &MetaOp{Command: MetaDelete}); !errors.Is(r.Err, ErrNotFound) {
		t.Fatalf("second md: %+v", r)
	}
	checkTierInvariants(t, tc)
}

func TestTiered_MetaLargeValues(t *testing.T) {
	tc, l2, _ := newTestTiered(t, tinyL1(), nil, &TierOptions{LargeValueThreshold: 100, MaxValueSize: 100 << 10})
	inL1 := func(k string) bool { _, ok, _ := tc.l1.peek(k); return ok }
	big := bytes.Repeat([]byte("b"), 64<<10) // larger than L1's MaxItemSize

	_, r := tc.Meta(nil, "big", &MetaOp{Command: MetaSet, Value: big, Flags: 3})
	if r.Err != nil || inL1("big") {
		t.Fatalf("ms of a large value: %+v, in L1 %v", r, inL1("big"))
	}
	v, r2 := tc.Meta(nil, "big", &MetaOp{Command: MetaGet, WantValue: true, Touch: true, Exptime: 60})
	if r2.Err != nil || !bytes.Equal(v, big) || r2.Flags != 3 || r2.CAS != r.CAS || r2.TouchedTTL != 60 || inL1("big") {
		t.Fatalf("mg of a large value: %d bytes %+v", len(v), r2)
	}
	if e, _ := l2.entry("big"); e.Expiry == 0 || e.CAS != r.CAS {
		t.Fatalf("touch did not reach L2: %+v", e.Expiry)
	}
	if _, r = tc.Meta(nil, "big", &MetaOp{Command: MetaSet, Mode: MetaModeAppend, Value: []byte("!")}); r.Err != nil {
		t.Fatal(r.Err)
	}
	if e, _ := l2.entry("big"); len(e.Value) != len(big)+1 || e.CAS != r.CAS {
		t.Fatalf("append to a large value: %d bytes", len(e.Value))
	}
	if _, r = tc.Meta(nil, "big", &MetaOp{Command: MetaDebug}); r.Err != nil || r.Size < len(big) {
		t.Fatalf("me: %+v", r)
	}
	// A small value grows large by append: it leaves L1.
	tc.Set("s", []byte("small"), 0, 0)
	if _, r = tc.Meta(nil, "s", &MetaOp{Command: MetaSet, Mode: MetaModeAppend, Value: bytes.Repeat([]byte("x"), 200)}); r.Err != nil || inL1("s") {
		t.Fatalf("append making a large value: %+v, in L1 %v", r, inL1("s"))
	}
	// Too large for both tiers: ErrTooLarge, and ms removes the old value.
	if _, r = tc.Meta(nil, "big", &MetaOp{Command: MetaSet, Value: make([]byte, 200<<10)}); !errors.Is(r.Err, ErrTooLarge) {
		t.Fatalf("ms of a too large value: %+v", r)
	}
	if _, ok := l2.entry("big"); ok {
		t.Fatal("too large ms left the old value in L2")
	}
	if _, r = tc.Meta(nil, "s", &MetaOp{Command: MetaDelete}); r.Err != nil {
		t.Fatal(r.Err)
	}
	if _, ok := l2.entry("s"); ok {
		t.Fatal("md of a large value left it in L2")
	}
	checkTierInvariants(t, tc)
}

func TestTiered_MetaL2WriteError(t *testing.T) {
	tc, l2, _ := newTestTiered(t, tinyL1(), nil, nil)
	tc.Set("k", []byte("1"), 0, 0)
	boom := errors.New("boom")
	l2.inject("put", boom)
	_, r := tc.Meta(nil, "k", &MetaOp{Command: MetaArith, Delta: 1})
	var le *L2Error
	if !errors.As(r.Err, &le) || !errors.Is(r.Err, boom) {
		t.Fatalf("ma with a failing L2: %+v", r)
	}
	l2.inject("put", nil)
	// L1 lost the key, so the next read sees L2's version.
	v, r := tc.Meta(nil, "k", &MetaOp{Command: MetaGet, WantValue: true})
	if r.Err != nil || string(v) != "1" {
		t.Fatalf("after a failed write: %q %+v", v, r)
	}
}

// TestTiered_MetaConcurrent increments one counter with ma and through
// mg/ms C from several goroutines while others evict it from L1: no
// increment may be lost and both tiers must agree at the end.
func TestTiered_MetaConcurrent(t *testing.T) {
	tc, _, _ := newTestTiered(t, tinyL1(), nil, nil)
	const workers, rounds = 8, 200
	tc.Set("ctr", []byte("0"), 0, 0)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			filler := make([]byte, 3000)
			for i := range rounds {
				switch i % 3 {
				case 0:
					if _, r := tc.Meta(nil, "ctr", &MetaOp{Command: MetaArith, Delta: 1}); r.Err != nil {
						t.Error(r.Err)
						return
					}
				case 1:
					for {
						v, r := tc.Meta(nil, "ctr", &MetaOp{Command: MetaGet, WantValue: true})
						if r.Err != nil {
							t.Error(r.Err)
							return
						}
						n, _ := strconv.ParseUint(strings.TrimRight(string(v), " "), 10, 64)
						_, r = tc.Meta(nil, "ctr", &MetaOp{Command: MetaSet, Mode: MetaModeCAS, CAS: r.CAS,
							Value: []byte(strconv.FormatUint(n+1, 10))})
						if r.Err == nil {
							break
						}
						if !errors.Is(r.Err, ErrExists) {
							t.Error(r.Err)
							return
						}
					}
				default:
					tc.Set(fmt.Sprint("fill", w, i), filler, 0, 0)
				}
			}
		})
	}
	wg.Wait()
	want := 0
	for i := range rounds {
		if i%3 != 2 {
			want += workers
		}
	}
	v, _, _ := tc.Get("ctr")
	if n, _ := strconv.Atoi(strings.TrimRight(string(v), " ")); n != want {
		t.Fatalf("counter %q, want %d: an increment was lost", v, want)
	}
	checkTierInvariants(t, tc)
}
