package server

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/ratmemcache/ratmemcache/memproto"
)

// ErrServerClosed is returned by Serve after Shutdown or Close.
var ErrServerClosed = errors.New("server: closed")

// Defaults, matching memcached 1.6 where it has the same knob.
const (
	DefaultMaxConns      = 1024     // memcached -c
	DefaultReadBuffer    = 16 << 10 // memcached's initial read buffer
	DefaultWriteBuffer   = 16 << 10
	DefaultVersion       = "1.6.18" // the memcached release whose behaviour we match
	tooManyConnections   = "ERROR Too many open connections\r\n"
	maxAcceptBackoff     = time.Second
	shutdownPollInterval = 20 * time.Millisecond
)

// Server serves the memcached text, meta and binary protocols from a
// Store. Its lifecycle follows net/http: Serve, Shutdown, Close.
//
// The zero value is not usable: Store must be set. Every other field has a
// working default. Fields must not change once Serve has been called.
type Server struct {
	// Store holds the data. Required.
	Store Store

	// MaxConns bounds open connections; a connection over the limit is
	// told "ERROR Too many open connections" and closed, as memcached does
	// with maxconns_fast. Zero means DefaultMaxConns.
	MaxConns int
	// IdleTimeout closes a connection that sends nothing for this long.
	// Zero means never (memcached's default).
	IdleTimeout time.Duration
	// ParkIdleAfter is how long a connection waits for a request before
	// it gives up its goroutine (on Linux: the socket is watched by one
	// epoll instance for all parked connections, and a new goroutine
	// resumes serving when a request arrives), which cuts an idle
	// connection's memory by its goroutine stack. Zero means
	// DefaultParkIdleAfter; negative never parks. A parked connection
	// still ends after IdleTimeout, to within ParkIdleAfter/2.
	ParkIdleAfter time.Duration
	// MaxItemSize is the largest value accepted (memcached -I). Zero means 1 MiB.
	MaxItemSize int
	// ReadBufferSize and WriteBufferSize size each connection's buffers.
	ReadBufferSize, WriteBufferSize int
	// Version is what the version command reports. Empty means DefaultVersion.
	Version string
	// EnableShutdown lets clients stop the server with the shutdown command
	// (memcached -A). When it is used, OnShutdown is called.
	EnableShutdown bool
	OnShutdown     func()
	// Logger receives connection errors and recovered panics. Nil means slog.Default().
	Logger *slog.Logger
	// Audit, when set, receives one record per administrative event:
	// connection opened and closed, authentication failure, flush_all,
	// shutdown, verbosity and cache_memlimit. Nil disables it at no cost.
	Audit *slog.Logger
	// OpLog, when set, receives one debug record per request (command
	// and key): the cache-operation log. Nil costs nothing.
	OpLog *slog.Logger
	// SlowLog, when set, receives every request that took SlowThreshold
	// or longer to execute (reading it from the network excluded), with
	// its command and key. Nil costs nothing.
	SlowLog       *slog.Logger
	SlowThreshold time.Duration
	// ProductVersion is RatMemCache's own version, reported by stats as
	// ratmemcache_version (version itself answers with Version).
	ProductVersion string
	// TextAuth, when set, turns on memcached's text-protocol
	// authentication (memcached -Y): every connection speaks the text
	// protocol and must log in first. See AuthFile.
	TextAuth Authenticator
	// SASL, when set, requires SASL PLAIN authentication on the binary
	// protocol (memcached -S): every connection speaks binary, and only
	// the SASL opcodes and Version are served before a successful login.
	// TextAuth and SASL are mutually exclusive, as in memcached.
	SASL Authenticator
	// DetailEnabled starts the server with per-prefix statistics on
	// (memcached -D); clients turn them on and off with "stats detail
	// on|off" and read them with "stats detail dump".
	DetailEnabled bool
	// PrefixDelimiter ends the prefix of a key for those statistics.
	// Zero means ':' (memcached's default).
	PrefixDelimiter byte
	// EvictionsDisabled tells stats settings that the store refuses
	// stores rather than evict (memcached -M); the store does the
	// refusing.
	EvictionsDisabled bool
	// DisableFlushAll refuses flush_all (memcached -F): "CLIENT_ERROR
	// flush_all not allowed", or an auth error on the binary protocol.
	DisableFlushAll bool
	// DisableDumping refuses "lru_crawler metadump" and "stats
	// cachedump" (memcached -X).
	DisableDumping bool
	// OnMemoryLimit, if set, is called with the new limit in bytes after
	// cache_memlimit has changed the store's (a daemon moves its
	// process's soft memory limit along).
	OnMemoryLimit func(bytes int64)
	// MaxReqsPerEvent is memcached -R: a connection that has served this
	// many pipelined requests in a row yields the processor to the other
	// connections (counted in stats conn_yields) before it goes on. Zero
	// means 20, memcached's default.
	MaxReqsPerEvent int
	// DisableWatch refuses the watch command (memcached -W): "CLIENT_ERROR
	// watch commands not allowed".
	DisableWatch bool
	// DisableCAS is memcached -C: items carry no CAS unique. Every unique
	// reported is 0 and a cas command never matches (EXISTS, or NOT_FOUND
	// for a missing item); see stats settings cas_enabled.
	DisableCAS bool
	// TCPPort and UDPPort are what stats settings reports as tcpport and
	// udpport (memcached -p, -U); whoever opens the listeners sets them.
	TCPPort, UDPPort int
	// ListenBacklog is what stats settings reports as tcp_backlog
	// (memcached -b); whoever opens the listeners applies it. Zero means
	// 1024, memcached's default.
	ListenBacklog int
	// Protocol binds every connection to one protocol (memcached -B):
	// "ascii" or "binary"; "" or "auto" chooses by the first byte.
	Protocol string

	mu        sync.Mutex
	listeners map[*net.Listener]uint64 // the listener's id in stats conns
	// packetConns are the UDP sockets ServeUDP reads.
	// The value is the unix second of the socket's last request.
	packetConns map[net.PacketConn]*udpSocket
	conns       map[*conn]struct{}
	listenerWG  sync.WaitGroup
	closed      atomic.Bool
	started     time.Time
	nextID      atomic.Uint64
	pollEpoch   atomic.Uint64 // reads that came back from the poller (see waitForRequest)
	// parking is set up by the first Serve when connections park.
	parkOnce  sync.Once
	parking   atomic.Pointer[parker] // nil: connections do not park
	parkStop  chan struct{}          // ends the sweeper
	parkDone  chan struct{}          // closed when the sweeper has ended
	parkEnded sync.Once

	store    Store     // Store, or its no-CAS view (DisableCAS)
	views    ViewStore // store, when it is a ViewStore
	st       serverStats
	watch    watchHub
	prefix   prefixStats
	initOnce sync.Once

	// readers and writeBufs lend connections their buffers only while a
	// request is in progress: an idle connection holds neither.
	readers   sync.Pool // *bufio.Reader of readBufferSize bytes
	writeBufs sync.Pool // *[]byte of writeBufferSize bytes
}

