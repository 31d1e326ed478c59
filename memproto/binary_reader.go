package memproto

import (
	"bufio"
	"io"
)

// BinaryReader reads binary requests from a bufio.Reader, for a server
// connection that detected the binary protocol (see IsBinaryMagic).
//
// A packet that fits in the bufio.Reader's buffer is parsed in place; a
// larger one is read into a buffer owned by the BinaryReader and reused,
// which grows to at most the header, extras, key and Limits.MaxItemSize
// bytes of value. A longer value is never buffered: ReadRequest skips it
// and reports ErrBinaryTooLarge. A BinaryReader is not safe for
// concurrent use.
type BinaryReader struct {
	br   *bufio.Reader
	lim  Limits
	buf  []byte
	pool BufferPool
}

// SetBufferPool makes the BinaryReader take its buffer for large bodies
// from p and give it back to it; see [Reader.SetBufferPool].
func (r *BinaryReader) SetBufferPool(p BufferPool) { r.pool = p }

// NewBinaryReader returns a BinaryReader that reads from br and enforces
// lim (the zero Limits means memcached's defaults).
func NewBinaryReader(br *bufio.Reader, lim Limits) *BinaryReader {
	return &BinaryReader{br: br, lim: lim}
}

// ReadRequest reads the next request into req. The slices of req alias
// memory that stays valid until the next ReadRequest or read from the
// underlying bufio.Reader.
//
// It returns io.EOF when the stream ends cleanly between requests and
// io.ErrUnexpectedEOF when it ends inside one; other I/O errors are
// returned as they are. For a refused request it returns a *BinaryError
// (see ParseBinaryRequest) with req.Header filled in; the reader has then
// already skipped the error's Swallow bytes, so the server only replies
// (and closes the connection when Close is set).
func (r *BinaryReader) ReadRequest(req *BinaryRequest) error {
	*req = BinaryRequest{}
	if _, err := r.br.Peek(1); err != nil {
		return err // io.EOF: the stream ended between requests
	}
	hb, err := r.next(BinaryHeaderLen)
	if err != nil {
		return err
	}
	req.Header, _ = ParseBinaryHeader(hb)
	h := &req.Header
	berr := checkBinaryRequestHeader(h)
	if berr != nil && berr.Close {
		return berr
	}
	rest := int(h.ExtrasLength) + int(h.KeyLength)
	value := int64(h.BodyLength) - int64(rest)
	if berr == nil && value > int64(r.lim.maxItemSize()) {
		berr = ErrBinaryTooLarge
	}
	if berr == nil {
		rest += int(value)
	}
	body, err := r.next(rest)
	if err != nil {
		return binaryNoEOF(err)
	}
	if berr != nil {
		// Skipping the value may refill the bufio.Reader's buffer, so
		// keep the extras and key (at most 255+MaxKeyLength bytes) in
		// r.buf.
		r.buf = append(r.buf[:0], body...)
		req.fill(r.buf[:len(body):len(body)])
		if err := r.skip(value); err != nil {
			return binaryNoEOF(err)
		}
		return binarySwallow(berr, int(value))
	}
	req.fill(body)
	return nil
}

// next consumes n bytes from the stream and returns them: in place in the
// bufio.Reader's buffer when they fit, else copied into r.buf.
func (r *BinaryReader) next(n int) ([]byte, error) {
	if n == 0 {
		return nil, nil
	}
	if n <= r.br.Size() {
		b, err := r.br.Peek(n)
		if err != nil {
			return nil, binaryNoEOF(err)
		}
		_, _ = r.br.Discard(n)
		return b[:n:n], nil
	}
	r.buf = grow(r.buf, n, r.pool)
	b := r.buf[:n:n]
	if _, err := io.ReadFull(r.br, b); err != nil {
		return nil, binaryNoEOF(err)
	}
	return b, nil
}

// skip discards n bytes of the stream without buffering them.
func (r *BinaryReader) skip(n int64) error {
	for n > 0 {
		chunk := n
		if chunk > 1<<30 {
			chunk = 1 << 30
		}
		d, err := r.br.Discard(int(chunk))
		n -= int64(d)
		if err != nil {
			return err
		}
	}
	return nil
}

// binaryNoEOF turns io.EOF inside a packet into io.ErrUnexpectedEOF.
func binaryNoEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// SetSource makes the BinaryReader read the rest of the stream from br,
// which must continue where the previous bufio.Reader stopped; see
// [Reader.SetSource].
func (r *BinaryReader) SetSource(br *bufio.Reader) { r.br = br }

// ShrinkBuffers drops the BinaryReader's buffer for bodies larger than
// the bufio.Reader when its capacity exceeds max bytes; see
// [Reader.ShrinkBuffers].
func (r *BinaryReader) ShrinkBuffers(max int) {
	r.buf = shrink(r.buf, max, r.pool)
}
