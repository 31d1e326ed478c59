package server

import (
	"strconv"

	"github.com/ratmemcache/ratmemcache/memproto"
)

// meta serves the meta commands (mg ms md ma mn me) through Store.Meta,
// with memcached 1.6.18's replies (memproto encodes them, quiet mode
// included).
func (h *textHandler) meta() error {
	req := &h.req
	m := &req.Meta
	op := &h.mop
	*op = MetaOp{}
	switch req.Command {
	case memproto.CmdMetaNoop:
		return h.write(append(h.out[:0], "MN\r\n"...))
	case memproto.CmdMetaDebug:
		h.c.srv.st.metaCmds.Add(1) // memcached 1.6.18's cmd_meta counts me alone
		return h.metaDebug()
	case memproto.CmdMetaGet:
		op.Command = MetaGet
		op.Touch, op.Exptime = m.Has('T'), int64(m.TTL)
		op.Vivify, op.VivifyExptime = m.Has('N'), int64(m.VivifyTTL)
		if m.Has('R') {
			op.RecacheTTL = int64(m.RecacheTTL)
		}
		op.NoBump, op.WantValue = m.Has('u'), m.Has('v')
	case memproto.CmdMetaSet:
		op.Command = MetaSet
		op.Mode = storeMode(m.SetMode())
		op.Value, op.Flags, op.Exptime = req.Value, m.ClientFlags, int64(m.TTL)
		op.CAS, op.Invalidate, op.BinaryKey = m.CAS, m.Has('I'), m.Base64()
	case memproto.CmdMetaDelete:
		op.Command = MetaDelete
		op.CAS, op.CompareCAS, op.Invalidate = m.CAS, m.Has('C'), m.Has('I')
		op.Touch, op.Exptime = m.Has('T'), int64(m.TTL)
	case memproto.CmdMetaArithmetic:
		op.Command = MetaArith
		op.Vivify, op.VivifyExptime = m.Has('N'), int64(m.VivifyTTL)
		op.Touch, op.Exptime = m.Has('T'), int64(m.TTL)
		op.CAS, op.Decr, op.Delta, op.Initial = m.CAS, m.Decr(), m.Delta, m.Initial
	default:
		return h.write([]byte(memproto.ReplyError))
	}
	if op.Touch {
		// memcached applies T, N and R in request order.
		t, n, r := -1, -1, -1
		for i, f := range m.Flags {
			switch f.Flag {
			case 'T':
				t = i
			case 'N':
				n = i
			case 'R':
				r = i
			}
		}
		op.VivifyLast, op.RecacheAfterTouch = n > t, r > t
	}
	if op.Command == MetaSet {
		h.c.srv.logStoreLookup(h.c, req.Key)
	}
	v, r := h.c.srv.store.Meta(h.val.get(), req.Key, op)
	switch op.Command {
	case MetaGet:
		h.c.srv.logGet(h.c, req.Key, r.Status == StatusOK, r.Size)
	case MetaSet:
		h.c.srv.logStore(h.c, op.Mode, req.Key, r.Status, op.Exptime, len(op.Value))
	}
	h.val.keep(v)
	op.Value = nil // do not keep the request's data block alive
	var code memproto.MetaCode
	switch r.Status {
	case StatusOK:
		code = memproto.MetaHD
		if m.Has('v') && (req.Command == memproto.CmdMetaGet || req.Command == memproto.CmdMetaArithmetic) {
			code = memproto.MetaVA
		}
	case StatusNotFound:
		code = memproto.MetaNF // md, ma, and ms in cas mode
		if req.Command == memproto.CmdMetaGet {
			code = memproto.MetaEN
		}
	case StatusNotStored:
		code = memproto.MetaNS
	case StatusExists:
		code = memproto.MetaEX
	case StatusNonNumeric:
		return h.write([]byte(memproto.ReplyNonNumeric))
	case StatusTooLarge, StatusNoMemory, StatusBadKey:
		if op.Command == MetaSet {
			h.c.srv.countStoreFailure(r.Status)
		}
		return h.write([]byte(storeReply(r.Status)))
	default:
		return h.write([]byte(storeReply(StatusNoMemory)))
	}
	mi := memproto.MetaItem{
		CAS:         r.CAS,
		TTL:         r.TTL,
		TouchedTTL:  r.TouchedTTL,
		VivifiedTTL: r.VivifiedTTL,
		Vivified:    r.Vivified,
	}
	switch req.Command {
	case memproto.CmdMetaGet:
		mi.Value, mi.Size, mi.ClientFlags = v, r.Size, r.Flags
		mi.LastAccess, mi.Fetched = r.LastAccess, r.Fetched
		if code != memproto.MetaEN {
			mi.Key, mi.KeyBinary = req.Key, r.BinaryKey
		}
		mi.Won, mi.Stale, mi.TokenSent = r.Won, r.Stale, r.TokenSent
	case memproto.CmdMetaArithmetic:
		mi.Value = strconv.AppendUint(h.num[:0], r.Number, 10)
	}
	h.out = req.AppendMetaReply(h.out[:0], code, &mi)
	err := h.write(h.out)
	if cap(h.out) > 1<<20 {
		h.out = make([]byte, 0, 256) // a large VA reply: do not keep its buffer
	}
	return err
}

// metaDebug answers me: the item's metadata, or EN.
func (h *textHandler) metaDebug() error {
	op := &h.mop
	op.Command = MetaDebug
	_, r := h.c.srv.store.Meta(nil, h.req.Key, op)
	if r.Status != StatusOK {
		return h.write(append(h.out[:0], "EN\r\n"...))
	}
	// memcached prints -1 for no expiry, else now minus the expiry.
	exp := int64(-1)
	if r.TTL != -1 {
		exp = -r.TTL
	}
	h.out = memproto.AppendMetaDebugReply(h.out[:0], h.req.Key, r.BinaryKey, &memproto.MetaDebug{
		Exp: exp, LastAccess: uint64(max(r.LastAccess, 0)), CAS: r.CAS,
		Fetched: r.Fetched, Class: uint32(r.Class), Size: uint64(r.Size),
	})
	return h.write(h.out)
}
