package memproto

import (
	"bufio"
	"bytes"
	"strings"
	"testing"
)

func benchParse(b *testing.B, in []byte) {
	var req Request
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if _, err := ParseRequest(in, &req, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseGet(b *testing.B) {
	benchParse(b, []byte("get user:1234567890\r\n"))
}

func BenchmarkParseGet10(b *testing.B) {
	benchParse(b, []byte("get"+strings.Repeat(" user:1234567890", 10)+"\r\n"))
}

func BenchmarkParseSet100(b *testing.B) {
	benchParse(b, append([]byte("set user:1234567890 5 3600 100\r\n"), append(bytes.Repeat([]byte("v"), 100), "\r\n"...)...))
}

// BenchmarkReaderSet100 reads a set with a 100-byte value through a
// Reader, refilled from a repeating stream.
func BenchmarkReaderSet100(b *testing.B) {
	one := append([]byte("set user:1234567890 5 3600 100\r\n"), append(bytes.Repeat([]byte("v"), 100), "\r\n"...)...)
	src := &repeatReader{data: bytes.Repeat(one, 64)}
	r := NewReader(bufio.NewReaderSize(src, 4096), Limits{})
	var req Request
	b.ReportAllocs()
	b.SetBytes(int64(len(one)))
	for b.Loop() {
		if err := r.ReadRequest(&req); err != nil {
			b.Fatal(err)
		}
	}
}

type repeatReader struct {
	data []byte
	off  int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	n := copy(p, r.data[r.off:])
	r.off = (r.off + n) % len(r.data)
	return n, nil
}

func BenchmarkAppendValue(b *testing.B) {
	key := []byte("user:1234567890")
	value := bytes.Repeat([]byte("v"), 100)
	dst := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		dst = AppendValueCAS(dst[:0], key, 5, value, 1234567)
		dst = append(dst, ReplyEnd...)
	}
}

func BenchmarkParseResponseValue(b *testing.B) {
	in := AppendValueCAS(nil, []byte("user:1234567890"), 5, bytes.Repeat([]byte("v"), 100), 1234567)
	var resp Response
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseResponse(in, &resp); err != nil {
			b.Fatal(err)
		}
	}
}

// TestZeroAllocs pins the hot paths to zero allocations.
func TestZeroAllocs(t *testing.T) {
	var req Request
	get10 := []byte("get" + strings.Repeat(" user:1234567890", 10) + "\r\n")
	set := append([]byte("set k 5 3600 100\r\n"), append(bytes.Repeat([]byte("v"), 100), "\r\n"...)...)
	dst := make([]byte, 0, 256)
	for name, f := range map[string]func(){
		"get10": func() { _, _ = ParseRequest(get10, &req, Limits{}) },
		"set":   func() { _, _ = ParseRequest(set, &req, Limits{}) },
		"value": func() { dst = AppendValue(dst[:0], []byte("k"), 1, set) },
	} {
		f()
		if n := testing.AllocsPerRun(100, f); n != 0 {
			t.Errorf("%s: %v allocs/op", name, n)
		}
	}
}
