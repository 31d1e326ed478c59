package server

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// memcached's UDP framing (protocol.txt, "UDP protocol"): every datagram
// starts with an 8-byte frame header: request id, sequence number, total
// number of datagrams in the message, and two reserved zero bytes, each a
// 16-bit big-endian number. A request must fit in one datagram; the reply
// is split into datagrams of at most udpMaxPayload bytes, header included.
const (
	udpHeaderSize = 8
	udpMaxPayload = 1400
	udpDataSize   = udpMaxPayload - udpHeaderSize
	udpReadSize   = 64 << 10 // memcached's UDP_READ_BUFFER_SIZE
)

// ServeUDP serves memcached's UDP protocol on pc (memcached -U): each
// datagram carries one frame header and whole requests, text or binary,
// answered to its sender with the same request id. Multi-datagram
// requests are dropped, as memcached drops them. It returns
// ErrServerClosed after Shutdown or Close, and closes pc when it returns.
//
// UDP is off by default in memcached since 1.5.6: a small spoofed request
// can make a large reply, so open it only where spoofing is impossible.
// Authentication needs a connection, so a server with TextAuth or SASL
// refuses to serve UDP.
func (s *Server) ServeUDP(pc net.PacketConn) error {
	if err := s.check(); err != nil {
		_ = pc.Close()
		return err
	}
	if s.TextAuth != nil || s.SASL != nil {
		_ = pc.Close()
		return errors.New("server: UDP cannot be served with authentication on (memcached disables UDP with SASL)")
	}
	s.init()
	if !s.trackPacketConn(pc, true) {
		_ = pc.Close()
		return ErrServerClosed
	}
	defer s.trackPacketConn(pc, false)
	s.mu.Lock()
	last := &s.packetConns[pc].last
	s.mu.Unlock()
	workers := max(runtime.GOMAXPROCS(0), 1)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- s.udpWorker(pc, last)
		}()
	}
	wg.Wait()
	close(errs)
	if s.closed.Load() {
		return ErrServerClosed
	}
	return <-errs
}

func (s *Server) trackPacketConn(pc net.PacketConn, add bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if add {
		if s.closed.Load() {
			return false
		}
		if s.packetConns == nil {
			s.packetConns = make(map[net.PacketConn]*udpSocket)
		}
		if s.started.IsZero() {
			s.started = time.Now()
		}
		u := &udpSocket{id: s.nextID.Add(1)}
		u.last.Store(time.Now().Unix())
		s.packetConns[pc] = u
		s.listenerWG.Add(1)
		return true
	}
	if _, ok := s.packetConns[pc]; ok {
		delete(s.packetConns, pc)
		_ = pc.Close()
		s.listenerWG.Done()
	}
	return true
}

// udpSocket is what stats conns shows of a UDP socket.
type udpSocket struct {
	id   uint64
	last atomic.Int64 // unix second of the last request
}

// udpWorker reads datagrams from pc and answers them until pc fails.
func (s *Server) udpWorker(pc net.PacketConn, last *atomic.Int64) error {
	buf := make([]byte, udpReadSize)
	var out []byte
	for {
		n, addr, err := pc.ReadFrom(buf)
		if err != nil {
			if s.closed.Load() || errors.Is(err, net.ErrClosed) {
				return err
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			// A datagram larger than the buffer, or an ICMP error
			// reported on the socket: the next read goes on.
			s.logger().Debug("UDP read failed", "err", err)
			continue
		}
		s.st.bytesRead.Add(uint64(n))
		if n <= udpHeaderSize {
			continue
		}
		hdr := buf[:udpHeaderSize]
		if hdr[4] != 0 || hdr[5] != 1 {
			continue // a request of more than one datagram: memcached drops it
		}
		id := binary.BigEndian.Uint16(hdr)
		last.Store(time.Now().Unix())
		out = s.udpExchange(out[:0], buf[udpHeaderSize:n], addr, pc.LocalAddr())
		if len(out) == 0 {
			continue
		}
		if err := s.udpReply(pc, addr, id, out); err != nil {
			if s.closed.Load() || errors.Is(err, net.ErrClosed) {
				return err
			}
			s.logger().Debug("UDP write failed", "remote", addr.String(), "err", err)
		}
		if cap(out) > udpReadSize {
			out = nil // a large reply's buffer is not kept
		}
	}
}

// udpExchange serves the requests in one datagram as a connection that
// reads them, then ends, and returns the replies appended to dst.
func (s *Server) udpExchange(dst, req []byte, remote, local net.Addr) (out []byte) {
	uc := &udpConn{req: req, reply: dst, remote: remote, local: local}
	c := s.newConn(uc)
	defer func() {
		if r := recover(); r != nil {
			s.logger().Error("panic serving a UDP request; dropping it",
				"remote", remote.String(), "panic", r, "stack", string(debug.Stack()))
			out = dst[:0]
		}
	}()
	c.run()
	c.release()
	return uc.reply
}

// udpReply sends reply to addr in datagrams of at most udpMaxPayload bytes,
// each with a frame header: request id, sequence number, total.
func (s *Server) udpReply(pc net.PacketConn, addr net.Addr, id uint16, reply []byte) error {
	total := (len(reply) + udpDataSize - 1) / udpDataSize
	if total > 0xffff {
		total = 0xffff // memcached's cap; the rest of the reply is not sent
	}
	var pkt [udpMaxPayload]byte
	for seq := range total {
		chunk := reply[seq*udpDataSize : min((seq+1)*udpDataSize, len(reply))]
		binary.BigEndian.PutUint16(pkt[0:], id)
		binary.BigEndian.PutUint16(pkt[2:], uint16(seq))
		binary.BigEndian.PutUint16(pkt[4:], uint16(total))
		pkt[6], pkt[7] = 0, 0
		n := copy(pkt[udpHeaderSize:], chunk)
		if _, err := pc.WriteTo(pkt[:udpHeaderSize+n], addr); err != nil {
			return err
		}
		s.st.bytesWritten.Add(uint64(udpHeaderSize + n))
	}
	return nil
}

// udpConn is the net.Conn a datagram's requests are served through: it
// reads the datagram's payload, then reports the end of input, and
// collects every write into reply.
type udpConn struct {
	req           []byte
	reply         []byte
	remote, local net.Addr
}

func (u *udpConn) Read(p []byte) (int, error) {
	if len(u.req) == 0 {
		return 0, io.EOF
	}
	n := copy(p, u.req)
	u.req = u.req[n:]
	return n, nil
}

func (u *udpConn) Write(p []byte) (int, error) {
	u.reply = append(u.reply, p...)
	return len(p), nil
}

func (u *udpConn) Close() error                     { return nil }
func (u *udpConn) LocalAddr() net.Addr              { return u.local }
func (u *udpConn) RemoteAddr() net.Addr             { return u.remote }
func (u *udpConn) SetDeadline(time.Time) error      { return nil }
func (u *udpConn) SetReadDeadline(time.Time) error  { return nil }
func (u *udpConn) SetWriteDeadline(time.Time) error { return os.ErrNoDeadline }
