package server

import (
	"bufio"
	"cmp"
	"errors"
	"os"
	"strconv"
	"time"

	"github.com/ratmemcache/ratmemcache/memproto"
)

// textHandler serves the text and meta protocols on one connection.
type textHandler struct {
	c   *conn
	r   *memproto.Reader
	req memproto.Request
	val valBuf   // value scratch: one value at a time is copied out of the store
	out []byte   // reply-line scratch
	mop MetaOp   // meta request scratch
	num [24]byte // ma number scratch
}

func newTextHandler(c *conn) *textHandler {
	h := &textHandler{
		c:   c,
		r:   memproto.NewReader(c.br, memproto.Limits{MaxItemSize: c.srv.maxItemSize(), MaxLineLength: maxLineLength}),
		out: make([]byte, 0, 256),
	}
	h.r.SetBufferPool(&largeBufs)
	c.text.Store(h.r)
	return h
}

func (s *Server) maxItemSize() int {
	if s.MaxItemSize > 0 {
		return s.MaxItemSize
	}
	return 1 << 20
}

// maxLineLength bounds a command line. memcached refuses a line without
// its newline once 2048 bytes are buffered, but a line that arrives whole
// in its 16 KiB read buffer is processed: clients that write each
// request at once see lines up to about 16 KiB accepted.
const maxLineLength = 16 << 10

// errClose ends a connection after a protocol error that memcached
// answers by closing it.
var errClose = errors.New("protocol error: closing connection")

