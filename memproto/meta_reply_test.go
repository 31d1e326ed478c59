package memproto

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"testing"
)

// metaEngine is a toy cache behind parseMeta and AppendMetaReply that
// models memcached 1.6.18's meta semantics closely enough to compare reply
// bytes: CAS values from one counter, TTLs as seconds relative to a
// clock that does not move, the fetched, stale and token-sent bits.
type metaEngine struct {
	items map[string]*metaEngineItem
	cas   uint64
}

type metaEngineItem struct {
	value     []byte
	flags     uint32
	cas       uint64
	ttl       int64 // -1: never expires
	binary    bool
	fetched   bool
	stale     bool
	tokenSent bool
}

func newMetaEngine() *metaEngine {
	return &metaEngine{items: map[string]*metaEngineItem{}}
}

func (e *metaEngine) nextCAS() uint64 { e.cas++; return e.cas }

// ttl converts a T or N argument to a remaining TTL (0 never expires).
func ttl(v int32) int64 {
	if v == 0 {
		return -1
	}
	return int64(v)
}

// serve answers every request in in.
func (e *metaEngine) serve(t *testing.T, in []byte) []byte {
	var req Request
	var out []byte
	args := make([][]byte, 0, 24)
	for len(in) > 0 {
		n, err := readMeta(in, &req, args, Limits{})
		var pe *Error
		switch {
		case err == errNotMeta:
			out = append(out, "ERROR\r\n"...)
		case errors.As(err, &pe):
			out = pe.AppendReply(out)
		case err != nil:
			t.Fatalf("%q: %v", in, err)
		default:
			out = e.do(&req, out)
		}
		in = in[n:]
	}
	return out
}

