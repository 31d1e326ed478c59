package persist

import (
	"bytes"
	"errors"
	"testing"
)

func testCodec(compress bool, level int) *codec {
	o := Options{DisableCompression: !compress, CompressionLevel: level}.withDefaults()
	return newCodec(&o)
}

func TestRecord_RoundTrip(t *testing.T) {
	long := bytes.Repeat([]byte("abcdefgh"), 1000)
	for _, tc := range []struct {
		name     string
		c        *codec
		value    []byte
		wantComp bool
	}{
		{"empty", testCodec(true, 0), nil, false},
		{"below-threshold", testCodec(true, 0), long[:100], false},
		{"compressible", testCodec(true, 0), long, true},
		{"compressible-hc", testCodec(true, 9), long, true},
		{"compression-off", testCodec(false, 0), long, false},
		{"incompressible", testCodec(true, 0), []byte(randomString(4096)), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := tc.c.encode("k", tc.value, 0xfeedbeef, -5, 1<<63)
			stampSeq(e.rec, 42)
			if e.compressed != tc.wantComp {
				t.Fatalf("compressed = %v", e.compressed)
			}
			if e.compressed && len(e.rec) >= len(tc.value) {
				t.Errorf("kept compression that saves nothing: %d >= %d", len(e.rec), len(tc.value))
			}
			h, v, err := decodeRecord(e.rec)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(v, tc.value) || h.flags != 0xfeedbeef || h.expiry != -5 || h.cas != 1<<63 || h.seq != 42 {
				t.Errorf("decoded %+v", h)
			}
		})
	}
}

func randomString(n int) string {
	b := make([]byte, n)
	x := uint64(88172645463325252)
	for i := range b {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[i] = byte(x)
	}
	return string(b)
}

func TestRecord_Rejects(t *testing.T) {
	good := testCodec(true, 0).encode("k", bytes.Repeat([]byte("x"), 2000), 1, 2, 3).rec
	for _, tc := range []struct {
		name string
		rec  []byte
		kind error
	}{
		{"empty", nil, ErrCorrupt},
		{"short", good[:5], ErrCorrupt},
		{"version-0", append([]byte{0}, good[1:]...), ErrUnknownFormat},
		{"version-2", append([]byte{2}, good[1:]...), ErrUnknownFormat},
		{"reserved-flag", append([]byte{1, 0x82}, good[2:]...), ErrCorrupt},
		{"truncated-payload", good[:len(good)-3], ErrCorrupt},
		{"raw-length-mismatch", append([]byte{1, 0}, good[2:]...), ErrCorrupt},
		{"huge-length", []byte{1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x03, 0}, ErrCorrupt},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := decodeRecord(tc.rec)
			if !errors.Is(err, tc.kind) {
				t.Errorf("err = %v, want %v", err, tc.kind)
			}
		})
	}
}

// FuzzDecodeRecord: the decoder never panics nor allocates without bound;
// whatever it accepts re-encodes to a record that decodes the same.
func FuzzDecodeRecord(f *testing.F) {
	c := testCodec(true, 0)
	f.Add(c.encode("k", []byte("small"), 1, 0, 1).rec)
	f.Add(c.encode("k", bytes.Repeat([]byte("compress me "), 200), 1<<31, 1_700_000_000, 1<<62).rec)
	f.Add(c.encode("k", nil, 0, -1, 0).rec)
	f.Fuzz(func(t *testing.T, rec []byte) {
		h, v, err := decodeRecord(rec)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrUnknownFormat) {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		if len(v) != h.origLen {
			t.Fatalf("value of %d bytes, header says %d", len(v), h.origLen)
		}
		for _, cc := range []*codec{c, testCodec(false, 0)} {
			e := cc.encode("k", v, h.flags, h.expiry, h.cas)
			stampSeq(e.rec, h.seq)
			h2, v2, err := decodeRecord(e.rec)
			if err != nil || !bytes.Equal(v, v2) || h2.flags != h.flags || h2.expiry != h.expiry || h2.cas != h.cas || h2.seq != h.seq {
				t.Fatalf("re-encode: %v %+v %+v", err, h, h2)
			}
		}
	})
}

// FuzzDecodeHotKeys: the hot keys decoder never panics nor allocates
// without bound; whatever it accepts re-encodes to the same record.
func FuzzDecodeHotKeys(f *testing.F) {
	f.Add(encodeHotKeys([]string{"a", "bb", "ccc"}))
	f.Add(encodeHotKeys(nil))
	f.Add([]byte{hotKeysVersion, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, rec []byte) {
		keys, err := decodeHotKeys(rec)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrUnknownFormat) {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		// (A record near the size bound may re-encode shorter.)
		if re := encodeHotKeys(keys); len(rec) < maxHotKeysBytes-64 && !bytes.Equal(re, rec) {
			t.Fatalf("re-encode: %x != %x", re, rec)
		}
	})
}
