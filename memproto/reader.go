package memproto

import (
	"bufio"
	"io"
	"sync/atomic"
)

// Reader reads text-protocol requests from a bufio.Reader, for a server
// connection. It parses exactly as ParseRequest does, but consumes refused
// data blocks itself and keeps its own buffers, so that a request line
// survives the refill of the bufio.Reader while its data block is read.
//
// A Reader is not safe for concurrent use; its zero value is not usable
// (use NewReader).
type Reader struct {
	br  *bufio.Reader
	lim Limits
	// swallow counts the bytes of a refused data block still to be
	// discarded before the next request.
	swallow int
	line    []byte // copy of the current request line, at most the line limit
	data    []byte // data blocks too large for br's buffer, at most MaxItemSize+2
	pool    BufferPool
	inBlock atomic.Bool
}

// BufferPool lends a Reader or BinaryReader the buffers it needs for data
// blocks larger than its bufio.Reader's buffer, and takes them back when
// ShrinkBuffers drops them. A server shares one among its connections, so
// that a stream of large values does not allocate (and zero) a fresh
// buffer for every request, while an idle connection holds none. Get
// returns a slice of capacity at least n (its contents are unspecified);
// Put receives a slice the reader no longer uses, which may have come
// from Get or not. Both must be safe for concurrent use.
type BufferPool interface {
	Get(n int) []byte
	Put(b []byte)
}

// SetBufferPool makes the Reader take its large buffers from p and give
// them back to it (nil: allocate them, and leave dropped ones to the
// garbage collector).
func (r *Reader) SetBufferPool(p BufferPool) { r.pool = p }

// grow returns buf, or a buffer of capacity at least n in its place
// (from pool when there is one, which also takes back buf).
func grow(buf []byte, n int, pool BufferPool) []byte {
	if cap(buf) >= n {
		return buf
	}
	if pool == nil {
		return make([]byte, n)
	}
	if buf != nil {
		pool.Put(buf)
	}
	return pool.Get(n)
}

// shrink returns buf, or nil when its capacity exceeds max (given back to
// pool when there is one).
func shrink(buf []byte, max int, pool BufferPool) []byte {
	if cap(buf) <= max {
		return buf
	}
	if pool != nil {
		pool.Put(buf)
	}
	return nil
}

// InDataBlock reports whether the Reader is reading a request's data
// block (the line has been read). Unlike the other methods it is safe to
// call from another goroutine: a server's "stats conns" uses it to tell
// memcached's conn_nread from conn_read.
func (r *Reader) InDataBlock() bool { return r.inBlock.Load() }

// NewReader returns a Reader reading from br with the given limits.
func NewReader(br *bufio.Reader, lim Limits) *Reader {
	return &Reader{br: br, lim: lim}
}

// AtBoundary reports whether the Reader holds no part of a request
// between calls to ReadRequest: no refused data block is still to be
// discarded. A server may then drop the Reader (to save memory on an idle
// connection) and read the rest of the stream with a new one.
func (r *Reader) AtBoundary() bool { return r.swallow == 0 }

// Buffered returns the number of bytes already buffered: when it is 0 after
// a request, a server that executes pipelined requests in batches should
// flush its replies before the next ReadRequest blocks.
func (r *Reader) Buffered() int { return r.br.Buffered() }

// ReadRequest reads the next request into req (which it resets first).
//
// req's Key, Keys, Value and Args alias buffers owned by the Reader or
// its bufio.Reader; they are valid until the next call to ReadRequest.
//
// The error is nil, an *Error (a refused request: write its Reply unless
// req.NoReply is set, then carry on with the next request unless Close
// is set; a refused data block is discarded at the start of the next
// call, so the reply can be sent before the block has arrived), or an
// I/O error from the underlying reader (io.EOF at a clean end of stream,
// io.ErrUnexpectedEOF when the stream ends inside a request or a refused
// data block).
func (r *Reader) ReadRequest(req *Request) error {
	req.Reset()
	if r.swallow > 0 {
		n, err := r.br.Discard(r.swallow)
		r.swallow -= n
		if err != nil {
			return unexpected(err)
		}
	}
	line, err := r.readLine()
	if err != nil {
		return err
	}
	if err := parseLine(req, line, r.lim); err != nil {
		if e, ok := err.(*Error); ok {
			r.swallow = e.Swallow
		}
		return err
	}
	if !req.hasData {
		return nil
	}
	r.inBlock.Store(true)
	block, err := r.readBlock(req.dataLen + 2)
	r.inBlock.Store(false)
	if err != nil {
		return unexpected(err)
	}
	return setValue(req, block)
}

// readLine returns the next line without its "\n", copied into r.line.
func (r *Reader) readLine() ([]byte, error) {
	r.line = r.line[:0]
	for {
		frag, err := r.br.ReadSlice('\n')
		r.line = append(r.line, frag...)
		switch err {
		case nil:
			line := r.line[:len(r.line)-1]
			if len(line) > lineLimit(line, r.lim) {
				return nil, ErrLineTooLong
			}
			return line, nil
		case bufio.ErrBufferFull:
			if err := checkPartialLine(r.line, r.lim); err != nil {
				return nil, err
			}
		default:
			if err == io.EOF && len(r.line) > 0 {
				if cerr := checkPartialLine(r.line, r.lim); cerr != nil {
					return nil, cerr
				}
				return nil, io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
}

// readBlock reads n bytes. A block that fits in the bufio.Reader's buffer
// is returned in place (valid until the next read); a larger one is read
// into r.data.
func (r *Reader) readBlock(n int) ([]byte, error) {
	if n <= r.br.Size() {
		b, err := r.br.Peek(n)
		if err != nil {
			return nil, err
		}
		_, _ = r.br.Discard(n) // cannot fail: Peek returned n bytes
		return b, nil
	}
	r.data = grow(r.data, n, r.pool)
	b := r.data[:n]
	if _, err := io.ReadFull(r.br, b); err != nil {
		return nil, err
	}
	return b, nil
}

// unexpected turns io.EOF inside a request into io.ErrUnexpectedEOF.
func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// SetSource makes the Reader read the rest of the stream from br, which
// must continue where the previous bufio.Reader stopped (holding none of
// its unread bytes is the caller's duty). The Reader's own state, such as
// a refused data block still to be discarded, is kept. A server uses it
// to lend a connection a pooled bufio.Reader only while a request is in
// progress.
func (r *Reader) SetSource(br *bufio.Reader) { r.br = br }

// ShrinkBuffers drops the Reader's own buffers (the copy of a long line,
// a data block larger than the bufio.Reader) when their capacity exceeds
// max bytes, so that an idle connection does not keep the largest value
// it ever received (a BufferPool, if set, takes the data buffer back).
// Request slices returned earlier must no longer be in use.
func (r *Reader) ShrinkBuffers(max int) {
	r.data = shrink(r.data, max, r.pool)
	if cap(r.line) > max {
		r.line = nil
	}
}