func (h *textHandler) handle() error {
	if h.c.srv.TextAuth != nil && !h.c.authed {
		return h.authenticateText()
	}
	req := &h.req
	if err := h.r.ReadRequest(req); err != nil {
		var pe *memproto.Error
		if !errors.As(err, &pe) {
			return err
		}
		if !req.NoReply {
			h.out = pe.AppendReply(h.out[:0])
			if _, err := h.c.bw.Write(h.out); err != nil {
				return err
			}
		}
		if pe.Close {
			return errClose
		}
		if errors.Is(err, memproto.ErrTooLarge) {
			h.c.srv.st.storeTooLarge.Add(1)
			if req.Command.IsStorage() {
				h.c.srv.logStore(h.c, storeMode(req.Command), req.Key, StatusTooLarge, 0, 0)
			}
		}
		if errors.Is(err, memproto.ErrTooLarge) && len(req.Key) > 0 &&
			(req.Command == memproto.CmdSet || req.Command == memproto.CmdMetaSet) {
			// As memcached: a failed set (any ms) does not leave the old
			// value behind.
			h.c.srv.store.Delete(req.Key, 0)
		}
		return nil
	}
	if req.Command.IsMeta() {
		return h.meta()
	}
	st := h.c.srv.store
	switch req.Command {
	case memproto.CmdGet, memproto.CmdGets, memproto.CmdGat, memproto.CmdGats:
		return h.retrieve()
	case memproto.CmdSet, memproto.CmdAdd, memproto.CmdReplace, memproto.CmdAppend, memproto.CmdPrepend, memproto.CmdCas:
		h.c.srv.prefix.record(req.Key, prefixSet)
		h.c.srv.logStoreLookup(h.c, req.Key)
		_, status := st.Store(storeMode(req.Command), req.Key, req.Value, req.Flags, req.Exptime, req.CAS)
		h.c.srv.countStoreFailure(status)
		h.c.srv.logStore(h.c, storeMode(req.Command), req.Key, status, req.Exptime, len(req.Value))
		return h.reply(storeReply(status))
	case memproto.CmdDelete:
		h.c.srv.prefix.record(req.Key, prefixDelete)
		switch st.Delete(req.Key, 0) {
		case StatusOK:
			return h.reply(memproto.ReplyDeleted)
		default:
			return h.reply(memproto.ReplyNotFound)
		}
	case memproto.CmdIncr, memproto.CmdDecr:
		n, _, status := st.Arith(req.Key, req.Delta, req.Command == memproto.CmdIncr)
		switch status {
		case StatusOK:
			if req.NoReply {
				return nil
			}
			h.out = memproto.AppendNumber(h.out[:0], n)
			return h.write(h.out)
		case StatusNonNumeric:
			return h.reply(memproto.ReplyNonNumeric)
		default:
			return h.reply(memproto.ReplyNotFound)
		}
	case memproto.CmdTouch:
		if st.Touch(req.Key, req.Exptime) == StatusOK {
			return h.reply(memproto.ReplyTouched)
		}
		return h.reply(memproto.ReplyNotFound)
	case memproto.CmdFlushAll:
		if h.c.srv.DisableFlushAll {
			h.c.srv.audit("flush_all refused (disabled)", h.c)
			return h.reply("CLIENT_ERROR flush_all not allowed\r\n")
		}
		h.c.srv.audit("flush_all", h.c, "delay", req.Exptime)
		st.FlushAll(req.Exptime)
		return h.reply(memproto.ReplyOK)
	case memproto.CmdVersion:
		h.out = memproto.AppendVersionReply(h.out[:0], h.c.srv.version())
		return h.write(h.out)
	case memproto.CmdVerbosity:
		h.c.srv.audit("verbosity", h.c, "level", req.Number)
		return h.reply(memproto.ReplyOK)
	case memproto.CmdQuit:
		return errQuit
	case memproto.CmdStats:
		return h.stats()
	case memproto.CmdShutdown:
		return h.shutdown()
	case memproto.CmdCacheMemlimit:
		h.c.srv.audit("cache_memlimit", h.c, "megabytes", req.Number)
		// memcached's replies, limits in megabytes.
		switch mb := req.Number; {
		case mb < 8:
			return h.reply("MEMLIMIT_TOO_SMALL cannot set maxbytes to less than 8m\r\n")
		case mb > 1000000000:
			return h.reply("MEMLIMIT_ADJUST_FAILED input value is megabytes not bytes\r\n")
		case st.SetMemoryLimit(int64(mb)<<20) != nil:
			return h.reply("MEMLIMIT_ADJUST_FAILED out of bounds or unable to adjust\r\n")
		}
		if f := h.c.srv.OnMemoryLimit; f != nil {
			f(int64(req.Number) << 20)
		}
		return h.reply(memproto.ReplyOK)
	case memproto.CmdLruCrawler:
		return h.lruCrawler()
	case memproto.CmdSlabs:
		return h.slabs()
	case memproto.CmdStreamingGet:
		return h.streamingGet()
	case memproto.CmdWatch:
		return h.watch()
	}
	return h.write([]byte(memproto.ReplyError))
}

// watch answers "watch [kinds]": OK, then the connection streams log
// lines (see watch.go) and serves nothing else.
func (h *textHandler) watch() error {
	if h.c.srv.DisableWatch {
		return h.write([]byte("CLIENT_ERROR watch commands not allowed\r\n"))
	}
	kinds, ok := parseWatch(h.req.Args)
	if !ok {
		return h.write([]byte(memproto.ReplyError))
	}
	// Registered before OK is sent: whatever happens after the client
	// reads OK is logged to it.
	h.c.watcher = &watcher{kinds: kinds, wake: make(chan struct{}, 1)}
	h.c.srv.watch.add(h.c.watcher)
	err := h.write([]byte("OK\r\n"))
	if err == nil {
		err = h.c.bw.Flush()
	}
	if err != nil {
		h.c.srv.watch.remove(h.c.watcher)
		return err
	}
	return errWatching
}

func (h *textHandler) last() (string, []byte) { return h.req.Command.String(), h.req.Key }

// reply writes a fixed reply unless the request asked for noreply.
func (h *textHandler) reply(s string) error {
	if h.req.NoReply {
		return nil
	}
	_, err := h.c.bw.WriteString(s)
	return err
}

func (h *textHandler) write(b []byte) error {
	_, err := h.c.bw.Write(b)
	return err
}