// serverStats are the connection-level counters memcached reports.
type serverStats struct {
	currConns     atomic.Int64
	totalConns    atomic.Uint64
	rejectedConns atomic.Uint64
	bytesRead     atomic.Uint64
	bytesWritten  atomic.Uint64
	authCmds      atomic.Uint64
	authErrors    atomic.Uint64
	metaCmds      atomic.Uint64 // me requests (what memcached 1.6.18's cmd_meta counts)
	storeTooLarge atomic.Uint64 // text and meta stores refused as too large
	storeNoMemory atomic.Uint64 // text and meta stores refused for memory
	idleKicks     atomic.Uint64 // connections closed by the idle timeout
	connYields    atomic.Uint64 // yields after MaxReqsPerEvent pipelined requests
}

func (s *Server) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

// audit logs an administrative event about connection c.
func (s *Server) audit(event string, c *conn, attrs ...any) {
	if s.Audit == nil {
		return
	}
	attrs = append(attrs, "conn", c.id, "remote", c.nc.RemoteAddr().String())
	s.Audit.Info(event, attrs...)
}

func (s *Server) maxConns() int64 {
	if s.MaxConns > 0 {
		return int64(s.MaxConns)
	}
	return DefaultMaxConns
}

func (s *Server) version() string {
	if s.Version != "" {
		return s.Version
	}
	return DefaultVersion
}

