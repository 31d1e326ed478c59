package server

import (
	"errors"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// memcached's "watch" command turns a connection into a live stream of
// log lines, one per event of the kinds it asked for:
//
//	ts=<sec>.<usec> gid=<n> type=item_get key=<uri-encoded> status=found|not_found clsid=<n> cfd=<conn> size=<bytes>
//	ts=... type=item_store key=... status=stored|not_stored|exists|not_found|too_large|no_memory cmd=set|add|replace|append|prepend|cas ttl=<sec> clsid=<n> cfd=<conn> size=<bytes>
//	ts=... type=eviction key=... fetch=yes|no ttl=<sec, -1 never> la=<sec since last access> clsid=<n> size=<bytes>
//	ts=... type=conn_new rip=<ip> rport=<port> transport=tcp|local|udp cfd=<conn>
//	ts=... type=conn_close rip=... rport=... transport=... reason=normal|error|idle_timeout|shutdown cfd=<conn>
//
// Each watcher has a buffer of watcherBufferSize bytes; lines that do not
// fit while the client reads slowly are dropped and counted, and the next
// line that fits is preceded by "skipped=<n>", as memcached does. With no
// watcher, logging costs one atomic load per event.
const (
	watchFetchers uint32 = 1 << iota
	watchMutations
	watchEvictions
	watchConnEvents
	// rawcmds, sysevents and the proxy kinds are accepted, as memcached
	// accepts them; memcached 1.6 logs no raw commands, and there are no
	// crawler, slab-mover or proxy events here.
	watchOther
)

// watcherBufferSize is memcached's default watcher_logbuf_size.
const watcherBufferSize = 256 << 10

var watchKinds = map[string]uint32{
	"fetchers": watchFetchers, "mutations": watchMutations, "evictions": watchEvictions,
	"connevents": watchConnEvents, "rawcmds": watchOther, "sysevents": watchOther,
	"proxyreqs": watchOther, "proxyevents": watchOther, "proxyuser": watchOther,
}

// watchHub holds the server's watchers.
type watchHub struct {
	mask     atomic.Uint32 // union of the watchers' kinds
	gid      atomic.Uint64 // log entries made
	mu       sync.Mutex
	watchers map[*watcher]struct{}
	// sent and skipped count lines delivered to watchers' queues and
	// dropped from them, for stats log_watcher_sent and _skipped.
	sent, skipped atomic.Uint64
}

// watchStats are the counters stats reports under memcached's log_
// names.
type watchStats struct {
	written, sent, skipped, watchers uint64
}

func (h *watchHub) stats() watchStats {
	h.mu.Lock()
	n := len(h.watchers)
	h.mu.Unlock()
	return watchStats{written: h.gid.Load(), sent: h.sent.Load(), skipped: h.skipped.Load(), watchers: uint64(n)}
}

// watcher is one watching connection's queue of log lines.
type watcher struct {
	kinds   uint32
	mu      sync.Mutex
	buf     []byte
	skipped uint64
	wake    chan struct{} // a line was queued
}

func (h *watchHub) on(kind uint32) bool { return h.mask.Load()&kind != 0 }

func (h *watchHub) add(w *watcher) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.watchers == nil {
		h.watchers = make(map[*watcher]struct{})
	}
	h.watchers[w] = struct{}{}
	h.mask.Store(h.mask.Load() | w.kinds)
}

func (h *watchHub) remove(w *watcher) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.watchers, w)
	var m uint32
	for o := range h.watchers {
		m |= o.kinds
	}
	h.mask.Store(m)
}

// emit queues a line of kind to every watcher that wants it. body appends
// the line's fields after "ts=... gid=... ".
func (h *watchHub) emit(kind uint32, body func(b []byte) []byte) {
	now := time.Now()
	b := make([]byte, 0, 160)
	b = append(b, "ts="...)
	b = strconv.AppendInt(b, now.Unix(), 10)
	b = append(b, '.')
	b = strconv.AppendInt(b, int64(now.Nanosecond()/1000), 10)
	b = append(b, " gid="...)
	b = strconv.AppendUint(b, h.gid.Add(1), 10)
	b = append(b, ' ')
	b = body(b)
	b = append(b, '\n')
	h.mu.Lock()
	defer h.mu.Unlock()
	for w := range h.watchers {
		if w.kinds&kind != 0 {
			if w.queue(b) {
				h.sent.Add(1)
			} else {
				h.skipped.Add(1)
			}
		}
	}
}