func storeMode(c memproto.Command) Mode {
	switch c {
	case memproto.CmdAdd:
		return ModeAdd
	case memproto.CmdReplace:
		return ModeReplace
	case memproto.CmdAppend:
		return ModeAppend
	case memproto.CmdPrepend:
		return ModePrepend
	case memproto.CmdCas:
		return ModeCAS
	}
	return ModeSet
}

func storeReply(s Status) string {
	switch s {
	case StatusStored:
		return memproto.ReplyStored
	case StatusExists:
		return memproto.ReplyExists
	case StatusNotFound:
		return memproto.ReplyNotFound
	case StatusTooLarge:
		return "SERVER_ERROR object too large for cache\r\n"
	case StatusNoMemory:
		return "SERVER_ERROR out of memory storing object\r\n"
	}
	return memproto.ReplyNotStored
}

// retrieve answers get, gets, gat and gats. Each value is copied out of
// the store into h.val and written straight to the connection's buffered
// writer (a large value bypasses the buffer).
func (h *textHandler) retrieve() error {
	req := &h.req
	st := h.c.srv.store
	touch := req.Command == memproto.CmdGat || req.Command == memproto.CmdGats
	withCAS := req.Command == memproto.CmdGets || req.Command == memproto.CmdGats
	bw := h.c.bw
	for _, key := range req.Keys {
		var (
			v      []byte
			info   ItemInfo
			status Status
		)
		if touch {
			v, info, status = st.GetAndTouch(h.val.get(), key, req.Exptime)
		} else {
			v, info, status = h.val.fetch(h.c.srv, key)
		}
		h.c.srv.prefix.recordGet(key, status == StatusOK)
		h.c.srv.logGet(h.c, key, status == StatusOK, len(v))
		if status != StatusOK {
			continue
		}
		if touch {
			h.val.keep(v)
		}
		h.out = memproto.AppendValueHeader(h.out[:0], key, info.Flags, len(v), info.CAS, withCAS)
		if _, err := bw.Write(h.out); err != nil {
			return err
		}
		if _, err := bw.Write(v); err != nil {
			return err
		}
		if _, err := bw.WriteString("\r\n"); err != nil {
			return err
		}
	}
	_, err := bw.WriteString(memproto.ReplyEnd)
	return err
}

func (h *textHandler) streamingGet() error {
	req := &h.req
	v, info, status := h.c.srv.store.Get(h.val.get(), req.Key)
	if status != StatusOK {
		return h.write([]byte(memproto.ReplyEnd))
	}
	h.val.keep(v)
	chunk := int(req.Number)
	bw := h.c.bw
	h.out = memproto.AppendStreamHeader(h.out[:0], req.Key, info.Flags, len(v), memproto.StreamChunkCount(len(v), chunk), info.CAS)
	if _, err := bw.Write(h.out); err != nil {
		return err
	}
	for i := 0; len(v) > 0; i++ {
		n := min(chunk, len(v))
		h.out = memproto.AppendChunkHeader(h.out[:0], i, n)
		if _, err := bw.Write(h.out); err != nil {
			return err
		}
		if _, err := bw.Write(v[:n]); err != nil {
			return err
		}
		if _, err := bw.WriteString("\r\n"); err != nil {
			return err
		}
		v = v[n:]
	}
	_, err := bw.WriteString(memproto.ReplyEnd)
	return err
}

func (h *textHandler) shutdown() error {
	s := h.c.srv
	if !s.EnableShutdown {
		return h.write([]byte(memproto.ReplyShutdownDisabled))
	}
	if len(h.req.Args) == 1 && string(h.req.Args[0]) != "graceful" {
		return h.write([]byte(memproto.ReplyBadShutdownMode))
	}
	if err := h.write([]byte(memproto.ReplyOK)); err != nil {
		return err
	}
	_ = h.c.bw.Flush()
	s.audit("shutdown", h.c)
	if s.OnShutdown != nil {
		go s.OnShutdown()
	}
	return errQuit
}

