//go:build linux

package server

import (
	"errors"
	"net"
	"sync"
	"syscall"
)

// parker holds idle connections without their goroutines. A connection
// that has waited long enough for a request (Server.ParkIdleAfter) gives
// its socket to the parker, which watches it with an epoll instance of
// its own, and its goroutine ends: the stack, the largest part of an
// idle connection's memory, is freed. When the socket becomes readable
// (a request, or the peer closing) the parker starts a new goroutine that
// resumes serving. Go's own poller keeps its registration of the socket;
// its readiness is simply not waited for while the connection is parked.
type parker struct {
	epfd    int
	wake    [2]int // a pipe whose read end in epfd interrupts the wait
	mu      sync.Mutex
	conns   map[int32]*conn // by socket descriptor
	closing bool
	total   uint64 // connections parked so far
	done    chan struct{}
}

func newParker() (*parker, error) {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	p := &parker{epfd: epfd, conns: make(map[int32]*conn), done: make(chan struct{})}
	if err := syscall.Pipe2(p.wake[:], syscall.O_CLOEXEC|syscall.O_NONBLOCK); err != nil {
		syscall.Close(epfd)
		return nil, err
	}
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(p.wake[0])}
	if err := syscall.EpollCtl(epfd, syscall.EPOLL_CTL_ADD, p.wake[0], &ev); err != nil {
		p.closeFDs()
		return nil, err
	}
	go p.loop()
	return p, nil
}

func (p *parker) closeFDs() {
	syscall.Close(p.wake[0])
	syscall.Close(p.wake[1])
	syscall.Close(p.epfd)
}

// sockFD returns the socket descriptor of nc, if it has one.
func sockFD(nc net.Conn) (int, bool) {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return 0, false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return 0, false
	}
	fd := -1
	if rc.Control(func(f uintptr) { fd = int(f) }) != nil || fd < 0 {
		return 0, false
	}
	return fd, true
}

// park hands c to the parker; false means c was not parked (the parker is
// closing, or the socket cannot be watched) and its goroutine must go on
// waiting.
func (p *parker) park(c *conn) bool {
	fd, ok := sockFD(c.nc)
	if !ok {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closing {
		return false
	}
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP | syscall.EPOLLONESHOT, Fd: int32(fd)}
	op := syscall.EPOLL_CTL_ADD
	if c.epollFD == fd {
		op = syscall.EPOLL_CTL_MOD // still registered, disarmed, from an earlier park
	}
	if err := syscall.EpollCtl(p.epfd, op, fd, &ev); err != nil {
		if !errors.Is(err, syscall.EEXIST) {
			return false
		}
		if syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_MOD, fd, &ev) != nil {
			return false
		}
	}
	c.epollFD = fd
	p.conns[int32(fd)] = c
	p.total++
	return true
}

// parkedTotal returns the number of times a connection was parked.
func (p *parker) parkedTotal() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.total
}

// loop resumes parked connections whose sockets became readable, until
// the wake pipe is closed.
func (p *parker) loop() {
	defer close(p.done)
	events := make([]syscall.EpollEvent, 128)
	for {
		n, err := syscall.EpollWait(p.epfd, events, -1)
		if err != nil {
			if errors.Is(err, syscall.EINTR) {
				continue
			}
			return
		}
		for _, ev := range events[:n] {
			if int(ev.Fd) == p.wake[0] {
				return
			}
			p.mu.Lock()
			c := p.conns[ev.Fd]
			delete(p.conns, ev.Fd)
			p.mu.Unlock()
			if c != nil {
				go c.serve()
			}
		}
	}
}

// wakeAll resumes every parked connection (their goroutines then see the
// server closing) and parks no more.
func (p *parker) wakeAll() {
	p.mu.Lock()
	p.closing = true
	conns := p.conns
	p.conns = make(map[int32]*conn)
	for fd, c := range conns {
		_ = syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_DEL, int(fd), nil)
		c.epollFD = -1
	}
	p.mu.Unlock()
	for _, c := range conns {
		go c.serve()
	}
}

// kickIdle resumes the parked connections that have been idle since
// before limit (unix nanoseconds), marked to close for the idle timeout.
func (p *parker) kickIdle(limit int64) {
	var kicked []*conn
	p.mu.Lock()
	for fd, c := range p.conns {
		if c.idleSince.Load() < limit {
			_ = syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_DEL, int(fd), nil)
			delete(p.conns, fd)
			c.epollFD = -1
			c.idleKick.Store(true)
			kicked = append(kicked, c)
		}
	}
	p.mu.Unlock()
	for _, c := range kicked {
		go c.serve()
	}
}

// stop wakes every parked connection and ends the parker.
func (p *parker) stop() {
	p.wakeAll()
	_, _ = syscall.Write(p.wake[1], []byte{1})
	<-p.done
	p.closeFDs()
}

// parked returns the number of parked connections.
func (p *parker) parked() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.conns)
}
