package server

import (
	"io"
	"net"
	"sync"
)

// outBuf collects a connection's replies and sends them with as few
// writes as possible. Unlike a bufio.Writer it never splits a reply: a
// write that does not fit grows the buffer, so a large value goes out
// with its header and trailer (and, at the end of a batch, END) in one
// system call, as memcached sends one reply with one sendmsg. A reply
// that does not fit in what is left of the connection's buffer (keep
// bytes) is preceded by a flush of what is buffered, which bounds what
// pipelined small replies hold back; one larger than the whole buffer
// (a large value) is put instead in a grown buffer taken from a shared
// pool and given back after the flush that sends it, so that one large
// reply does not pin its size for the life of the connection.
type outBuf struct {
	w     io.Writer
	buf   []byte
	small *[]byte    // the connection's own buffer, keep bytes; nil while idle
	pool  *sync.Pool // lends small buffers; nil: small is kept for good
	big   *[]byte    // a grown buffer from bigBufs, in use until the next flush
	keep  int        // size of small; pieces up to this size never grow the buffer
	err   error
}

// directWrite is the size from which a piece (a very large value) is not
// copied into the buffer but sent at once, after what is buffered, with
// one vectored write: copying a megabyte costs more than the second
// system call its trailer then needs.
const directWrite = 256 << 10

// buffersWriter is implemented by writers that can send several slices
// with one system call (writev).
type buffersWriter interface {
	writeBuffers(bufs *net.Buffers) (int64, error)
}

// writeDirect sends what is buffered and then p, with one writev when
// the writer supports it.
func (o *outBuf) writeDirect(p []byte) (int, error) {
	bufs := net.Buffers{o.buf, p}
	if len(o.buf) == 0 {
		bufs = bufs[1:]
	}
	var err error
	if bw, ok := o.w.(buffersWriter); ok {
		_, err = bw.writeBuffers(&bufs)
	} else {
		_, err = bufs.WriteTo(o.w)
	}
	if err != nil {
		o.err = err
		return 0, err
	}
	o.reset()
	return len(p), nil
}

// growSlack is what a grown buffer keeps beyond the value that grew it.
const growSlack = 4 << 10

// bigBufs holds grown reply buffers between large replies.
var bigBufs sync.Pool

// newOutBuf returns an outBuf writing to w whose own buffer has size
// bytes; with a pool, that buffer is borrowed from it when needed and
// given back by release.
func newOutBuf(w io.Writer, size int, pool *sync.Pool) *outBuf {
	return &outBuf{w: w, keep: size, pool: pool}
}

// Buffered returns the number of bytes waiting to be written.
func (o *outBuf) Buffered() int { return len(o.buf) }

// Write appends p. It never returns a short count; the error is that of
// an earlier flush, which makes every later write fail.
func (o *outBuf) Write(p []byte) (int, error) {
	if o.err != nil {
		return 0, o.err
	}
	if len(p) >= directWrite {
		return o.writeDirect(p)
	}
	if len(o.buf)+len(p) > cap(o.buf) {
		if err := o.makeRoom(len(p)); err != nil {
			return 0, err
		}
	}
	o.buf = append(o.buf, p...)
	return len(p), nil
}

// WriteString is Write for a string.
func (o *outBuf) WriteString(s string) (int, error) {
	if o.err != nil {
		return 0, o.err
	}
	if len(o.buf)+len(s) > cap(o.buf) {
		if err := o.makeRoom(len(s)); err != nil {
			return 0, err
		}
	}
	o.buf = append(o.buf, s...)
	return len(s), nil
}

// makeRoom is called when n more bytes do not fit. A piece no larger
// than keep goes after a flush of what is buffered; a larger one (a
// large value) grows the buffer, so that it leaves with its header.
func (o *outBuf) makeRoom(n int) error {
	if len(o.buf) > 0 && n <= o.keep {
		if err := o.Flush(); err != nil {
			return err
		}
		if n <= cap(o.buf) {
			return nil
		}
	}
	o.grow(n)
	return nil
}

// grow makes room for n more bytes: the connection's own buffer when it
// is large enough, else a pooled one, else a new one.
func (o *outBuf) grow(n int) {
	need := len(o.buf) + n
	if o.small == nil {
		o.small = o.borrow()
		if len(o.buf) == 0 && need <= o.keep {
			o.buf = *o.small
			return
		}
	}
	var nb []byte
	if o.big == nil {
		if p, ok := bigBufs.Get().(*[]byte); ok {
			o.big = p
		} else {
			o.big = new([]byte)
		}
	}
	if cap(*o.big) >= need+growSlack {
		nb = (*o.big)[:0]
	} else {
		// Room for the trailers that follow a large value.
		nb = make([]byte, 0, need+growSlack)
	}
	nb = append(nb, o.buf...)
	*o.big = nb
	o.buf = nb
}

// Flush writes everything buffered. A pooled buffer goes back to the
// pool; the connection's own stays.
func (o *outBuf) Flush() error {
	if o.err != nil {
		return o.err
	}
	if len(o.buf) == 0 {
		return nil
	}
	_, err := o.w.Write(o.buf)
	if err != nil {
		o.err = err
		return err
	}
	o.reset()
	return nil
}

// reset empties the buffer after a write: a pooled buffer goes back to
// the pool, the connection's own stays.
func (o *outBuf) reset() {
	if o.big != nil {
		*o.big = o.buf[:0]
		bigBufs.Put(o.big)
		o.big = nil
	}
	if o.small != nil {
		o.buf = (*o.small)[:0]
	} else {
		o.buf = nil
	}
}

// borrow returns a small buffer from the pool, or a new one.
func (o *outBuf) borrow() *[]byte {
	if o.pool != nil {
		if p, ok := o.pool.Get().(*[]byte); ok && cap(*p) == o.keep {
			*p = (*p)[:0]
			return p
		}
	}
	b := make([]byte, 0, o.keep)
	return &b
}

// release gives the small buffer back to the pool. Nothing may be
// buffered.
func (o *outBuf) release() {
	if o.pool == nil || o.small == nil || len(o.buf) > 0 {
		return
	}
	o.pool.Put(o.small)
	o.small = nil
	o.buf = nil
}