// lruCrawler answers "lru_crawler metadump all|hash|<class ids>" with a key
// listing; the crawler's other subcommands are acknowledged as memcached
// does when the crawler is running.
func (h *textHandler) lruCrawler() error {
	args := h.req.Args
	if len(args) == 0 {
		return h.write([]byte(memproto.ReplyError))
	}
	switch string(args[0]) {
	case "metadump", "mgdump":
		if h.c.srv.DisableDumping {
			return h.write([]byte("ERROR metadump not allowed\r\n"))
		}
		mg := string(args[0]) == "mgdump"
		bw := h.c.bw
		var werr error
		h.c.srv.store.Range(func(key []byte, info ItemInfo) bool {
			if mg {
				h.out = append(append(append(h.out[:0], "mg "...), key...), "\r\n"...)
			} else {
				exp := info.Exptime
				if exp == 0 {
					exp = -1
				}
				h.out = memproto.AppendMetadumpItem(h.out[:0], key, exp, info.LastAccess, info.CAS, info.Fetched, 1, info.Size)
			}
			_, werr = bw.Write(h.out)
			return werr == nil
		})
		if werr != nil {
			return werr
		}
		if mg {
			return h.write([]byte("EN\r\n"))
		}
		return h.write([]byte(memproto.ReplyEnd))
	case "crawl", "enable", "disable", "sleep", "tocrawl":
		return h.reply(memproto.ReplyOK)
	}
	return h.write([]byte(memproto.ReplyError))
}

// stats answers "stats" and its subcommands.
func (h *textHandler) stats() error {
	s := h.c.srv
	args := h.req.Args
	sub := ""
	if len(args) > 0 {
		sub = string(args[0])
	}
	b := h.out[:0]
	switch sub {
	case "":
		b = s.appendGeneralStats(b)
	case "settings":
		b = s.appendSettingsStats(b)
	case "reset":
		s.resetStats()
		h.out = b
		return h.write([]byte("RESET\r\n"))
	case "cachedump":
		h.out = b
		return h.cachedump(args)
	case "items", "slabs", "sizes", "conns", "extstore":
		b = s.appendSubStats(b, sub)
	case "detail":
		if len(args) < 2 {
			h.out = b
			return h.write([]byte("CLIENT_ERROR usage: stats detail on|off|dump\r\n"))
		}
		switch string(args[1]) {
		case "on", "off":
			s.prefix.on.Store(string(args[1]) == "on")
			h.out = b
			return h.write([]byte(memproto.ReplyOK))
		case "dump":
			h.out = s.prefix.appendDump(b)
			return h.write(h.out)
		}
		h.out = b
		return h.write([]byte("CLIENT_ERROR usage: stats detail on|off|dump\r\n"))
	default:
		// memcached answers an unknown stats group with a generic error.
		h.out = b
		return h.write([]byte(memproto.ReplyError))
	}
	b = append(b, memproto.ReplyEnd...)
	h.out = b
	return h.write(b)
}