// check validates the configuration.
func (s *Server) check() error {
	if s.Store == nil {
		return errors.New("server: Store is nil")
	}
	if s.TextAuth != nil && s.SASL != nil {
		return errors.New("server: TextAuth and SASL cannot both be set (memcached refuses -Y with binary SASL)")
	}
	switch s.Protocol {
	case "", "auto", "ascii", "binary":
	default:
		return fmt.Errorf("server: Protocol %q: want auto, ascii or binary", s.Protocol)
	}
	return nil
}

// init prepares what Serve and ServeUDP share, once.
func (s *Server) init() {
	s.initOnce.Do(func() {
		s.prefix.delim = s.PrefixDelimiter
		if s.prefix.delim == 0 {
			s.prefix.delim = ':'
		}
		s.prefix.on.Store(s.DetailEnabled)
		s.store = s.Store
		if s.DisableCAS {
			s.store = noCASStore{s.Store}
		}
		s.views, _ = s.store.(ViewStore)
	})
}

// Serve accepts connections on l and serves each in its own goroutine. It
// always returns a non-nil error; after Shutdown or Close, ErrServerClosed.
// Serve closes l when it returns.
func (s *Server) Serve(l net.Listener) error {
	if err := s.check(); err != nil {
		_ = l.Close()
		return err
	}
	s.init()
	if !s.trackListener(&l, true) {
		return ErrServerClosed
	}
	defer s.trackListener(&l, false)
	s.parkOnce.Do(s.startParking)
	var backoff time.Duration
	for {
		nc, err := l.Accept()
		if err != nil {
			if s.closed.Load() {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || isTemporary(err) {
				backoff = min(max(2*backoff, 5*time.Millisecond), maxAcceptBackoff)
				s.logger().Warn("accept failed; retrying", "err", err, "backoff", backoff)
				time.Sleep(backoff)
				continue
			}
			return err
		}
		backoff = 0
		s.st.totalConns.Add(1)
		if s.st.currConns.Add(1) > s.maxConns() {
			s.st.currConns.Add(-1)
			s.st.rejectedConns.Add(1)
			_ = nc.SetWriteDeadline(time.Now().Add(time.Second))
			_, _ = nc.Write([]byte(tooManyConnections))
			_ = nc.Close()
			continue
		}
		c := s.newConn(nc)
		s.audit("connection opened", c)
		s.logConn(c, "")
		if !s.trackConn(c, true) {
			s.st.currConns.Add(-1)
			_ = nc.Close()
			return ErrServerClosed
		}
		go c.serve()
	}
}

// isTemporary reports accept errors worth retrying: running out of file
// descriptors or a connection aborted before it was accepted.
func isTemporary(err error) bool {
	var t interface{ Temporary() bool }
	return errors.As(err, &t) && t.Temporary()
}

func (s *Server) trackListener(l *net.Listener, add bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if add {
		if s.closed.Load() {
			return false
		}
		if s.listeners == nil {
			s.listeners = make(map[*net.Listener]uint64)
		}
		if s.started.IsZero() {
			s.started = time.Now()
		}
		s.listeners[l] = s.nextID.Add(1)
		s.listenerWG.Add(1)
		return true
	}
	if _, ok := s.listeners[l]; ok {
		delete(s.listeners, l)
		_ = (*l).Close()
		s.listenerWG.Done()
	}
	return true
}

func (s *Server) trackConn(c *conn, add bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if add {
		if s.closed.Load() {
			return false
		}
		if s.conns == nil {
			s.conns = make(map[*conn]struct{})
		}
		s.conns[c] = struct{}{}
		return true
	}
	delete(s.conns, c)
	return true
}

func (s *Server) closeListenersLocked() {
	for l := range s.listeners {
		_ = (*l).Close()
	}
	for pc := range s.packetConns {
		_ = pc.Close()
	}
}

// Close stops the server at once: listeners and every connection are
// closed, in-flight requests are abandoned. Serve returns ErrServerClosed.
func (s *Server) Close() error {
	s.closed.Store(true)
	if p := s.parking.Load(); p != nil {
		p.wakeAll() // their goroutines find their connections closed
	}
	s.mu.Lock()
	s.closeListenersLocked()
	for c := range s.conns {
		_ = c.nc.Close()
	}
	s.mu.Unlock()
	s.listenerWG.Wait()
	s.stopParking()
	return nil
}

// Shutdown stops the server gracefully: it stops accepting, lets every
// connection finish the requests it has already received, closes
// connections as they become idle, and returns when none remain. If ctx
// ends first, Shutdown returns its error and the remaining connections
// stay open; call Close to end them.
func (s *Server) Shutdown(ctx context.Context) error {
	s.closed.Store(true)
	s.mu.Lock()
	s.closeListenersLocked()
	s.mu.Unlock()
	s.listenerWG.Wait()

	t := time.NewTicker(shutdownPollInterval)
	defer t.Stop()
	for {
		if s.closeIdleConns() {
			s.stopParking()
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// closeIdleConns closes every connection waiting for a request and reports
// whether none are left.
func (s *Server) closeIdleConns() bool {
	if p := s.parking.Load(); p != nil {
		p.wakeAll() // resumed, they see the server closing and exit
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.mu.Lock()
		if st := c.state.Load(); st == stateIdle || st == stateWatching {
			// Wake the reader; it sees the server is closing and exits.
			_ = c.nc.SetReadDeadline(time.Now())
		}
		c.mu.Unlock()
	}
	return len(s.conns) == 0
}

// Connection states, for Shutdown.
const (
	stateIdle     int32 = iota // waiting for the first byte of a request
	stateActive                // reading or executing a request
	stateWatching              // streaming log lines (watch)
	stateParked                // idle, its socket with the parker, no goroutine
)

// conn is one client connection. While it waits for a request it holds
// only idle, a small array the wait reads into; the bufio.Reader and the
// reply buffer come from the server's pools when a request arrives and go
// back when the connection is idle again, so ten thousand idle
// connections cost ten thousand small arrays and goroutine stacks, not
// ten thousand pairs of 16 KiB buffers.
type conn struct {
	srv *Server
	nc  net.Conn
	br  *bufio.Reader // nil while idle
	bw  *outBuf
	p   protocolHandler // nil until the protocol is known
	// text is the text handler's reader, for stats conns (which runs on
	// another connection's goroutine).
	text  atomic.Pointer[memproto.Reader]
	mu    sync.Mutex // orders state changes with Shutdown's deadlines
	state atomic.Int32
	id    uint64       // for stats conns
	last  atomic.Int64 // unix second of the last request, for stats conns
	cr    countingReader
	cw    countingWriter
	// idle is what the connection reads into while it waits for a
	// request; dropped when it parks (and made again on resumption).
	idle *[idleReadSize]byte
	// watcher is set by the watch command (see runWatcher).
	watcher *watcher
	// yieldEpoch is the server's pollEpoch when this connection last
	// yielded before an idle read.
	yieldEpoch uint64
	// idleSince is when the connection last started waiting for a
	// request (unix nanoseconds), for the parking sweeper.
	idleSince atomic.Int64
	// parkReq is set by the sweeper (under mu, with a past read deadline
	// that wakes the reader) to ask the idle connection to park.
	parkReq atomic.Bool
	// noPark is set when the connection's socket cannot be parked.
	noPark atomic.Bool
	// idleKick is set by the sweeper when it resumes a parked connection
	// that has been idle for IdleTimeout, to close it.
	idleKick atomic.Bool
	// epollFD is the descriptor registered with the parker, or -1.
	epollFD int
	// proto is the protocol chosen by the first request; it outlives
	// the handler, which a parked connection drops.
	proto protocolKind
	// authed: the connection has logged in (with Server.TextAuth or
	// Server.SASL).
	authed bool
}

// protocolKind is a connection's protocol, chosen by its first byte.
type protocolKind uint8

const (
	protoUnknown protocolKind = iota
	protoText
	protoBinary
)

// newHandler returns a handler for protocol k.
func (c *conn) newHandler(k protocolKind) protocolHandler {
	if k == protoBinary {
		return newBinaryHandler(c)
	}
	return newTextHandler(c)
}

// idleReadSize is what an idle connection reads when a request arrives:
// enough for a typical get or small set in one read; a longer request
// continues in the pooled bufio.Reader.
const idleReadSize = 512

// scratchKeep is the largest scratch buffer (a value copied out of the
// store, a data block larger than the read buffer) a connection keeps
// while idle.
const scratchKeep = 4 << 10

func (s *Server) newConn(nc net.Conn) *conn {
	c := &conn{srv: s, nc: nc, id: s.nextID.Add(1), epollFD: -1}
	if _, ok := nc.(syscall.Conn); !ok {
		// No socket to hand the parker (TLS): never asked to park. The
		// sweeper's request is a past read deadline, which would also
		// break a TLS handshake still waiting for the client.
		c.noPark.Store(true)
	}
	c.last.Store(time.Now().Unix())
	c.cr = countingReader{r: nc, n: &s.st.bytesRead}
	c.cw = countingWriter{w: nc, n: &s.st.bytesWritten}
	if raw := newRawIO(nc); raw != nil {
		c.cr.r, c.cw.w, c.cw.raw = raw, raw, raw
	}
	c.bw = newOutBuf(&c.cw, s.writeBufferSize(), &s.writeBufs)
	c.cr.bw = c.bw
	return c
}

func (s *Server) readBufferSize() int {
	if s.ReadBufferSize > 0 {
		return s.ReadBufferSize
	}
	return DefaultReadBuffer
}

func (s *Server) writeBufferSize() int {
	if s.WriteBufferSize > 0 {
		return s.WriteBufferSize
	}
	return DefaultWriteBuffer
}

// pending reports whether input has arrived that is not yet served.
func (c *conn) pending() bool {
	return len(c.cr.pre) > 0 || (c.br != nil && c.br.Buffered() > 0)
}

// acquire lends the connection a bufio.Reader that first returns the n
// bytes the idle read got.
func (c *conn) acquire(n int) {
	c.cr.pre = c.idle[:n]
	br, _ := c.srv.readers.Get().(*bufio.Reader)
	if br == nil {
		br = bufio.NewReaderSize(&c.cr, c.srv.readBufferSize())
	} else {
		br.Reset(&c.cr)
	}
	c.br = br
	if c.p != nil {
		c.p.setSource(br)
	}
}

// release gives the connection's buffers back; it is called only when no
// input is pending and every reply has been written.
func (c *conn) release() {
	if c.br != nil {
		c.br.Reset(nil)
		c.srv.readers.Put(c.br)
		c.br = nil
	}
	c.bw.release()
	if c.p != nil {
		c.p.release(scratchKeep)
	}
}

// errQuit ends a connection without an error to log.
var errQuit = errors.New("quit")

// serve serves the connection on its own goroutine, from its start or,
// after the parker saw its socket become readable (or the server
// closing), from where it parked.
func (c *conn) serve() {
	s := c.srv
	reason, parked := closeError, false
	defer func() {
		if r := recover(); r != nil {
			s.logger().Error("panic serving connection; closing it",
				"remote", c.nc.RemoteAddr().String(), "panic", r, "stack", string(debug.Stack()))
			parked = false
		}
		if parked {
			// The parker owns the connection now, and may already have
			// resumed it on another goroutine: touch nothing.
			return
		}
		_ = c.nc.Close()
		s.trackConn(c, false)
		s.st.currConns.Add(-1)
		s.audit("connection closed", c)
		s.logConn(c, reason)
	}()
	reason, parked = c.run()
}

// run serves requests until the connection ends, and returns why it
// ended (for watch connevents), or parked true when it was handed to the
// parker while idle.
func (c *conn) run() (reason string, parked bool) {
	s := c.srv
	if err := c.waitForRequest(); err != nil {
		if errors.Is(err, errParked) {
			return "", true
		}
		return c.closeReason(err), false
	}
	if c.p == nil {
		if c.proto == protoUnknown {
			// Choose the protocol by the first byte, as memcached does.
			c.proto = c.chooseProtocol()
			if c.proto == protoUnknown {
				return closeError, false // memcached binds -S to binary: not a binary request, so close
			}
		}
		c.p = c.newHandler(c.proto) // the first, or a parked connection's next
	}
	p := c.p
	maxStreak := s.MaxReqsPerEvent
	if maxStreak <= 0 {
		maxStreak = 20
	}
	streak := 0
	for {
		c.state.Store(stateActive)
		var began time.Time
		if s.SlowLog != nil {
			began = time.Now()
		}
		err := p.handle()
		if s.OpLog != nil {
			cmd, key := p.last()
			s.OpLog.Debug("request", "conn", c.id, "command", cmd, "key", string(key))
		}
		if s.SlowLog != nil {
			if took := time.Since(began); took >= s.SlowThreshold {
				cmd, key := p.last()
				s.SlowLog.Warn("slow request", "conn", c.id, "command", cmd, "key", string(key), "took", took)
			}
		}
		if err == nil && !c.pending() {
			// Everything pipelined so far has been answered: one write.
			err = c.bw.Flush()
		}
		if err != nil {
			_ = c.bw.Flush()
			if errors.Is(err, errWatching) {
				c.runWatcher()
				return closeNormal, false
			}
			if !errors.Is(err, errQuit) && !isClosedConn(err) {
				s.logger().Debug("connection closed", "remote", c.nc.RemoteAddr().String(), "err", err)
			}
			return c.closeReason(err), false
		}
		if !c.pending() {
			streak = 0
			if err := c.waitForRequest(); err != nil {
				if errors.Is(err, errParked) {
					return "", true
				}
				return c.closeReason(err), false
			}
			if c.p == nil {
				// It dropped the handler to park, then could not.
				c.p = c.newHandler(c.proto)
			}
			p = c.p
		} else if streak++; streak >= maxStreak {
			// A long pipeline does not starve the other connections.
			streak = 0
			s.st.connYields.Add(1)
			runtime.Gosched()
		}
	}
}

// chooseProtocol returns the protocol the first byte of the connection
// asks for, or protoUnknown if the connection must close.
func (c *conn) chooseProtocol() protocolKind {
	s := c.srv
	first := c.idle[0]
	switch {
	case s.TextAuth != nil:
		return protoText // memcached binds -Y to the text protocol
	case s.SASL != nil && first != binaryMagicRequest:
		return protoUnknown
	case s.Protocol == "ascii":
		return protoText
	case s.Protocol == "binary" || first == binaryMagicRequest:
		return protoBinary
	}
	return protoText
}

// closeReason names why err ended the connection, as memcached's
// connevents log does.
func (c *conn) closeReason(err error) string {
	switch {
	case errors.Is(err, errQuit) || errors.Is(err, io.EOF):
		return closeNormal
	case c.srv.closed.Load():
		return closeShutdown
	case c.srv.IdleTimeout > 0 && errors.Is(err, os.ErrDeadlineExceeded):
		return closeIdleTimeout
	}
	return closeError
}

// waitForRequest gives back the connection's buffers and blocks until
// the next request's first bytes arrive, the idle timeout passes, or the
// server shuts down.
func (c *conn) waitForRequest() error {
	s := c.srv
	c.release()
	if c.idle == nil {
		c.idle = new([idleReadSize]byte)
	}
	c.idleSince.Store(time.Now().UnixNano())
	c.mu.Lock()
	c.state.Store(stateIdle)
	c.mu.Unlock()
	if s.closed.Load() {
		return ErrServerClosed
	}
	if c.idleKick.Swap(false) {
		// Parked for the whole idle timeout (see sweep).
		s.st.idleKicks.Add(1)
		return os.ErrDeadlineExceeded
	}
	if s.IdleTimeout > 0 {
		_ = c.nc.SetReadDeadline(time.Now().Add(s.IdleTimeout))
	}
	var n int
	var err error
	// Let the other runnable connections go first: under load, by the
	// time this one runs again its client has usually sent the next
	// request, and the read below finds it instead of failing with EAGAIN
	// and parking the goroutine in the poller (a wasted system call and a
	// wake-up per request; idle, Gosched returns at once). But Go's
	// scheduler polls the network only when its run queues are empty, so
	// connections that yield again and again keep them full and starve
	// those parked in the poller (until sysmon polls, every 10 ms). So a
	// connection yields at most once per poll epoch: after it has
	// yielded, it yields again only once some connection's read has come
	// back from the poller, which shows the network was polled since.
	// memcaslap, 16 connections, one core: reads per request 2.09 -> 1.68
	// (memcached: 1.00), about memcached's requests per second
	// (docs/benchmarks.md, "Another load generator").
	if e := s.pollEpoch.Load(); e != c.yieldEpoch {
		c.yieldEpoch = e
		runtime.Gosched()
	}
	for n == 0 && err == nil {
		n, err = c.cr.r.Read(c.idle[:])
		if n == 0 && c.parkReq.Load() && errors.Is(err, os.ErrDeadlineExceeded) {
			// The sweeper woke us to park (see parker).
			if err = c.tryPark(); err != nil {
				return err
			}
		}
	}
	if c.cw.raw == nil || c.cw.raw.waited {
		s.pollEpoch.Add(1)
	}
	if n == 0 {
		if s.IdleTimeout > 0 && !s.closed.Load() && errors.Is(err, os.ErrDeadlineExceeded) {
			s.st.idleKicks.Add(1)
		}
		return err
	}
	c.cr.n.Add(uint64(n))
	// A request has started. Under c.mu, so that Shutdown cannot set a
	// past deadline between the state change and the new deadline.
	c.last.Store(time.Now().Unix())
	c.mu.Lock()
	c.state.Store(stateActive)
	if s.IdleTimeout > 0 {
		// The whole request must arrive within the idle timeout.
		_ = c.nc.SetReadDeadline(time.Now().Add(s.IdleTimeout))
	} else if s.closed.Load() || c.parkReq.Swap(false) {
		// Shutdown or the parking sweeper may have set a past deadline
		// to wake idle readers: this request runs to its end.
		_ = c.nc.SetReadDeadline(time.Time{})
	}
	c.mu.Unlock()
	c.acquire(n)
	return nil
}

// errParked ends a connection's goroutine when the parker has taken the
// connection over.
var errParked = errors.New("connection parked")

// tryPark hands the idle connection to the parker, after the sweeper
// asked for it. It returns errParked when the parker took it (the caller
// must then leave the connection alone), ErrServerClosed when the server
// is closing, or nil when the connection cannot park and goes on waiting.
func (c *conn) tryPark() error {
	s := c.srv
	c.mu.Lock()
	c.parkReq.Store(false)
	if s.closed.Load() {
		c.mu.Unlock()
		return ErrServerClosed
	}
	_ = c.nc.SetReadDeadline(time.Time{})
	c.state.Store(stateParked)
	c.mu.Unlock()
	// A parked connection holds no read array. Not pooled: a pool keeps
	// what it holds through a garbage collection, and stackRelease's
	// collection is what gives the memory of parked connections back.
	idle := c.idle
	c.idle = nil
	if c.p != nil {
		c.p.release(0)
		if c.p.atBoundary() {
			// A new handler of the same protocol resumes the
			// connection (run); its state between requests is the
			// connection's (proto, authed).
			c.p = nil
			c.text.Store(nil)
		}
	}
	if p := s.parking.Load(); p != nil && p.park(c) {
		return errParked
	}
	c.idle = idle
	c.mu.Lock()
	c.state.Store(stateIdle)
	closing := s.closed.Load()
	if !closing && s.IdleTimeout > 0 {
		// Waiting on: the idle timeout still counts from the start.
		_ = c.nc.SetReadDeadline(time.Unix(0, c.idleSince.Load()).Add(s.IdleTimeout))
	}
	c.mu.Unlock()
	if closing {
		return ErrServerClosed
	}
	c.noPark.Store(true)
	return nil
}

// DefaultParkIdleAfter is how long a connection waits for a request
// before it parks, unless Server.ParkIdleAfter says otherwise.
const DefaultParkIdleAfter = 2 * time.Second

func (s *Server) parkAfter() time.Duration {
	if s.ParkIdleAfter != 0 {
		return s.ParkIdleAfter
	}
	return DefaultParkIdleAfter
}

// startParking starts the parker and its sweeper, once, when idle
// connections are to park and the system supports it.
func (s *Server) startParking() {
	after := s.parkAfter()
	if after < 0 || s.closed.Load() {
		return
	}
	p, err := newParker()
	if err != nil {
		return
	}
	s.parkStop, s.parkDone = make(chan struct{}), make(chan struct{})
	s.parking.Store(p)
	go s.sweep(after)
}

// sweep asks connections idle for longer than after to park, and ends
// parked connections idle for longer than IdleTimeout.
func (s *Server) sweep(after time.Duration) {
	defer close(s.parkDone)
	t := time.NewTicker(max(after/2, time.Millisecond))
	defer t.Stop()
	var rel stackRelease
	for {
		select {
		case <-s.parkStop:
			return
		case <-t.C:
		}
		now := time.Now()
		limit := now.Add(-after).UnixNano()
		s.mu.Lock()
		for c := range s.conns {
			if c.noPark.Load() || c.parkReq.Load() || c.idleSince.Load() > limit {
				continue
			}
			c.mu.Lock()
			if c.state.Load() == stateIdle {
				// Wake the reader; it parks (tryPark).
				c.parkReq.Store(true)
				_ = c.nc.SetReadDeadline(now)
			}
			c.mu.Unlock()
		}
		s.mu.Unlock()
		if s.IdleTimeout > 0 {
			s.parking.Load().kickIdle(now.Add(-s.IdleTimeout).UnixNano())
		}
		rel.maybe(s.parking.Load(), now)
	}
}

// stackRelease gives the memory of the goroutine stacks that parked
// connections freed back to the operating system. Freed stacks otherwise
// stay in the runtime's pools until a garbage collection, which an idle
// server, allocating nothing, never runs, so the process would not
// shrink. It releases when at least parkReleaseBatch connections have
// parked since the last release, at most once per parkReleaseEvery. The
// sweeper owns it.
type stackRelease struct {
	parked uint64    // the parker's parkedTotal at the last release
	at     time.Time // the last release
}

func (r *stackRelease) maybe(p *parker, now time.Time) {
	n := p.parkedTotal()
	if n-r.parked < parkReleaseBatch || now.Sub(r.at) < parkReleaseEvery {
		return
	}
	r.parked, r.at = n, now
	debug.FreeOSMemory()
}

const (
	parkReleaseBatch = 256
	parkReleaseEvery = 10 * time.Second
)

// stopParking resumes every parked connection (they see the server
// closing) and ends the parker and its sweeper.
func (s *Server) stopParking() {
	s.parkOnce.Do(func() {}) // parking never starts from now on
	s.parkEnded.Do(func() {
		p := s.parking.Load()
		if p == nil {
			return
		}
		close(s.parkStop)
		<-s.parkDone
		p.stop()
	})
}

func isClosedConn(err error) bool {
	if errors.Is(err, net.ErrClosed) || errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// countingReader counts the bytes read from the network, and sends the
// replies buffered so far before it waits for more input: a reply is
// never held back behind a read (as memcached writes whenever it runs out
// of input), while requests that arrived together are still answered
// with one write.
type countingReader struct {
	r   io.Reader // the connection, or its rawIO
	n   *atomic.Uint64
	bw  *outBuf
	pre []byte // what the idle read got, served first
	// waiting is set while a request in progress waits for more input,
	// for stats conns.
	waiting atomic.Bool
}

func (cr *countingReader) Read(p []byte) (int, error) {
	if len(cr.pre) > 0 {
		n := copy(p, cr.pre)
		cr.pre = cr.pre[n:]
		if len(cr.pre) == 0 {
			// An empty tail still points into the idle array and
			// would keep it alive after the connection parks.
			cr.pre = nil
		}
		return n, nil
	}
	if cr.bw.Buffered() > 0 {
		if err := cr.bw.Flush(); err != nil {
			return 0, err
		}
	}
	cr.waiting.Store(true)
	n, err := cr.r.Read(p)
	cr.waiting.Store(false)
	cr.n.Add(uint64(n))
	return n, err
}

type countingWriter struct {
	w   io.Writer // the connection, or its rawIO
	raw *rawIO    // nil unless the connection is a plain socket on Linux
	n   *atomic.Uint64
}

func (cw *countingWriter) Write(p []byte) (int, error) {
	n, err := cw.w.Write(p)
	cw.n.Add(uint64(n))
	return n, err
}

// writeBuffers sends bufs with one writev on a TCP or Unix connection
// (net.Buffers falls back to one write per slice elsewhere, e.g. TLS).
func (cw *countingWriter) writeBuffers(bufs *net.Buffers) (int64, error) {
	var n int64
	var err error
	if cw.raw != nil {
		n, err = cw.raw.writeBuffers(bufs)
	} else {
		n, err = bufs.WriteTo(cw.w)
	}
	cw.n.Add(uint64(n))
	return n, err
}

// protocolHandler reads and answers requests of one protocol. handle
// serves one request (or one batch the protocol treats as a unit) and
// returns an error only when the connection must close.
type protocolHandler interface {
	handle() error
	// setSource switches the handler's reader to the connection's newly
	// lent bufio.Reader.
	setSource(br *bufio.Reader)
	// release drops scratch buffers larger than keep bytes (all of
	// them with 0, when the connection parks).
	release(keep int)
	// atBoundary reports whether the handler holds nothing of a request
	// between calls to handle, so that a parking connection can drop it
	// and make a new one of the same protocol when it resumes.
	atBoundary() bool
	// last names the request handle served last, and its key, for logs.
	last() (command string, key []byte)
}
