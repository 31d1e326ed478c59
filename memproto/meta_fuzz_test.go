package memproto

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzMetaParse feeds one request (line and data block) through the test
// framing and parseMeta. A request that parses must encode (AppendMeta)
// to bytes that parse back to an equal request, and each reply to it must
// encode (AppendMetaReply) to bytes that ParseMetaResponse reads back
// whole with the same code. Errors must be memcached error replies.
func FuzzMetaParse(f *testing.F) {
	for _, c := range metaCases() {
		if len(c.in) < 4096 {
			f.Add([]byte(c.in))
		}
	}
	var req, req2 Request
	var resp MetaResponse
	args := make([][]byte, 0, 32)
	f.Fuzz(func(t *testing.T, in []byte) {
		n, err := readMeta(in, &req, args, Limits{MaxItemSize: 1 << 16})
		if err != nil {
			var e *Error
			switch {
			case err == ErrIncomplete, err == errNotMeta:
			case errors.As(err, &e):
				if e.Swallow < 0 || (e.Reply == "" && !e.Close) {
					t.Fatalf("%q: bad error %+v", in, e)
				}
				if !bytes.HasPrefix([]byte(e.Reply), []byte("CLIENT_ERROR ")) &&
					!bytes.HasPrefix([]byte(e.Reply), []byte("SERVER_ERROR ")) &&
					e.Reply != "ERROR" && e.Reply != "" {
					t.Fatalf("%q: reply %q", in, e.Reply)
				}
			default:
				t.Fatalf("%q: %v", in, err)
			}
			return
		}
		if n <= 0 || n > len(in) {
			t.Fatalf("%q: used %d bytes", in, n)
		}
		enc := req.AppendMeta(nil)
		n2, err := readMeta(enc, &req2, nil, Limits{MaxItemSize: 1 << 16})
		if err != nil || n2 != len(enc) {
			t.Fatalf("%q: re-encoded as %q: n=%d err=%v", in, enc, n2, err)
		}
		if msg := diffRequests(&req, &req2); msg != "" {
			t.Fatalf("%q: re-encoded as %q: %s", in, enc, msg)
		}

		it := &MetaItem{Value: []byte("v\r\n1"), Size: 4, CAS: 7, TTL: -1, Won: true, Stale: true, TokenSent: true}
		for code := MetaHD; code <= MetaMN; code++ {
			if code == MetaME {
				continue
			}
			reply := req.AppendMetaReply(nil, code, it)
			if len(reply) == 0 {
				if !req.Meta.Quiet() || !SuppressInQuiet(req.Command, code, false) {
					t.Fatalf("%q: empty %v reply", in, code)
				}
				continue
			}
			rn, err := ParseMetaResponse(reply, &resp)
			if err != nil || rn != len(reply) || resp.Code != code {
				t.Fatalf("%q: %v reply %q parsed as %v n=%d err=%v", in, code, reply, resp.Code, rn, err)
			}
			if code == MetaVA && !bytes.Equal(resp.Value, it.Value) {
				t.Fatalf("%q: VA value %q", in, resp.Value)
			}
		}
	})
}

// diffRequests describes how two parsed meta requests differ, or is "".
func diffRequests(a, b *Request) string {
	switch {
	case a.Command != b.Command:
		return "command " + a.Command.String() + " vs " + b.Command.String()
	case !bytes.Equal(a.Key, b.Key):
		return "key " + string(a.Key) + " vs " + string(b.Key)
	case !bytes.Equal(a.Value, b.Value) || a.hasData != b.hasData || a.dataLen != b.dataLen:
		return "value"
	case len(a.Meta.Flags) != len(b.Meta.Flags):
		return "number of flags"
	}
	for i, f := range a.Meta.Flags {
		g := b.Meta.Flags[i]
		if f.Flag != g.Flag || !bytes.Equal(f.Token, g.Token) {
			return "flag " + string(f.Flag) + string(f.Token) + " vs " + string(g.Flag) + string(g.Token)
		}
	}
	ma, mb := a.Meta, b.Meta
	ma.Flags, mb.Flags, ma.keyBuf, mb.keyBuf = nil, nil, nil, nil
	if !bytes.Equal(ma.Opaque, mb.Opaque) {
		return "opaque"
	}
	ma.Opaque, mb.Opaque = nil, nil
	if ma.seen != mb.seen || ma.TTL != mb.TTL || ma.VivifyTTL != mb.VivifyTTL || ma.RecacheTTL != mb.RecacheTTL ||
		ma.ClientFlags != mb.ClientFlags || ma.CAS != mb.CAS || ma.Mode != mb.Mode || ma.Delta != mb.Delta || ma.Initial != mb.Initial {
		return "typed fields"
	}
	return ""
}

// FuzzMetaResponse checks that ParseMetaResponse never panics and reports
// a length within its input.
func FuzzMetaResponse(f *testing.F) {
	for _, s := range []string{"HD c5 kfoo b O1\r\n", "VA 3 s3\r\nbar\r\n", "VA 2147483647\r\n", "EN\r\n",
		"ME foo exp=-1 la=0 cas=1 fetch=no cls=1 size=63\r\n", "CLIENT_ERROR bad\r\n", "VA 1\r\nxyz"} {
		f.Add([]byte(s))
	}
	var r MetaResponse
	f.Fuzz(func(t *testing.T, in []byte) {
		n, err := ParseMetaResponse(in, &r)
		if err != nil {
			if n != 0 {
				t.Fatalf("%q: n=%d with %v", in, n, err)
			}
			return
		}
		if n <= 0 || n > len(in) || r.Code == MetaNone {
			t.Fatalf("%q: n=%d code %v", in, n, r.Code)
		}
		if r.Code == MetaVA {
			if _, err := ParseMetaResponse(in[:n-1], &r); err != ErrIncomplete {
				t.Fatalf("%q: truncated VA: %v", in[:n-1], err)
			}
		}
	})
}