func (s *Server) appendGeneralStats(b []byte) []byte {
	now := time.Now()
	st := s.store.Stats()
	up := int64(0)
	if !s.started.IsZero() {
		up = int64(now.Sub(s.started) / time.Second)
	}
	user, sys := rusage()
	b = memproto.AppendStatUint(b, "pid", uint64(os.Getpid()))
	b = memproto.AppendStatUint(b, "uptime", uint64(up))
	b = memproto.AppendStatUint(b, "time", uint64(now.Unix()))
	b = memproto.AppendStat(b, "version", s.version())
	b = memproto.AppendStat(b, "libevent", "none")
	b = memproto.AppendStatUint(b, "pointer_size", 64)
	b = memproto.AppendStat(b, "rusage_user", formatRusage(user))
	b = memproto.AppendStat(b, "rusage_system", formatRusage(sys))
	b = memproto.AppendStatUint(b, "max_connections", uint64(s.maxConns()))
	b = memproto.AppendStatUint(b, "curr_connections", uint64(max(s.st.currConns.Load(), 0)))
	b = memproto.AppendStatUint(b, "total_connections", s.st.totalConns.Load())
	b = memproto.AppendStatUint(b, "rejected_connections", s.st.rejectedConns.Load())
	b = memproto.AppendStatUint(b, "connection_structures", uint64(max(s.st.currConns.Load(), 0)))
	b = memproto.AppendStatUint(b, "cmd_get", st.CmdGet)
	b = memproto.AppendStatUint(b, "cmd_set", st.CmdSet)
	b = memproto.AppendStatUint(b, "cmd_flush", st.CmdFlush)
	b = memproto.AppendStatUint(b, "cmd_touch", st.CmdTouch)
	b = memproto.AppendStatUint(b, "cmd_meta", s.st.metaCmds.Load())
	b = memproto.AppendStatUint(b, "get_hits", st.GetHits)
	b = memproto.AppendStatUint(b, "get_misses", st.GetMisses)
	b = memproto.AppendStatUint(b, "get_expired", st.GetExpired)
	b = memproto.AppendStatUint(b, "get_flushed", st.GetFlushed)
	b = memproto.AppendStatUint(b, "delete_misses", st.DeleteMisses)
	b = memproto.AppendStatUint(b, "delete_hits", st.DeleteHits)
	b = memproto.AppendStatUint(b, "incr_misses", st.IncrMisses)
	b = memproto.AppendStatUint(b, "incr_hits", st.IncrHits)
	b = memproto.AppendStatUint(b, "decr_misses", st.DecrMisses)
	b = memproto.AppendStatUint(b, "decr_hits", st.DecrHits)
	b = memproto.AppendStatUint(b, "cas_misses", st.CasMisses)
	b = memproto.AppendStatUint(b, "cas_hits", st.CasHits)
	b = memproto.AppendStatUint(b, "cas_badval", st.CasBadval)
	b = memproto.AppendStatUint(b, "touch_hits", st.TouchHits)
	b = memproto.AppendStatUint(b, "touch_misses", st.TouchMisses)
	b = memproto.AppendStatUint(b, "store_too_large", s.st.storeTooLarge.Load())
	b = memproto.AppendStatUint(b, "store_no_memory", s.st.storeNoMemory.Load())
	b = memproto.AppendStatUint(b, "auth_cmds", s.st.authCmds.Load())
	b = memproto.AppendStatUint(b, "auth_errors", s.st.authErrors.Load())
	if s.IdleTimeout > 0 {
		b = memproto.AppendStatUint(b, "idle_kicks", s.st.idleKicks.Load())
	}
	b = memproto.AppendStatUint(b, "bytes_read", s.st.bytesRead.Load())
	b = memproto.AppendStatUint(b, "bytes_written", s.st.bytesWritten.Load())
	b = memproto.AppendStatUint(b, "limit_maxbytes", st.LimitMaxbytes)
	b = memproto.AppendStatUint(b, "accepting_conns", boolStat(!s.closed.Load()))
	b = memproto.AppendStatUint(b, "threads", uint64(runtimeThreads()))
	b = memproto.AppendStatUint(b, "conn_yields", s.st.connYields.Load())
	// The listener is never paused (a connection over the limit is told
	// so and closed, as memcached's maxconns_fast) and items are never
	// pinned by a reference count: these memcached counters stay 0.
	b = memproto.AppendStatUint(b, "listen_disabled_num", 0)
	b = memproto.AppendStatUint(b, "time_in_listen_disabled_us", 0)
	b = memproto.AppendStatUint(b, "lrutail_reflocked", 0)
	b = memproto.AppendStatUint(b, "bytes", st.Bytes)
	b = memproto.AppendStatUint(b, "curr_items", st.CurrItems)
	b = memproto.AppendStatUint(b, "total_items", st.TotalItems)
	b = memproto.AppendStatUint(b, "expired_unfetched", st.ExpiredUnfetched)
	b = memproto.AppendStatUint(b, "evicted_unfetched", st.EvictedUnfetched)
	b = memproto.AppendStatUint(b, "evictions", st.Evictions)
	b = memproto.AppendStatUint(b, "reclaimed", st.Reclaimed)
	w := s.watch.stats()
	b = memproto.AppendStatUint(b, "log_worker_dropped", 0)
	b = memproto.AppendStatUint(b, "log_worker_written", w.written)
	b = memproto.AppendStatUint(b, "log_watcher_skipped", w.skipped)
	b = memproto.AppendStatUint(b, "log_watcher_sent", w.sent)
	b = memproto.AppendStatUint(b, "log_watchers", w.watchers)
	if s.ProductVersion != "" {
		b = memproto.AppendStat(b, "ratmemcache_version", s.ProductVersion)
	}
	if p := s.parking.Load(); p != nil {
		// Idle connections without goroutines now (see parker).
		b = memproto.AppendStatUint(b, "ratmemcache_parked_connections", uint64(p.parked()))
	}
	for _, x := range st.Extra {
		b = memproto.AppendStatUint(b, x.Name, x.Value)
	}
	return b
}

