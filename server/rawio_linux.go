//go:build linux && !race

package server

import (
	"io"
	"net"
	"os"
	"syscall"
	"unsafe"
)

// rawIO reads and writes a TCP or Unix socket with raw system calls,
// waiting for readiness through the connection's own poller (so read and
// write deadlines and Close still apply).
//
// Why: net.Conn's Read and Write enter the system call through the Go
// scheduler (entersyscall), and entering one while every processor is idle
// wakes the runtime's monitor thread (sysmon) from its deep sleep; it then
// polls every 20 µs until the process is idle again. A server answering one
// request at a time per connection goes idle between requests, so each
// request paid a futex wake-up and a string of 20 µs sleeps on top of its
// own work (docs/benchmarks.md, "Another load generator"). The socket is
// non-blocking, so a raw call never blocks the thread: it returns EAGAIN
// and the goroutine parks in the poller as net.Conn's would.
//
// The callbacks handed to RawConn are made once, in newRawIO, and take
// their arguments from fields, so that a read or write allocates nothing.
// Reads come from one goroutine at a time, and so do writes.
type rawIO struct {
	rc syscall.RawConn

	rp      []byte // the read's buffer
	rcalls  int    // calls of read in this Read: more than one means it waited
	waited  bool   // the last Read waited in the poller
	rn      int
	rerrno  syscall.Errno
	readFn  func(fd uintptr) bool
	wp      []byte // the write's data
	wn      int
	werrno  syscall.Errno
	writeFn func(fd uintptr) bool
	vec     net.Buffers // writev's data (a copy of the caller's slice headers)
	vecBuf  net.Buffers // vec's storage: writing consumes vec from the front
	vn      int64
	iov     []syscall.Iovec // writev's scratch
	vecFn   func(fd uintptr) bool
}

// newRawIO returns a rawIO for nc, or nil when nc is not a plain socket
// (TLS, a test's net.Pipe) and net.Conn's methods must be used.
func newRawIO(nc net.Conn) *rawIO {
	var sc syscall.Conn
	switch c := nc.(type) {
	case *net.TCPConn:
		sc = c
	case *net.UnixConn:
		sc = c
	default:
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	r := &rawIO{rc: rc}
	r.readFn = r.read
	r.writeFn = r.write
	r.vecFn = r.writev
	return r
}

func (r *rawIO) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	r.rp, r.rn, r.rerrno, r.rcalls = p, 0, 0, 0
	err := r.rc.Read(r.readFn)
	n, errno := r.rn, r.rerrno
	r.waited = r.rcalls > 1
	r.rp = nil
	switch {
	case err != nil:
		return 0, err
	case errno != 0:
		return 0, os.NewSyscallError("read", errno)
	case n == 0:
		return 0, io.EOF
	}
	return n, nil
}

func (r *rawIO) read(fd uintptr) bool {
	r.rcalls++
	for {
		m, _, e := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&r.rp[0])), uintptr(len(r.rp)))
		switch e {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		case 0:
			r.rn = int(m)
		default:
			r.rerrno = e
		}
		return true
	}
}

// Write writes all of p or returns an error, as net.Conn's Write does.
func (r *rawIO) Write(p []byte) (int, error) {
	r.wp, r.wn, r.werrno = p, 0, 0
	err := r.rc.Write(r.writeFn)
	n, errno := r.wn, r.werrno
	r.wp = nil
	if err == nil && errno != 0 {
		err = os.NewSyscallError("write", errno)
	}
	return n, err
}

func (r *rawIO) write(fd uintptr) bool {
	for r.wn < len(r.wp) {
		q := r.wp[r.wn:]
		m, _, e := syscall.RawSyscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(&q[0])), uintptr(len(q)))
		switch e {
		case 0:
			r.wn += int(m)
		case syscall.EINTR:
		case syscall.EAGAIN:
			return false
		default:
			r.werrno = e
			return true
		}
	}
	return true
}

// writeBuffers writes all of bufs with writev, consuming them as
// net.Buffers.WriteTo does.
func (r *rawIO) writeBuffers(bufs *net.Buffers) (int64, error) {
	// Copying the headers keeps bufs, often the caller's local
	// variable, from escaping into r.
	r.vecBuf = append(r.vecBuf[:0], *bufs...)
	r.vec, r.vn, r.werrno = r.vecBuf, 0, 0
	err := r.rc.Write(r.vecFn)
	n, errno := r.vn, r.werrno
	*bufs = append((*bufs)[:0], r.vec...)
	r.vec = nil
	clear(r.vecBuf) // do not pin the replies
	clear(r.iov)
	if err == nil && errno != 0 {
		err = os.NewSyscallError("writev", errno)
	}
	return n, err
}

// iovMax is Linux's IOV_MAX.
const iovMax = 1024

func (r *rawIO) writev(fd uintptr) bool {
	for len(r.vec) > 0 {
		r.iov = r.iov[:0]
		for _, b := range r.vec {
			if len(b) == 0 {
				continue
			}
			v := syscall.Iovec{Base: &b[0]}
			v.SetLen(len(b))
			r.iov = append(r.iov, v)
			if len(r.iov) == iovMax {
				break
			}
		}
		if len(r.iov) == 0 {
			r.vec = r.vec[:0]
			return true
		}
		m, _, e := syscall.RawSyscall(syscall.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&r.iov[0])), uintptr(len(r.iov)))
		switch e {
		case 0:
			r.vn += int64(m)
			consumeBuffers(&r.vec, int(m))
		case syscall.EINTR:
		case syscall.EAGAIN:
			return false
		default:
			r.werrno = e
			return true
		}
	}
	return true
}

// consumeBuffers drops the first n bytes of bufs.
func consumeBuffers(bufs *net.Buffers, n int) {
	for len(*bufs) > 0 {
		b := (*bufs)[0]
		if n < len(b) {
			(*bufs)[0] = b[n:]
			return
		}
		n -= len(b)
		(*bufs)[0] = nil
		*bufs = (*bufs)[1:]
	}
}