// queue appends line and reports true, or counts it as skipped when the
// buffer is full and reports false.
func (w *watcher) queue(line []byte) bool {
	w.mu.Lock()
	if w.skipped > 0 {
		note := strconv.AppendUint([]byte("skipped="), w.skipped, 10)
		note = append(note, '\n')
		if len(w.buf)+len(note)+len(line) > watcherBufferSize {
			w.skipped++
			w.mu.Unlock()
			return false
		}
		w.buf = append(w.buf, note...)
		w.skipped = 0
	}
	if len(w.buf)+len(line) > watcherBufferSize {
		w.skipped++
		w.mu.Unlock()
		return false
	}
	w.buf = append(w.buf, line...)
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
	return true
}

// take returns the queued lines, leaving spare as the new buffer.
func (w *watcher) take(spare []byte) []byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	b := w.buf
	w.buf = spare[:0]
	return b
}

// parseWatch turns the words after "watch" into kinds: fetchers when there
// are none; false for an unknown word.
func parseWatch(args [][]byte) (uint32, bool) {
	if len(args) == 0 {
		return watchFetchers, true
	}
	var kinds uint32
	for _, a := range args {
		k, ok := watchKinds[string(a)]
		if !ok {
			return 0, false
		}
		kinds |= k
	}
	return kinds, true
}

// errWatching ends a watcher's request loop: the connection only streams
// log lines from then on.
var errWatching = errors.New("watching")

// runWatcher streams the log lines c.watcher asked for to the connection
// until the client goes away, a write fails, or the server shuts down.
func (c *conn) runWatcher() {
	s := c.srv
	w := c.watcher
	defer s.watch.remove(w)
	// Under c.mu, as in waitForRequest: Shutdown either sees the watching
	// state and wakes the reader below with a past deadline, or set its
	// deadline before and closed is already true.
	c.mu.Lock()
	_ = c.nc.SetReadDeadline(time.Time{})
	c.state.Store(stateWatching)
	c.mu.Unlock()
	if s.closed.Load() {
		return
	}
	// Input is ignored; reading it tells when the client leaves (or
	// Shutdown wakes the connection with a past deadline).
	gone := make(chan struct{})
	go func() {
		defer close(gone)
		if c.br != nil && c.br.Buffered() > 0 {
			_, _ = c.br.Discard(c.br.Buffered())
		}
		_, _ = io.Copy(io.Discard, c.nc)
	}()
	var spare []byte
	for {
		select {
		case <-gone:
			return
		case <-w.wake:
		}
		// take hands over the queue's buffer and keeps spare: b is ours
		// alone until it becomes the spare of the next take.
		b := w.take(spare)
		if len(b) == 0 {
			spare = b
			continue
		}
		if _, err := c.cw.Write(b); err != nil {
			_ = c.nc.Close()
			<-gone
			return
		}
		spare = b
		if cap(spare) > watcherBufferSize*2 {
			spare = nil
		}
	}
}

// uriEncode appends key with every byte other than letters, digits and
// "-._~" written as %XX, as memcached writes keys in log lines.
func uriEncode(b, key []byte) []byte {
	const hex = "0123456789ABCDEF"
	for _, ch := range key {
		if 'a' <= ch && ch <= 'z' || 'A' <= ch && ch <= 'Z' || '0' <= ch && ch <= '9' ||
			ch == '-' || ch == '.' || ch == '_' || ch == '~' {
			b = append(b, ch)
			continue
		}
		b = append(b, '%', hex[ch>>4], hex[ch&15])
	}
	return b
}

// logGet logs a fetch of key (watch fetchers).
func (s *Server) logGet(c *conn, key []byte, found bool, size int) {
	if !s.watch.on(watchFetchers) {
		return
	}
	s.watch.emit(watchFetchers, func(b []byte) []byte {
		b = append(b, "type=item_get key="...)
		b = uriEncode(b, key)
		if found {
			b = append(b, " status=found clsid=1 cfd="...)
		} else {
			b = append(b, " status=not_found clsid=0 cfd="...)
			size = 0
		}
		b = strconv.AppendUint(b, c.id, 10)
		b = append(b, " size="...)
		return strconv.AppendInt(b, int64(size), 10)
	})
}

// peeker is what a Store may offer for watch fetchers: whether a key is
// cached and its value's length, without counting a read.
type peeker interface {
	Peek(key []byte) (valueLen int, ok bool)
}

// logStoreLookup logs, before a store, the look-up of the key's current
// item that memcached's stores make and its fetchers log shows.
func (s *Server) logStoreLookup(c *conn, key []byte) {
	if !s.watch.on(watchFetchers) {
		return
	}
	p, ok := s.Store.(peeker)
	if !ok {
		return
	}
	n, found := p.Peek(key)
	s.logGet(c, key, found, n)
}