func (s *Server) appendSettingsStats(b []byte) []byte {
	st := s.store.Stats()
	b = memproto.AppendStatUint(b, "maxbytes", st.LimitMaxbytes)
	b = memproto.AppendStatUint(b, "maxconns", uint64(s.maxConns()))
	b = memproto.AppendStatUint(b, "tcpport", uint64(max(s.TCPPort, 0)))
	b = memproto.AppendStatUint(b, "udpport", uint64(max(s.UDPPort, 0)))
	b = memproto.AppendStat(b, "evictions", onOff(!s.EvictionsDisabled))
	b = memproto.AppendStatUint(b, "item_size_max", uint64(s.maxItemSize()))
	b = memproto.AppendStat(b, "cas_enabled", yesNo(!s.DisableCAS))
	b = memproto.AppendStatUint(b, "tcp_backlog", uint64(cmp.Or(s.ListenBacklog, 1024)))
	b = memproto.AppendStatUint(b, "idle_timeout", uint64(s.IdleTimeout/time.Second))
	b = memproto.AppendStat(b, "binding_protocol", s.bindingProtocol())
	b = memproto.AppendStatUint(b, "num_threads", uint64(runtimeThreads()))
	b = memproto.AppendStat(b, "stat_key_prefix", string(s.prefix.delim))
	b = memproto.AppendStat(b, "detail_enabled", yesNo(s.prefix.on.Load()))
	b = memproto.AppendStat(b, "flush_enabled", yesNo(!s.DisableFlushAll))
	b = memproto.AppendStat(b, "dump_enabled", yesNo(!s.DisableDumping))
	b = memproto.AppendStat(b, "shutdown_command", yesNo(s.EnableShutdown))
	b = memproto.AppendStat(b, "auth_enabled_sasl", yesNo(s.SASL != nil))
	return b
}

// appendSubStats answers the per-slab-class groups with one class that
// holds everything: the engine has no slab classes of memcached's kind.
func (s *Server) appendSubStats(b []byte, sub string) []byte {
	st := s.store.Stats()
	switch sub {
	case "items":
		if st.CurrItems == 0 {
			return b
		}
		b = memproto.AppendStatUint(b, "items:1:number", st.CurrItems)
		b = memproto.AppendStatUint(b, "items:1:mem_requested", st.Bytes)
		b = memproto.AppendStatUint(b, "items:1:evicted", st.Evictions)
		b = memproto.AppendStatUint(b, "items:1:outofmemory", 0)
		b = memproto.AppendStatUint(b, "items:1:reclaimed", st.Reclaimed)
		b = memproto.AppendStatUint(b, "items:1:expired_unfetched", st.ExpiredUnfetched)
		b = memproto.AppendStatUint(b, "items:1:evicted_unfetched", st.EvictedUnfetched)
	case "slabs":
		if st.CurrItems > 0 {
			b = memproto.AppendStatUint(b, "1:used_chunks", st.CurrItems)
			b = memproto.AppendStatUint(b, "1:mem_requested", st.Bytes)
		}
		b = memproto.AppendStatUint(b, "active_slabs", boolStat(st.CurrItems > 0))
		b = memproto.AppendStatUint(b, "total_malloced", st.Bytes)
	case "conns":
		b = s.appendConnStats(b)
	case "sizes":
		// memcached 1.6 has the sizes histogram off unless started with
		// -o track_sizes; so do we, always.
		b = memproto.AppendStat(b, "sizes_status", "disabled")
	}
	return b
}

