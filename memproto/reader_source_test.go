package memproto

import (
	"bufio"
	"bytes"
	"strings"
	"testing"
)

// A stream split across bufio.Readers, switched with SetSource between
// requests (when the old one holds nothing unread), reads as one stream;
// a refused block announced on one source is still discarded on the
// next.
func TestReaderSetSource(t *testing.T) {
	big := strings.Repeat("x", 100)
	r := NewReader(bufio.NewReaderSize(strings.NewReader("set a 0 0 3\r\nabc\r\n"), 16), Limits{})
	var req Request
	if err := r.ReadRequest(&req); err != nil || string(req.Key) != "a" || string(req.Value) != "abc" {
		t.Fatalf("first request: %v %q %q", err, req.Key, req.Value)
	}
	// The 100-byte block is larger than the 16-byte buffer: it is read
	// into the Reader's own buffer.
	r.SetSource(bufio.NewReaderSize(strings.NewReader("set b 0 0 100\r\n"+big+"\r\nset c 0 0 2000000\r\n"), 16))
	if err := r.ReadRequest(&req); err != nil || string(req.Key) != "b" || string(req.Value) != big {
		t.Fatalf("second request: %v %q (%d bytes)", err, req.Key, len(req.Value))
	}
	r.ShrinkBuffers(64)
	if cap(r.data) > 64 {
		t.Fatalf("data buffer of %d bytes kept after ShrinkBuffers(64)", cap(r.data))
	}
	// A too-large set is refused; its block is still to come.
	if err := r.ReadRequest(&req); err == nil {
		t.Fatal("want an error for a 2 MB value")
	}
	r.SetSource(bufio.NewReaderSize(strings.NewReader(strings.Repeat("z", 2000000)+"\r\nget a\r\n"), 16))
	if err := r.ReadRequest(&req); err != nil || req.Command != CmdGet || len(req.Keys) != 1 || string(req.Keys[0]) != "a" {
		t.Fatalf("after the swallowed block: %v %v %q", err, req.Command, req.Keys)
	}
}

func TestBinaryReaderSetSource(t *testing.T) {
	val := bytes.Repeat([]byte("v"), 100)
	set := AppendBinaryRequest(nil, &BinaryRequest{Header: BinaryHeader{Opcode: BinaryOpSet}, Extras: make([]byte, 8), Key: []byte("k"), Value: val})
	get := AppendBinaryRequest(nil, &BinaryRequest{Header: BinaryHeader{Opcode: BinaryOpGet}, Key: []byte("k")})
	// The set's body does not fit the 16-byte buffer: it is read into
	// the reader's own buffer.
	r := NewBinaryReader(bufio.NewReaderSize(bytes.NewReader(set), 16), Limits{})
	var req BinaryRequest
	if err := r.ReadRequest(&req); err != nil || !bytes.Equal(req.Value, val) {
		t.Fatalf("set: %v, %d-byte value", err, len(req.Value))
	}
	r.ShrinkBuffers(16)
	if cap(r.buf) > 16 {
		t.Fatalf("buffer of %d bytes kept", cap(r.buf))
	}
	r.SetSource(bufio.NewReaderSize(bytes.NewReader(get), 16))
	if err := r.ReadRequest(&req); err != nil || req.Header.Opcode != BinaryOpGet || string(req.Key) != "k" {
		t.Fatalf("get: %v %v %q", err, req.Header.Opcode, req.Key)
	}
}

// countingPool is a BufferPool that records what passes through it.
type countingPool struct {
	gets, puts int
	free       [][]byte
}

func (p *countingPool) Get(n int) []byte {
	p.gets++
	for i, b := range p.free {
		if cap(b) >= n {
			p.free = append(p.free[:i], p.free[i+1:]...)
			return b[:cap(b)]
		}
	}
	return make([]byte, n+7) // any capacity of at least n
}

func (p *countingPool) Put(b []byte) { p.puts++; p.free = append(p.free, b) }

// TestReaderBufferPool: with a pool, the text and binary readers take
// their buffers for large blocks from it and give them back when they
// shrink or need a larger one; values read are intact.
func TestReaderBufferPool(t *testing.T) {
	a, b := strings.Repeat("a", 100), strings.Repeat("b", 300)
	var p countingPool
	r := NewReader(bufio.NewReaderSize(strings.NewReader("set a 0 0 100\r\n"+a+"\r\nset b 0 0 300\r\n"+b+"\r\nset c 0 0 90\r\n"+a[:90]+"\r\n"), 16), Limits{})
	r.SetBufferPool(&p)
	var req Request
	for _, want := range []string{a, b} {
		if err := r.ReadRequest(&req); err != nil || string(req.Value) != want {
			t.Fatalf("%v: %d-byte value", err, len(req.Value))
		}
	}
	// The second block needed a larger buffer: the first went back.
	if p.gets != 2 || p.puts != 1 {
		t.Fatalf("gets %d, puts %d after two blocks: want 2 and 1", p.gets, p.puts)
	}
	r.ShrinkBuffers(16)
	if r.data != nil || p.puts != 2 {
		t.Fatalf("after ShrinkBuffers: %d-byte buffer kept, %d puts", cap(r.data), p.puts)
	}
	if err := r.ReadRequest(&req); err != nil || string(req.Value) != a[:90] || p.gets != 3 {
		t.Fatalf("third block: %v %q, %d gets", err, req.Value, p.gets)
	}

	var bp countingPool
	val := bytes.Repeat([]byte("v"), 100)
	set := AppendBinaryRequest(nil, &BinaryRequest{Header: BinaryHeader{Opcode: BinaryOpSet}, Extras: make([]byte, 8), Key: []byte("k"), Value: val})
	br := NewBinaryReader(bufio.NewReaderSize(bytes.NewReader(set), 16), Limits{})
	br.SetBufferPool(&bp)
	var breq BinaryRequest
	if err := br.ReadRequest(&breq); err != nil || !bytes.Equal(breq.Value, val) || bp.gets == 0 {
		t.Fatalf("binary set: %v, %d-byte value, %d gets", err, len(breq.Value), bp.gets)
	}
	br.ShrinkBuffers(16)
	if br.buf != nil || bp.puts != bp.gets {
		t.Fatalf("binary ShrinkBuffers: %d-byte buffer kept, %d gets, %d puts", cap(br.buf), bp.gets, bp.puts)
	}
}
