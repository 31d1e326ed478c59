package main

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

func writeDump(t testing.TB, created int64, items []*dumpItem) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := newDumpWriter(&b, created)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if err := w.Write(it); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func readDump(data []byte) (int64, []*dumpItem, error) {
	r, err := newDumpReader(bytes.NewReader(data))
	if err != nil {
		return 0, nil, err
	}
	var items []*dumpItem
	for {
		it, err := r.Next()
		if errors.Is(err, io.EOF) {
			return r.created, items, nil
		}
		if err != nil {
			return r.created, items, err
		}
		items = append(items, it)
	}
}

var sampleItems = []*dumpItem{
	{Key: "a", Value: []byte("1"), Flags: 0, TTL: 0},
	{Key: "user:42", Value: []byte("binary\x00\r\nEND\r\n"), Flags: 1<<32 - 1, TTL: 3600},
	{Key: strings.Repeat("k", 250), Value: []byte{}, Flags: 7, TTL: 1},
	{Key: "big", Value: bytes.Repeat([]byte("v"), 3<<20), TTL: 90 * 24 * 3600},
}

func TestDumpFileRoundTrip(t *testing.T) {
	data := writeDump(t, 1700000000, sampleItems)
	if !bytes.HasPrefix(data, []byte(dumpMagic)) {
		t.Fatalf("no magic: %q", data[:20])
	}
	created, got, err := readDump(data)
	if err != nil {
		t.Fatal(err)
	}
	if created != 1700000000 || !reflect.DeepEqual(got, sampleItems) {
		t.Errorf("round trip: created %d, %d items", created, len(got))
	}
	// Empty dump.
	if _, got, err := readDump(writeDump(t, 0, nil)); err != nil || len(got) != 0 {
		t.Errorf("empty dump: %v, %d items", err, len(got))
	}
}

func TestDumpFileDamage(t *testing.T) {
	data := writeDump(t, 1700000000, sampleItems[:3])
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "no magic"},
		{"not a dump", []byte("VALUE foo 0 3\r\nbar\r\nEND\r\n"), "bad magic"},
		{"future version", append([]byte("RATMEMCACHE-DUMP 2\n"), data[len(dumpMagic):]...), `format version "2"`},
		{"truncated", data[:len(data)-10], "truncated"},
		{"no trailer", data[:len(data)-6], "truncated"},
		{"flipped byte", flip(data, len(dumpMagic)+12), ""},
		{"bad checksum", flip(data, len(data)-1), "checksum mismatch"},
		{"trailing garbage", append(append([]byte(nil), data...), 'x'), "after the trailer"},
		{"unknown tag", append(append([]byte(nil), data[:len(data)-6]...), 'Z'), "unknown record tag"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := readDump(c.data)
			if err == nil || !errors.Is(err, errBadDump) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want errBadDump mentioning %q", err, c.want)
			}
		})
	}
}

func flip(b []byte, i int) []byte {
	c := append([]byte(nil), b...)
	c[i] ^= 0x55
	return c
}

func TestDumpWriterRefuses(t *testing.T) {
	w, _ := newDumpWriter(io.Discard, 0)
	for _, it := range []*dumpItem{{Key: ""}, {Key: strings.Repeat("k", 251)}, {Key: "k", TTL: -1}} {
		if err := w.Write(it); err == nil {
			t.Errorf("wrote %+v", it)
		}
	}
}

// FuzzReadDump: the reader never panics nor allocates beyond what the
// input justifies, and whatever it accepts writes back to a file that reads the same.
func FuzzReadDump(f *testing.F) {
	f.Add(writeDump(f, 1700000000, sampleItems[:3]))
	f.Add(writeDump(f, 0, nil))
	f.Add([]byte(dumpMagic))
	f.Add([]byte(dumpMagic + "\x00I\x01k\x00\x00\xff\xff\xff\xff\x0f"))
	f.Add([]byte("RATMEMCACHE-DUMP 9\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		created, items, err := readDump(data)
		if err != nil {
			if !errors.Is(err, errBadDump) {
				t.Fatalf("error not wrapping errBadDump: %v", err)
			}
			return
		}
		again := writeDump(t, created, items)
		created2, items2, err := readDump(again)
		if err != nil || created2 != created || !reflect.DeepEqual(items2, items) {
			t.Fatalf("accepted input does not round-trip: %v\n in %q\nout %q", err, data, again)
		}
	})
}
