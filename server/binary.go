package server

import (
	"bufio"
	"encoding/binary"
	"errors"
	"strconv"
	"strings"

	"github.com/ratmemcache/ratmemcache/memproto"
)

// binaryMagicRequest is the first byte of every binary-protocol request;
// a connection whose first byte it is speaks the binary protocol.
const binaryMagicRequest = memproto.BinaryMagicRequest

// binaryHandler serves the binary protocol on one connection, following
// memcached 1.6's proto_bin.c: quiet variants suppress success replies
// (and misses of GetQ/GetKQ/GATQ/GATKQ) but never errors, and replies
// carry the opcode as the client sent it.
type binaryHandler struct {
	c   *conn
	r   *memproto.BinaryReader
	req memproto.BinaryRequest
	val valBuf
	out []byte
	num [20]byte
}

func newBinaryHandler(c *conn) *binaryHandler {
	h := &binaryHandler{
		c:   c,
		r:   memproto.NewBinaryReader(c.br, memproto.Limits{MaxItemSize: c.srv.maxItemSize()}),
		out: make([]byte, 0, 256),
	}
	h.r.SetBufferPool(&largeBufs)
	return h
}

func (h *binaryHandler) handle() error {
	req := &h.req
	if err := h.r.ReadRequest(req); err != nil {
		var be *memproto.BinaryError
		if !errors.As(err, &be) {
			return err
		}
		if errors.Is(err, memproto.ErrBinaryTooLarge) && req.Header.Opcode.Loud() == memproto.BinaryOpSet && len(req.Key) > 0 {
			// As memcached: a failed Set or SetQ does not leave the old
			// value behind.
			h.c.srv.store.Delete(req.Key, 0)
		}
		h.out = be.AppendReply(h.out[:0], req.Header.Opcode, req.Header.Opaque)
		if err := h.write(h.out); err != nil {
			return err
		}
		if be.Close {
			return errClose
		}
		return nil
	}
	op := req.Header.Opcode
	loud := op.Loud()
	quiet := op != loud
	st := h.c.srv.store
	if h.c.srv.SASL != nil {
		switch op {
		case memproto.BinaryOpSASLListMechs, memproto.BinaryOpSASLAuth, memproto.BinaryOpSASLStep:
			return h.saslAuth(op)
		case memproto.BinaryOpVersion:
		default:
			if !h.c.authed {
				// memcached answers "Auth failure." and closes.
				if err := h.fail(memproto.BinaryStatusAuthError); err != nil {
					return err
				}
				return errClose
			}
		}
	}
	switch loud {
	case memproto.BinaryOpGet, memproto.BinaryOpGetK, memproto.BinaryOpGAT, memproto.BinaryOpGATK, memproto.BinaryOpTouch:
		return h.get(loud, quiet)
	case memproto.BinaryOpSet, memproto.BinaryOpAdd, memproto.BinaryOpReplace, memproto.BinaryOpAppend, memproto.BinaryOpPrepend:
		h.c.srv.prefix.record(req.Key, prefixSet)
		reqCAS := req.Header.CAS
		if h.c.srv.DisableCAS {
			// memcached -C stores the request's unique in an item that
			// has no room for it: the store compares nothing.
			reqCAS = 0
		}
		mode := binaryMode(loud, reqCAS)
		h.c.srv.logStoreLookup(h.c, req.Key)
		cas, status := st.Store(mode, req.Key, req.Value, req.Flags, int64(req.Exptime), reqCAS)
		h.c.srv.logStore(h.c, mode, req.Key, status, int64(req.Exptime), len(req.Value))
		if status == StatusOK {
			return h.success(quiet, cas, nil, nil)
		}
		return h.fail(binaryStatus(status, loud))
	case memproto.BinaryOpDelete:
		h.c.srv.prefix.record(req.Key, prefixDelete)
		switch st.Delete(req.Key, req.Header.CAS) {
		case StatusOK:
			return h.success(quiet, 0, nil, nil)
		case StatusExists:
			return h.fail(memproto.BinaryStatusKeyExists)
		default:
			return h.fail(memproto.BinaryStatusKeyNotFound)
		}
	case memproto.BinaryOpIncrement, memproto.BinaryOpDecrement:
		return h.arith(loud == memproto.BinaryOpIncrement, quiet)
	case memproto.BinaryOpFlush:
		if h.c.srv.DisableFlushAll {
			// As memcached: an auth error, even for the quiet form.
			h.c.srv.audit("flush_all refused (disabled)", h.c)
			return h.fail(memproto.BinaryStatusAuthError)
		}
		h.c.srv.audit("flush_all", h.c, "delay", req.Exptime)
		st.FlushAll(int64(req.Exptime))
		return h.success(quiet, 0, nil, nil)
	case memproto.BinaryOpNoop:
		return h.success(false, 0, nil, nil)
	case memproto.BinaryOpVersion:
		return h.success(false, 0, nil, []byte(h.c.srv.version()))
	case memproto.BinaryOpQuit:
		if !quiet {
			if err := h.success(false, 0, nil, nil); err != nil {
				return err
			}
		}
		return errQuit
	case memproto.BinaryOpStat:
		return h.stats()
	}
	h.out = memproto.AppendBinaryError(h.out[:0], op, req.Header.Opaque, memproto.BinaryStatusUnknownCommand)
	return h.write(h.out)
}