func (e *metaEngine) do(r *Request, out []byte) []byte {
	m := &r.Meta
	k := string(r.Key)
	it := e.items[k]
	switch r.Command {
	case CmdMetaNoop:
		return r.AppendMetaReply(out, MetaMN, nil)
	case CmdMetaDebug:
		if it == nil {
			return r.AppendMetaReply(out, MetaEN, nil)
		}
		return AppendMetaDebugReply(out, r.Key, it.binary, &MetaDebug{Exp: -1, CAS: it.cas, Fetched: it.fetched})
	case CmdMetaGet:
		created := false
		if it == nil && m.Has('N') {
			it = &metaEngineItem{cas: e.nextCAS(), ttl: -1}
			e.items[k] = it
			created = true
		}
		if it == nil {
			return r.AppendMetaReply(out, MetaEN, nil)
		}
		mi := MetaItem{
			Value: it.value, Size: len(it.value), CAS: it.cas, ClientFlags: it.flags,
			TTL: it.ttl, TouchedTTL: ttl(m.TTL), VivifiedTTL: ttl(m.VivifyTTL),
			Fetched: it.fetched, Key: r.Key, KeyBinary: it.binary, Vivified: created,
			TokenSent: it.tokenSent, Stale: it.stale,
		}
		mi.Won = created ||
			(m.Has('R') && !it.tokenSent && it.ttl != -1 && it.ttl < int64(m.RecacheTTL)) ||
			(it.stale && !it.tokenSent)
		code := MetaHD
		if m.Has('v') {
			code = MetaVA
		}
		out = r.AppendMetaReply(out, code, &mi)
		if mi.Won {
			it.tokenSent = true
		}
		if created {
			it.ttl = mi.VivifiedTTL
		}
		if m.Has('T') {
			it.ttl = mi.TouchedTTL
		}
		if !m.Has('u') {
			it.fetched = true
		}
		return out
	case CmdMetaSet:
		code := MetaHD
		switch mode := m.SetMode(); {
		case mode == CmdAdd && it != nil:
			code = MetaNS
		case (mode == CmdReplace || mode == CmdAppend || mode == CmdPrepend) && it == nil:
			code = MetaNS
		case mode == CmdCas && it == nil:
			code = MetaNF
		case mode == CmdCas && m.Has('I') && m.CAS != 0 && m.CAS < it.cas:
			// Invalidation: a CAS older than the item's stores the value
			// as stale, keeping the TTL and a sent token.
			e.items[k] = &metaEngineItem{value: append([]byte(nil), r.Value...), flags: m.ClientFlags,
				ttl: it.ttl, binary: m.Base64(), cas: e.nextCAS(), stale: true, tokenSent: it.tokenSent}
		case mode == CmdCas && m.CAS != it.cas:
			code = MetaEX
		case (mode == CmdAppend || mode == CmdPrepend) && m.CAS != 0 && m.CAS != it.cas:
			code = MetaEX
		case mode == CmdAppend || mode == CmdPrepend:
			v := append([]byte(nil), it.value...)
			if mode == CmdAppend {
				v = append(v, r.Value...)
			} else {
				v = append(append([]byte(nil), r.Value...), v...)
			}
			// memcached builds a new item: old flags and TTL, and no
			// binary-key mark, even when both were binary.
			e.items[k] = &metaEngineItem{value: v, flags: it.flags, ttl: it.ttl, cas: e.nextCAS()}
		default:
			e.items[k] = &metaEngineItem{value: append([]byte(nil), r.Value...), flags: m.ClientFlags,
				ttl: ttl(m.TTL), binary: m.Base64(), cas: e.nextCAS()}
		}
		mi := MetaItem{}
		if code == MetaHD {
			mi.CAS = e.items[k].cas
		}
		return r.AppendMetaReply(out, code, &mi)
	case CmdMetaDelete:
		switch {
		case it == nil:
			return r.AppendMetaReply(out, MetaNF, nil)
		case m.Has('C') && m.CAS != it.cas:
			return r.AppendMetaReply(out, MetaEX, nil)
		case m.Has('I'):
			if m.Has('T') {
				it.ttl = ttl(m.TTL)
			}
			it.stale, it.tokenSent = true, false
			it.cas = e.nextCAS()
		default:
			delete(e.items, k)
		}
		return r.AppendMetaReply(out, MetaHD, nil)
	case CmdMetaArithmetic:
		mi := MetaItem{}
		switch {
		case it == nil && !m.Has('N'):
			return r.AppendMetaReply(out, MetaNF, nil)
		case it == nil:
			it = &metaEngineItem{value: strconv.AppendUint(nil, m.Initial, 10), ttl: -1, cas: e.nextCAS()}
			e.items[k] = it
			mi.Vivified = true
			mi.Value = it.value
		case m.CAS != 0 && m.CAS != it.cas:
			return r.AppendMetaReply(out, MetaEX, nil)
		default:
			v, ok := cStrtoull(it.value)
			if !ok || len(it.value) == 0 {
				return append(out, "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n"...)
			}
			switch {
			case !m.Decr():
				v += m.Delta
			case m.Delta > v:
				v = 0
			default:
				v -= m.Delta
			}
			num := strconv.AppendUint(nil, v, 10)
			mi.Value = num
			if len(num) <= len(it.value) { // in place, padded with spaces
				num = append(num, bytes.Repeat([]byte(" "), len(it.value)-len(num))...)
			}
			it.value = num
			it.cas = e.nextCAS()
		}
		mi.CAS, mi.TTL, mi.TouchedTTL, mi.VivifiedTTL = it.cas, it.ttl, ttl(m.TTL), ttl(m.VivifyTTL)
		code := MetaHD
		if m.Has('v') {
			code = MetaVA
		}
		out = r.AppendMetaReply(out, code, &mi)
		if mi.Vivified {
			it.ttl = mi.VivifiedTTL
		}
		if m.Has('T') {
			it.ttl = mi.TouchedTTL
		}
		return out
	}
	panic("unreachable")
}

