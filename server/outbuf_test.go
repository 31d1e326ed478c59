package server

import (
	"bytes"
	"errors"
	"net"
	"testing"
)

// recWriter records every Write call separately.
type recWriter struct {
	writes [][]byte
	err    error
}

func (w *recWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	w.writes = append(w.writes, bytes.Clone(p))
	return len(p), nil
}

func TestOutBufLargeReplyIsOneWrite(t *testing.T) {
	w := &recWriter{}
	o := newOutBuf(w, 1024, nil)
	val := bytes.Repeat([]byte("v"), 64<<10)
	var want []byte
	for _, p := range [][]byte{[]byte("VALUE k 0 65536\r\n"), val, []byte("\r\n"), []byte("END\r\n")} {
		if _, err := o.Write(p); err != nil {
			t.Fatal(err)
		}
		want = append(want, p...)
	}
	if err := o.Flush(); err != nil {
		t.Fatal(err)
	}
	if len(w.writes) != 1 || !bytes.Equal(w.writes[0], want) {
		t.Fatalf("got %d writes, want one write of the whole %d-byte reply", len(w.writes), len(want))
	}
	// After the flush the connection is back on its own small buffer.
	if cap(o.buf) != 1024 || o.big != nil {
		t.Fatalf("after flush: cap %d, big %v; want the 1024-byte own buffer", cap(o.buf), o.big != nil)
	}
}

func TestOutBufFlushesOnlyWhenFull(t *testing.T) {
	w := &recWriter{}
	o := newOutBuf(w, 100, nil)
	line := bytes.Repeat([]byte("x"), 30)
	var want []byte
	for range 10 {
		if _, err := o.WriteString(string(line)); err != nil {
			t.Fatal(err)
		}
		want = append(want, line...)
	}
	if err := o.Flush(); err != nil {
		t.Fatal(err)
	}
	// 30-byte replies in a 100-byte buffer: three fit, the fourth
	// flushes them; no reply is ever split.
	var sizes []int
	var got []byte
	for _, b := range w.writes {
		sizes = append(sizes, len(b))
		got = append(got, b...)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("bytes differ")
	}
	if len(sizes) != 4 || sizes[0] != 90 || sizes[1] != 90 || sizes[2] != 90 || sizes[3] != 30 {
		t.Fatalf("write sizes %v, want [90 90 90 30]", sizes)
	}
}

func TestOutBufErrorIsSticky(t *testing.T) {
	boom := errors.New("boom")
	w := &recWriter{err: boom}
	o := newOutBuf(w, 16, nil)
	if _, err := o.WriteString("hello"); err != nil {
		t.Fatal(err)
	}
	if err := o.Flush(); !errors.Is(err, boom) {
		t.Fatalf("Flush = %v, want boom", err)
	}
	if _, err := o.WriteString("more"); !errors.Is(err, boom) {
		t.Fatalf("Write after failed flush = %v, want boom", err)
	}
	if err := o.Flush(); !errors.Is(err, boom) {
		t.Fatalf("second Flush = %v, want boom", err)
	}
}

func TestOutBufSteadyStateAllocs(t *testing.T) {
	w := &countWriter{}
	o := newOutBuf(w, 1024, nil)
	val := bytes.Repeat([]byte("v"), 200<<10)
	reply := func() {
		_, _ = o.WriteString("VALUE k 0 204800\r\n")
		_, _ = o.Write(val)
		_, _ = o.WriteString("\r\nEND\r\n")
		_ = o.Flush()
		_, _ = o.WriteString("STORED\r\n")
		_ = o.Flush()
	}
	reply()
	if n := testing.AllocsPerRun(100, reply); n > 0.1 {
		t.Fatalf("%.1f allocs per large reply, want 0 (pooled buffer reused)", n)
	}
	if w.n == 0 {
		t.Fatal("nothing written")
	}
}

type countWriter struct{ n int }

func (w *countWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }

// vecWriter records each vectored write as one write.
type vecWriter struct{ recWriter }

func (w *vecWriter) writeBuffers(bufs *net.Buffers) (int64, error) {
	var all []byte
	for _, b := range *bufs {
		all = append(all, b...)
	}
	n, err := w.Write(all)
	*bufs = nil
	return int64(n), err
}

// A value of directWrite bytes or more is not copied: it leaves at once
// with the header before it in one vectored write; the trailer follows at
// the next flush.
func TestOutBufDirectWrite(t *testing.T) {
	w := &vecWriter{}
	o := newOutBuf(w, 1024, nil)
	val := bytes.Repeat([]byte("v"), directWrite)
	hdr := []byte("VALUE k 0 262144\r\n")
	for _, p := range [][]byte{hdr, val, []byte("\r\n"), []byte("END\r\n")} {
		if _, err := o.Write(p); err != nil {
			t.Fatal(err)
		}
	}
	if len(w.writes) != 1 || !bytes.Equal(w.writes[0], append(append([]byte{}, hdr...), val...)) {
		t.Fatalf("%d writes before the flush, want one of header and value", len(w.writes))
	}
	if err := o.Flush(); err != nil {
		t.Fatal(err)
	}
	if len(w.writes) != 2 || string(w.writes[1]) != "\r\nEND\r\n" {
		t.Fatalf("after flush: %d writes, last %q", len(w.writes), w.writes[len(w.writes)-1])
	}
}