func (h *binaryHandler) last() (string, []byte) { return h.req.Header.Opcode.String(), h.req.Key }

func (h *binaryHandler) write(b []byte) error {
	_, err := h.c.bw.Write(b)
	return err
}

// success writes a successful reply, unless the request is quiet.
func (h *binaryHandler) success(quiet bool, cas uint64, extras, value []byte) error {
	if quiet {
		return nil
	}
	hd := &h.req.Header
	h.out = memproto.AppendBinaryResponse(h.out[:0], hd.Opcode, memproto.BinaryStatusNoError, hd.Opaque, cas, extras, nil, value)
	return h.write(h.out)
}

// fail writes an error reply; memcached sends them for quiet requests too.
func (h *binaryHandler) fail(status memproto.BinaryStatus) error {
	hd := &h.req.Header
	h.out = memproto.AppendBinaryError(h.out[:0], hd.Opcode, hd.Opaque, status)
	return h.write(h.out)
}

func binaryMode(op memproto.BinaryOpcode, cas uint64) Mode {
	switch op {
	case memproto.BinaryOpAdd:
		return ModeAdd
	case memproto.BinaryOpReplace:
		if cas != 0 {
			return ModeCAS
		}
		return ModeReplace
	case memproto.BinaryOpAppend:
		return ModeAppend
	case memproto.BinaryOpPrepend:
		return ModePrepend
	}
	if cas != 0 {
		return ModeCAS
	}
	return ModeSet
}

func binaryStatus(s Status, op memproto.BinaryOpcode) memproto.BinaryStatus {
	switch s {
	case StatusExists:
		return memproto.BinaryStatusKeyExists
	case StatusNotFound:
		return memproto.BinaryStatusKeyNotFound
	case StatusTooLarge:
		return memproto.BinaryStatusValueTooLarge
	case StatusNoMemory:
		return memproto.BinaryStatusOutOfMemory
	case StatusNonNumeric:
		return memproto.BinaryStatusNonNumeric
	case StatusNotStored:
		// memcached reports a failed add as "exists" and a failed
		// replace as "not found"; append/prepend say "not stored".
		switch op {
		case memproto.BinaryOpAdd:
			return memproto.BinaryStatusKeyExists
		case memproto.BinaryOpReplace:
			return memproto.BinaryStatusKeyNotFound
		}
		return memproto.BinaryStatusItemNotStored
	}
	return memproto.BinaryStatusInvalidArguments
}

// get serves Get, GetK, GAT, GATK and Touch and their quiet forms.
func (h *binaryHandler) get(op memproto.BinaryOpcode, quiet bool) error {
	req := &h.req
	hd := &req.Header
	st := h.c.srv.store
	touch := op == memproto.BinaryOpGAT || op == memproto.BinaryOpGATK || op == memproto.BinaryOpTouch
	withKey := op == memproto.BinaryOpGetK || op == memproto.BinaryOpGATK
	var (
		v      []byte
		info   ItemInfo
		status Status
	)
	if touch {
		v, info, status = st.GetAndTouch(h.val.get(), req.Key, int64(req.Exptime))
	} else {
		v, info, status = h.val.fetch(h.c.srv, req.Key)
	}
	h.c.srv.prefix.recordGet(req.Key, status == StatusOK)
	h.c.srv.logGet(h.c, req.Key, status == StatusOK, len(v))
	if status != StatusOK {
		if quiet {
			return nil
		}
		if withKey {
			h.out = memproto.AppendBinaryResponse(h.out[:0], hd.Opcode, memproto.BinaryStatusKeyNotFound, hd.Opaque, 0, nil, req.Key, nil)
			return h.write(h.out)
		}
		return h.fail(memproto.BinaryStatusKeyNotFound)
	}
	if touch {
		h.val.keep(v) // fetch keeps what it may
	}
	if op == memproto.BinaryOpTouch {
		v = nil
	}
	var flags [4]byte
	binary.BigEndian.PutUint32(flags[:], info.Flags)
	var key []byte
	if withKey {
		key = req.Key
	}
	h.out = memproto.AppendBinaryResponseHeader(h.out[:0], hd.Opcode, memproto.BinaryStatusNoError, hd.Opaque, info.CAS, flags[:], key, len(v))
	if err := h.write(h.out); err != nil {
		return err
	}
	return h.write(v)
}