// metaConversations are request sequences whose replies are compared,
// byte for byte, with memcached's. Each runs on a fresh server.
var metaConversations = []struct{ name, in string }{
	{"get set get", "mg foo v\r\nms foo 3 T0 F5\r\nbar\r\nmg foo v s f c t k O42 h\r\nmg foo h\r\n"},
	{"get miss flags", "mg foo v k O1 s t c f\r\nmg foo q v\r\nmg foo\r\n"},
	{"quiet get hit", "ms foo 2 q\r\nhi\r\nmg foo q v k\r\nmg foo q s\r\n"},
	{"set modes", "ms foo 1 ME c\r\na\r\nms foo 1 ME c\r\nb\r\nms foo 1 MA c\r\nz\r\nms foo 1 MP\r\ny\r\nms bar 1 MR c k\r\nx\r\nms bar 1 MA\r\nx\r\nms bar 1 MP q\r\nx\r\nmg foo v c\r\n"},
	{"set modes quiet", "ms foo 1 ME q\r\na\r\nms foo 1 ME q O5\r\nb\r\nms bar 1 MR q k\r\nx\r\nms foo 1 MS q\r\nc\r\n"},
	{"set cas", "ms foo 1 c\r\na\r\nms foo 1 C1 c\r\nb\r\nms foo 1 C1 c\r\nc\r\nms baz 1 C1 c\r\nd\r\nms foo 1 MA C2 c\r\ne\r\nms foo 1 MA C9 c\r\nf\r\nmg foo v c\r\n"},
	{"set returns", "ms foo 3 k O99 c b\r\nabc\r\nms Zm9v 3 k O99 c b\r\nabc\r\nmg Zm9v b k v\r\nmg foo k v\r\nms foo 0\r\n\r\nmg foo v s\r\n"},
	{"binary key from item", "ms foo 3\r\nabc\r\nmg Zm9v b k v\r\nmg YmFy b k O1\r\nmd YmFy b k\r\nma YmFy b k\r\n"},
	{"touch", "ms foo 3\r\nabc\r\nmg foo t T30 t\r\nmg bar t T30 t\r\n"},
	{"delete", "md foo\r\nmd foo q\r\nmd foo k O1\r\nms foo 1\r\nx\r\nmd foo C99 q\r\nmd foo q k\r\nmg foo v\r\nms foo 1\r\nx\r\nmd foo C5 k O2\r\nmd foo C4\r\nmn\r\n"},
	{"vivify and stale", "mg foo N30 t c v\r\nmg foo N30 c t v\r\nmg foo v\r\nmd foo I q\r\nmd foo I T30\r\nmg foo c v\r\nmg foo c v\r\nms foo 1 T10\r\nx\r\nmg foo R30 c\r\nmg foo R30 c\r\n"},
	{"vivify order", "mg foo t N30 c\r\nmg bar q k N0 s v\r\n"},
	{"recache", "ms foo 1 T100\r\nx\r\nmg foo R30\r\nmg foo R300 c\r\nmg foo R300\r\n"},
	{"arith", "ma cnt\r\nma cnt q\r\nma cnt N0 J10 v t c\r\nma cnt v\r\nma cnt MD D5 v c\r\nma cnt M- D100 v\r\nmg cnt v\r\nma cnt M+ D18446744073709551615 v\r\nma cnt MI D2 v k O7 c t\r\nmg cnt v s\r\n"},
	{"arith quiet", "ma cnt q N0 J5\r\nma cnt q\r\nma cnt q v\r\nma cnt q C1\r\nma nope q\r\nmg cnt v\r\n"},
	{"arith vivify ttl", "ma cnt N30 t\r\nma cnt2 t N30 v\r\nma cnt3 N0 T30 t v\r\n"},
	{"arith cas", "ms cnt 2\r\n10\r\nma cnt C1 c v\r\nma cnt C9 c v\r\nma cnt C2 MD D20 v c\r\n"},
	{"arith non numeric", "ms foo 3\r\nabc\r\nma foo\r\nms bar 0\r\n\r\nma bar\r\nmg foo v\r\n"},
	{"me miss and mn", "me foo\r\nmn\r\nme Zm9v b\r\nmn x\r\n"},
	{"errors interleaved", "ms foo 3 x\r\nabc\r\nmg foo v\r\nms foo 3 MX\r\nabc\r\nmg foo v\r\nms foo 3\r\nabc\r\nmd foo x\r\nmg foo v q v\r\nma foo Mx\r\nmg foo v\r\n"},
}

func TestMetaRepliesDifferential(t *testing.T) {
	for _, c := range metaConversations {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := startMemcached(t)
			conn := srv.Dial(t)
			in := c.in + "mn\r\n"
			got := exchange(t, conn, in)
			want := string(newMetaEngine().serve(t, []byte(in)))
			// Every reply memcached sent parses, whole, as a meta response.
			var resp MetaResponse
			for rest := []byte(got); len(rest) > 0; {
				n, err := ParseMetaResponse(rest, &resp)
				if err != nil {
					t.Fatalf("ParseMetaResponse(%q): %v", rest, err)
				}
				rest = rest[n:]
			}
			if got != want {
				t.Errorf("%q\nmemcached %q\nours      %q", c.in, got, want)
				gl, wl := strings.Split(got, "\r\n"), strings.Split(want, "\r\n")
				for i := 0; i < len(gl) && i < len(wl); i++ {
					if gl[i] != wl[i] {
						t.Errorf("first difference, line %d: memcached %q ours %q", i, gl[i], wl[i])
						break
					}
				}
			}
		})
	}
}