// logStore logs a storage command's outcome (watch mutations).
func (s *Server) logStore(c *conn, mode Mode, key []byte, status Status, exptime int64, size int) {
	if !s.watch.on(watchMutations) {
		return
	}
	if (mode == ModeAppend || mode == ModePrepend) && status == StatusStored {
		// memcached logs the size of the joined value.
		if p, ok := s.Store.(peeker); ok {
			if n, found := p.Peek(key); found {
				size = n
			}
		}
	}
	s.watch.emit(watchMutations, func(b []byte) []byte {
		b = append(b, "type=item_store key="...)
		b = uriEncode(b, key)
		b = append(b, " status="...)
		switch status {
		case StatusStored:
			b = append(b, "stored"...)
		case StatusExists:
			b = append(b, "exists"...)
		case StatusNotFound:
			b = append(b, "not_found"...)
		case StatusTooLarge:
			b = append(b, "too_large"...)
		case StatusNoMemory:
			b = append(b, "no_memory"...)
		default:
			b = append(b, "not_stored"...)
		}
		b = append(b, " cmd="...)
		b = append(b, [...]string{ModeSet: "set", ModeAdd: "add", ModeReplace: "replace",
			ModeAppend: "append", ModePrepend: "prepend", ModeCAS: "cas"}[mode]...)
		b = append(b, " ttl="...)
		b = strconv.AppendInt(b, storeTTL(exptime, time.Now().Unix()), 10)
		b = append(b, " clsid=1 cfd="...)
		b = strconv.AppendUint(b, c.id, 10)
		b = append(b, " size="...)
		return strconv.AppendInt(b, int64(size), 10)
	})
}

// storeTTL is the remaining time to live, in seconds, of an item stored
// with a client's exptime (memcached's rule): 0 for none.
func storeTTL(exptime, now int64) int64 {
	const relativeMax = 60 * 60 * 24 * 30
	switch {
	case exptime <= 0:
		return 0
	case exptime <= relativeMax:
		return exptime
	default:
		return max(exptime-now, 0)
	}
}

// LogEviction logs an item the store evicted (watch evictions): its key,
// whether it had been fetched, its remaining time to live in seconds (-1
// for none), seconds since its last access, and its value's size. The
// store calls it as items leave; it costs an atomic load when no client
// watches evictions.
func (s *Server) LogEviction(key []byte, fetched bool, ttl, idle int64, size int) {
	if !s.watch.on(watchEvictions) {
		return
	}
	s.watch.emit(watchEvictions, func(b []byte) []byte {
		b = append(b, "type=eviction key="...)
		b = uriEncode(b, key)
		if fetched {
			b = append(b, " fetch=yes ttl="...)
		} else {
			b = append(b, " fetch=no ttl="...)
		}
		b = strconv.AppendInt(b, ttl, 10)
		b = append(b, " la="...)
		b = strconv.AppendInt(b, idle, 10)
		b = append(b, " clsid=1 size="...)
		return strconv.AppendInt(b, int64(size), 10)
	})
}

// Reasons a connection closed, for watch connevents.
const (
	closeError       = "error"
	closeNormal      = "normal"
	closeIdleTimeout = "idle_timeout"
	closeShutdown    = "shutdown"
)

// logConn logs a connection opened (reason "") or closed (watch
// connevents).
func (s *Server) logConn(c *conn, reason string) {
	if !s.watch.on(watchConnEvents) {
		return
	}
	s.watch.emit(watchConnEvents, func(b []byte) []byte {
		if reason == "" {
			b = append(b, "type=conn_new"...)
		} else {
			b = append(b, "type=conn_close"...)
		}
		ip, port, transport := "", 0, "local"
		switch a := c.nc.RemoteAddr().(type) {
		case *net.TCPAddr:
			ip, port, transport = a.IP.String(), a.Port, "tcp"
		case *net.UDPAddr:
			ip, port, transport = a.IP.String(), a.Port, "udp"
		}
		b = append(b, " rip="...)
		b = append(b, ip...)
		b = append(b, " rport="...)
		b = strconv.AppendInt(b, int64(port), 10)
		b = append(b, " transport="...)
		b = append(b, transport...)
		if reason != "" {
			b = append(b, " reason="...)
			b = append(b, reason...)
		}
		b = append(b, " cfd="...)
		return strconv.AppendUint(b, c.id, 10)
	})
}