// arith serves Increment and Decrement: a miss creates the item with the
// initial value unless the expiration is BinaryIncrNoCreate.
func (h *binaryHandler) arith(incr, quiet bool) error {
	req := &h.req
	st := h.c.srv.store
	for attempt := 0; ; attempt++ {
		n, cas, status := st.Arith(req.Key, req.Delta, incr)
		switch status {
		case StatusOK:
			return h.counter(quiet, n, cas)
		case StatusNonNumeric:
			return h.fail(memproto.BinaryStatusNonNumeric)
		case StatusNotFound:
			if req.Exptime == memproto.BinaryIncrNoCreate {
				return h.fail(memproto.BinaryStatusKeyNotFound)
			}
			digits := strconv.AppendUint(h.num[:0], req.Initial, 10)
			cas, status := st.Store(ModeAdd, req.Key, digits, 0, int64(req.Exptime), 0)
			if status == StatusOK {
				return h.counter(quiet, req.Initial, cas)
			}
			if status != StatusNotStored || attempt > 2 {
				return h.fail(binaryStatus(status, memproto.BinaryOpSet))
			}
			// Someone created it meanwhile: apply the delta to theirs.
		default:
			return h.fail(binaryStatus(status, memproto.BinaryOpSet))
		}
	}
}

func (h *binaryHandler) counter(quiet bool, n, cas uint64) error {
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], n)
	return h.success(quiet, cas, nil, v[:])
}

// stats sends one reply per statistic, keyed by its name, then an empty
// reply, as memcached does.
func (h *binaryHandler) stats() error {
	hd := &h.req.Header
	s := h.c.srv
	var lines []byte
	key := string(h.req.Key)
	// memcached matches the groups by prefix ("resetX" resets).
	switch {
	case key == "":
		lines = s.appendGeneralStats(nil)
	case strings.HasPrefix(key, "reset"):
		s.resetStats()
	case strings.HasPrefix(key, "settings"):
		lines = s.appendSettingsStats(nil)
	case strings.HasPrefix(key, "detail"):
		switch sub := key[len("detail"):]; {
		case strings.HasPrefix(sub, " dump"):
			// One stat, "detailed", whose value is the text dump.
			h.out = memproto.AppendBinaryResponse(h.out[:0], hd.Opcode, memproto.BinaryStatusNoError, hd.Opaque, 0, nil,
				[]byte("detailed"), s.prefix.appendDump(nil))
			if err := h.write(h.out); err != nil {
				return err
			}
		case strings.HasPrefix(sub, " on"):
			s.prefix.on.Store(true)
		case strings.HasPrefix(sub, " off"):
			s.prefix.on.Store(false)
		default:
			return h.fail(memproto.BinaryStatusKeyNotFound)
		}
	case key == "items", key == "slabs", key == "sizes", key == "conns":
		lines = s.appendSubStats(nil, key)
	default:
		return h.fail(memproto.BinaryStatusKeyNotFound)
	}
	// lines holds "STAT name value\r\n" entries; re-frame each.
	for len(lines) > 0 {
		end := indexCRLF(lines)
		line := lines[5:end] // drop "STAT "
		lines = lines[end+2:]
		sp := 0
		for sp < len(line) && line[sp] != ' ' {
			sp++
		}
		name, value := line[:sp], line[min(sp+1, len(line)):]
		h.out = memproto.AppendBinaryResponse(h.out[:0], hd.Opcode, memproto.BinaryStatusNoError, hd.Opaque, 0, nil, name, value)
		if err := h.write(h.out); err != nil {
			return err
		}
	}
	h.out = memproto.AppendBinaryResponse(h.out[:0], hd.Opcode, memproto.BinaryStatusNoError, hd.Opaque, 0, nil, nil, nil)
	return h.write(h.out)
}

func indexCRLF(b []byte) int {
	for i := 0; i+1 < len(b); i++ {
		if b[i] == '\r' && b[i+1] == '\n' {
			return i
		}
	}
	return len(b) - 2
}

func (h *binaryHandler) setSource(br *bufio.Reader) { h.r.SetSource(br) }

// atBoundary: the binary reader discards a refused body within the
// request that refused it.
func (h *binaryHandler) atBoundary() bool { return true }

// release drops scratch buffers larger than keep bytes (see
// textHandler.release).
func (h *binaryHandler) release(keep int) {
	h.r.ShrinkBuffers(keep)
	h.val.release(keep)
	if cap(h.out) > keep {
		largeBufs.Put(h.out)
		h.out = nil
	}
}
