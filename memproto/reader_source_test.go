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