// appendConnStats lists listeners and connections as memcached's
// "stats conns" does: "<id>:addr", "<id>:listen_addr", "<id>:state",
// "<id>:secs_since_last_cmd". Ids are the server's own numbers for
// listeners, UDP sockets and connections, one sequence for all (memcached
// uses file descriptors); a connection's is the cfd of its watch log
// lines.
func (s *Server) appendConnStats(b []byte) []byte {
	now := time.Now().Unix()
	s.mu.Lock()
	defer s.mu.Unlock()
	prefix := func(id uint64, name string) string {
		return strconv.FormatUint(id, 10) + ":" + name
	}
	for l, id := range s.listeners {
		a := (*l).Addr()
		b = memproto.AppendStat(b, prefix(id, "addr"), a.Network()+":"+a.String())
		b = memproto.AppendStat(b, prefix(id, "state"), "conn_listening")
	}
	// A UDP socket is listed as memcached lists each of its UDP
	// connections: always reading.
	for pc, u := range s.packetConns {
		a := pc.LocalAddr()
		b = memproto.AppendStat(b, prefix(u.id, "UDP"), "UDP")
		b = memproto.AppendStat(b, prefix(u.id, "addr"), a.Network()+":"+a.String())
		b = memproto.AppendStat(b, prefix(u.id, "state"), "conn_read")
		b = memproto.AppendStatUint(b, prefix(u.id, "secs_since_last_cmd"), uint64(max(now-u.last.Load(), 0)))
	}
	for c := range s.conns {
		id := c.id
		ra, la := c.nc.RemoteAddr(), c.nc.LocalAddr()
		b = memproto.AppendStat(b, prefix(id, "addr"), ra.Network()+":"+ra.String())
		b = memproto.AppendStat(b, prefix(id, "listen_addr"), la.Network()+":"+la.String())
		b = memproto.AppendStat(b, prefix(id, "state"), c.stateName())
		b = memproto.AppendStatUint(b, prefix(id, "secs_since_last_cmd"), uint64(max(now-c.last.Load(), 0)))
	}
	return b
}

func boolStat(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// cachedump answers "stats cachedump <class> <limit>" with memcached's
// argument checks and line format, "ITEM <key> [<bytes> b; <exptime> s]",
// at most limit items (0: as many as fit in 2 MB, memcached's cap). The
// engine has one size class, 1, which holds every item; memcached lists
// only the items in the cold segment of the class's LRU (all of them when
// started with -o no_lru_maintainer), in LRU order, where the order here
// is the engine's.
func (h *textHandler) cachedump(args [][]byte) error {
	if h.c.srv.DisableDumping {
		return h.write([]byte("CLIENT_ERROR stats cachedump not allowed\r\n"))
	}
	if len(args) < 3 {
		return h.write([]byte("CLIENT_ERROR bad command line\r\n"))
	}
	id, err1 := strconv.ParseUint(string(args[1]), 10, 32)
	limit, err2 := strconv.ParseUint(string(args[2]), 10, 32)
	if err1 != nil || err2 != nil {
		return h.write([]byte("CLIENT_ERROR bad command line format\r\n"))
	}
	if id >= 64 { // memcached's MAX_NUMBER_OF_SLAB_CLASSES
		return h.write([]byte("CLIENT_ERROR Illegal slab id\r\n"))
	}
	const memLimit = 2 << 20
	b := h.out[:0]
	if id == 1 {
		shown := uint64(0)
		h.c.srv.store.Range(func(key []byte, info ItemInfo) bool {
			if limit != 0 && shown >= limit {
				return false
			}
			n := len(b)
			b = append(b, "ITEM "...)
			b = append(b, key...)
			b = append(b, " ["...)
			b = strconv.AppendInt(b, int64(info.ValueLen), 10)
			b = append(b, " b; "...)
			b = strconv.AppendInt(b, max(info.Exptime, 0), 10)
			b = append(b, " s]\r\n"...)
			if len(b)+6 > memLimit {
				b = b[:n]
				return false
			}
			shown++
			return true
		})
	}
	b = append(b, memproto.ReplyEnd...)
	if cap(b) <= 64<<10 {
		h.out = b
	}
	return h.write(b)
}

// slabs answers "slabs automove" and "slabs reassign" as memcached does,
// with its argument checks. The engine has one size class and no pages
// to move, so automove settings are accepted and have no effect, and a
// valid reassign finds no spare page.
func (h *textHandler) slabs() error {
	args := h.req.Args
	switch {
	case len(args) == 3 && string(args[0]) == "reassign":
		src, err1 := strconv.ParseInt(string(args[1]), 10, 32)
		dst, err2 := strconv.ParseInt(string(args[2]), 10, 32)
		switch {
		case err1 != nil || err2 != nil:
			return h.write([]byte("CLIENT_ERROR bad command line format\r\n"))
		case src == dst:
			return h.write([]byte("SAME src and dst class are identical\r\n"))
		case src < 0 || src > maxSlabClass || dst < 0 || dst > maxSlabClass:
			// src -1 asks memcached to pick a class with a spare page:
			// with none, it answers BADCLASS too.
			return h.write([]byte("BADCLASS invalid src or dst class id\r\n"))
		}
		return h.write([]byte("NOSPARE source class has no spare pages\r\n"))
	case len(args) >= 2 && string(args[0]) == "automove":
		if string(args[1]) == "ratio" {
			if len(args) < 3 {
				return h.reply(memproto.ReplyError)
			}
			if _, err := strconv.ParseFloat(string(args[2]), 64); err != nil {
				return h.reply(memproto.ReplyError)
			}
			return h.reply(memproto.ReplyOK)
		}
		level, err := strconv.ParseUint(string(args[1]), 10, 32)
		if err != nil {
			return h.reply("CLIENT_ERROR bad command line format\r\n")
		}
		if level > 2 {
			return h.reply(memproto.ReplyError)
		}
		return h.reply(memproto.ReplyOK)
	}
	return h.write([]byte(memproto.ReplyError))
}

// maxSlabClass is the largest slab class id memcached 1.6 creates with its
// defaults (-f 1.25, -n 48, 1 MiB items).
const maxSlabClass = 39

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// formatRusage prints seconds as memcached does: "%ld.%06ld".
func formatRusage(d time.Duration) string {
	us := d.Microseconds()
	b := strconv.AppendInt(nil, us/1e6, 10)
	b = append(b, '.')
	frac := strconv.AppendInt(nil, us%1e6, 10)
	for i := len(frac); i < 6; i++ {
		b = append(b, '0')
	}
	return string(append(b, frac...))
}

func (h *textHandler) setSource(br *bufio.Reader) { h.r.SetSource(br) }

func (h *textHandler) atBoundary() bool { return h.r.AtBoundary() }

// release drops scratch buffers larger than keep bytes: those a large
// value grew, so that an idle connection does not keep them, or all of
// them when the connection parks.
func (h *textHandler) release(keep int) {
	h.r.ShrinkBuffers(keep)
	h.val.release(keep)
	if cap(h.out) > keep {
		largeBufs.Put(h.out)
		h.out = nil
	}
}
