package memproto

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// metaCase is one request: in is the whole request (line and data block);
// err is memcached's error reply without "\r\n", "" when the request
// parses; swallow is the error's Swallow.
type metaCase struct {
	name    string
	in      string
	err     string
	swallow int
	check   func(t *testing.T, r *Request)
}

const (
	eBadFormat  = "CLIENT_ERROR bad command line format"
	eBadToken   = "CLIENT_ERROR bad token in command line format"
	eDup        = "CLIENT_ERROR duplicate flag"
	eInvalid    = "CLIENT_ERROR invalid flag"
	eInvDup     = "CLIENT_ERROR invalid or duplicate flag"
	eDecodeKey  = "CLIENT_ERROR error decoding key"
	eOpaque     = "CLIENT_ERROR opaque token too long"
	eMLen       = "CLIENT_ERROR incorrect length for M token"
	eTooLongGet = "CLIENT_ERROR options flags are too long"
	eTooLong    = "CLIENT_ERROR options flags too long"
	eMsMode     = "CLIENT_ERROR invalid mode for ms M token"
	eMaMode     = "CLIENT_ERROR invalid mode for ma M token"
	eInitial    = "CLIENT_ERROR invalid numeric initial value"
	eDelta      = "CLIENT_ERROR invalid numeric delta value"
)

var (
	key250  = strings.Repeat("k", 250)
	key251  = strings.Repeat("k", 251)
	opaq31  = "O" + strings.Repeat("o", 31)
	opaq32  = "O" + strings.Repeat("o", 32)
	flags17 = " k s t c f v h l u q O P L I T1 N1 R1"
)

func key(want string) func(*testing.T, *Request) {
	return func(t *testing.T, r *Request) {
		t.Helper()
		if string(r.Key) != want {
			t.Errorf("key %q, want %q", r.Key, want)
		}
	}
}

func metaCases() []metaCase {
	return []metaCase{
		// Structure.
		{name: "mg no key", in: "mg\r\n", err: "ERROR"},
		{name: "mg only spaces", in: "mg   \r\n", err: "ERROR"},
		{name: "mg key", in: "mg foo\r\n", check: func(t *testing.T, r *Request) {
			if string(r.Key) != "foo" || len(r.Meta.Flags) != 0 || r.Meta.Quiet() {
				t.Errorf("%+v", r)
			}
		}},
		{name: "mg extra spaces", in: "mg  foo   v  \r\n", check: func(t *testing.T, r *Request) {
			if string(r.Key) != "foo" || len(r.Meta.Flags) != 1 || !r.Meta.Has('v') {
				t.Errorf("%+v", r.Meta)
			}
		}},
		{name: "mg bare LF", in: "mg foo v\n", check: key("foo")},
		{name: "mg key 250", in: "mg " + key250 + " v\r\n", check: key(key250)},
		{name: "mg key 251", in: "mg " + key251 + " v\r\n", err: eBadFormat},
		{name: "mg key 251 many flags", in: "mg " + key251 + flags17 + " E\r\n", err: eBadFormat},
		{name: "mg 17 flags", in: "mg foo" + flags17 + "\r\n", check: func(t *testing.T, r *Request) {
			if len(r.Meta.Flags) != 17 || r.Meta.TTL != 1 || r.Meta.VivifyTTL != 1 || r.Meta.RecacheTTL != 1 {
				t.Errorf("%+v", r.Meta)
			}
		}},
		{name: "mg 18 flags", in: "mg foo" + flags17 + " E\r\n", err: eTooLongGet},
		{name: "mg 18 bad flags", in: "mg foo" + strings.Repeat(" x", 18) + "\r\n", err: eTooLongGet},
		{name: "mg NUL ends line", in: "mg foo v\x00 x x\r\n", check: func(t *testing.T, r *Request) {
			if len(r.Meta.Flags) != 1 {
				t.Errorf("%+v", r.Meta)
			}
		}},
		{name: "mg NUL in key", in: "mg fo\x00o x\r\n", check: key("fo")},

		// Flag letters.
		{name: "mg dup", in: "mg foo v v\r\n", err: eDup},
		{name: "mg unknown", in: "mg foo v x\r\n", err: eInvalid},
		{name: "mg DEL flag", in: "mg foo \x7f\r\n", err: eDup},
		{name: "mg high flag", in: "mg foo \x80\r\n", err: eDup},
		{name: "mg unknown after bad value", in: "mg foo Tx x\r\n", err: eInvalid},
		{name: "mg dup after bad value", in: "mg foo Tx v v\r\n", err: eDup},
		{name: "mg all return flags", in: "mg foo k s t c f v h l u q O123 P L I\r\n", check: func(t *testing.T, r *Request) {
			for _, c := range []byte("kstcfvhluqOPLI") {
				if !r.Meta.Has(c) {
					t.Errorf("missing %c", c)
				}
			}
			if string(r.Meta.Opaque) != "123" || !r.Meta.Quiet() {
				t.Errorf("%+v", r.Meta)
			}
		}},

		// Numbers.
		{name: "T", in: "mg foo T30\r\n", check: func(t *testing.T, r *Request) {
			if r.Meta.TTL != 30 {
				t.Error(r.Meta.TTL)
			}
		}},
		{name: "T negative", in: "mg foo T-1\r\n", check: func(t *testing.T, r *Request) {
			if r.Meta.TTL != -1 {
				t.Error(r.Meta.TTL)
			}
		}},
		{name: "T plus", in: "mg foo T+5\r\n", check: func(t *testing.T, r *Request) {
			if r.Meta.TTL != 5 {
				t.Error(r.Meta.TTL)
			}
		}},
		{name: "T wraps to int32", in: "mg foo T4294967301\r\n", check: func(t *testing.T, r *Request) {
			if r.Meta.TTL != 5 {
				t.Error(r.Meta.TTL)
			}
		}},
		{name: "T tab then junk", in: "mg foo T5\tx\r\n", check: func(t *testing.T, r *Request) {
			if r.Meta.TTL != 5 {
				t.Error(r.Meta.TTL)
			}
		}},
		{name: "T leading tab", in: "mg foo T\t7\r\n", check: func(t *testing.T, r *Request) {
			if r.Meta.TTL != 7 {
				t.Error(r.Meta.TTL)
			}
		}},
		{name: "T CR", in: "mg foo T7\r\r\n", check: func(t *testing.T, r *Request) {
			if r.Meta.TTL != 7 {
				t.Error(r.Meta.TTL)
			}
		}},
		{name: "T empty", in: "mg foo T\r\n", err: eBadToken},
		{name: "T junk", in: "mg foo T5x\r\n", err: eBadToken},
		{name: "T overflow", in: "mg foo T99999999999999999999\r\n", err: eBadToken},
		{name: "N", in: "mg foo N30\r\n", check: func(t *testing.T, r *Request) {
			if r.Meta.VivifyTTL != 30 || !r.Meta.Has('N') {
				t.Error(r.Meta.VivifyTTL)
			}
		}},
		{name: "N bad", in: "mg foo Nx\r\n", err: eBadToken},
		{name: "R", in: "mg foo R30\r\n", check: func(t *testing.T, r *Request) {
			if r.Meta.RecacheTTL != 30 {
				t.Error(r.Meta.RecacheTTL)
			}
		}},
		{name: "R bad", in: "mg foo R\r\n", err: eBadToken},
		{name: "C", in: "mg foo C18446744073709551615\r\n", check: func(t *testing.T, r *Request) {
			if r.Meta.CAS != 1<<64-1 {
				t.Error(r.Meta.CAS)
			}
		}},
		{name: "C minus zero", in: "mg foo C-0\r\n"},
		{name: "C minus", in: "mg foo C-1\r\n", err: eBadToken},
		{name: "C minus wraps", in: "mg foo C-18446744073709551615\r\n", check: func(t *testing.T, r *Request) {
			if r.Meta.CAS != 1 {
				t.Error(r.Meta.CAS)
			}
		}},
		{name: "C overflow", in: "mg foo C18446744073709551616\r\n", err: eBadToken},
		{name: "F", in: "mg foo F4294967295\r\n", check: func(t *testing.T, r *Request) {
			if r.Meta.ClientFlags != 1<<32-1 {
				t.Error(r.Meta.ClientFlags)
			}
		}},
		{name: "F wraps", in: "mg foo F4294967297\r\n", check: func(t *testing.T, r *Request) {
			if r.Meta.ClientFlags != 1 {
				t.Error(r.Meta.ClientFlags)
			}
		}},
		{name: "F bad", in: "mg foo Fx\r\n", err: eBadFormat},
		{name: "F bad keeps earlier reply", in: "mg foo Tx Fx\r\n", err: eBadToken},
		{name: "last bad value wins", in: "mg foo Tx Jx\r\n", err: eInitial},
		{name: "J bad", in: "mg foo J-1\r\n", err: eInitial},
		{name: "D bad", in: "mg foo Dx\r\n", err: eDelta},
		{name: "M length", in: "mg foo MSS\r\n", err: eMLen},
		{name: "M empty", in: "mg foo M\r\n", err: eMLen},
		{name: "M ignored by mg", in: "mg foo Mx\r\n"},

		// Opaque.
		{name: "O 31", in: "mg foo " + opaq31 + "\r\n", check: func(t *testing.T, r *Request) {
			if len(r.Meta.Opaque) != 31 {
				t.Error(len(r.Meta.Opaque))
			}
		}},
		{name: "O 32", in: "mg foo " + opaq32 + "\r\n", err: eOpaque},
		{name: "O 32 quiet", in: "mg foo q " + opaq32 + "\r\n", err: eOpaque},
		{name: "O empty", in: "mg foo O\r\n"},

		// Base64 keys.
		{name: "b", in: "mg Zm9v b v\r\n", check: func(t *testing.T, r *Request) {
			if string(r.Key) != "foo" || !r.Meta.Base64() {
				t.Errorf("%q", r.Key)
			}
		}},
		{name: "b after flags", in: "mg Zm9v v b\r\n", check: key("foo")},
		{name: "b skips junk", in: "mg Z!m9v b\r\n", check: key("foo")},
		{name: "b padding", in: "mg Zm8= b\r\n", check: key("fo")},
		{name: "b padding two", in: "mg Zg== b\r\n", check: key("f")},
		{name: "b stops at padding", in: "mg Zg==Zm9v b\r\n", check: key("f")},
		{name: "b bad length", in: "mg foo b\r\n", err: eDecodeKey},
		{name: "b bad padding", in: "mg A=== b\r\n", err: eDecodeKey},
		{name: "b error then bad token", in: "mg foo b Tx\r\n", err: eBadToken},
		{name: "bad token then b error", in: "mg foo Tx b\r\n", err: eDecodeKey},

		// ms.
		{name: "ms", in: "ms foo 3 T30 F5 c k O1 q I\r\nbar\r\n", check: func(t *testing.T, r *Request) {
			m := &r.Meta
			if string(r.Value) != "bar" || m.TTL != 30 || m.ClientFlags != 5 || string(m.Opaque) != "1" || !m.Quiet() || r.Meta.SetMode() != CmdSet {
				t.Errorf("%+v", r)
			}
		}},
		{name: "ms empty value", in: "ms foo 0\r\n\r\n", check: func(t *testing.T, r *Request) {
			if len(r.Value) != 0 || !r.hasData {
				t.Errorf("%+v", r)
			}
		}},
		{name: "ms no key", in: "ms\r\n", err: "ERROR"},
		{name: "ms no length", in: "ms foo\r\n", err: eBadFormat},
		{name: "ms bad length", in: "ms foo x\r\n", err: eBadFormat},
		{name: "ms negative length", in: "ms foo -1\r\n", err: eBadFormat},
		{name: "ms huge length", in: "ms foo 2147483646\r\n", err: eBadFormat},
		{name: "ms key 251", in: "ms " + key251 + " 3\r\nabc\r\n", err: eBadFormat},
		{name: "ms too large", in: "ms foo 1100000 T0\r\n" + strings.Repeat("x", 1100000) + "\r\n", err: "SERVER_ERROR object too large for cache", swallow: 1100002},
		{name: "ms 16 flags", in: "ms foo 1 k s t c f v h l u q O P L I T1\r\nx\r\n"},
		{name: "ms 17 flags", in: "ms foo 1" + flags17 + "\r\nx\r\n", err: eTooLong},
		{name: "ms bad flag", in: "ms foo 3 x\r\nabc\r\n", err: eInvalid, swallow: 5},
		{name: "ms dup flag", in: "ms foo 3 T1 T1\r\nabc\r\n", err: eDup, swallow: 5},
		{name: "ms bad F", in: "ms foo 3 Fx\r\nabc\r\n", err: eBadFormat, swallow: 5},
		{name: "ms bad C", in: "ms foo 3 Cx\r\nabc\r\n", err: eBadToken, swallow: 5},
		{name: "ms bad b", in: "ms foo 3 b\r\nabc\r\n", err: eDecodeKey, swallow: 5},
		{name: "ms b", in: "ms Zm9v 3 b\r\nabc\r\n", check: key("foo")},
		{name: "ms mode lower", in: "ms foo 3 Ms\r\nabc\r\n", err: eMsMode, swallow: 5},
		{name: "ms mode bad", in: "ms foo 3 MX\r\nabc\r\n", err: eMsMode, swallow: 5},
		{name: "ms mode length", in: "ms foo 3 MSS\r\nabc\r\n", err: eMLen, swallow: 5},
		{name: "ms opaque", in: "ms foo 3 " + opaq32 + "\r\nabc\r\n", err: eOpaque, swallow: 5},
		{name: "ms mode beats opaque", in: "ms foo 3 " + opaq32 + " MX\r\nabc\r\n", err: eMsMode, swallow: 5},
		{name: "ms modes", in: "ms foo 1 ME\r\nx\r\n", check: func(t *testing.T, r *Request) {
			if r.Meta.SetMode() != CmdAdd {
				t.Error(r.Meta.SetMode())
			}
		}},
		{name: "ms append cas", in: "ms foo 1 MA C5\r\nx\r\n", check: func(t *testing.T, r *Request) {
			if r.Meta.SetMode() != CmdAppend || r.Meta.CAS != 5 {
				t.Error(r.Meta.SetMode())
			}
		}},
		{name: "ms prepend", in: "ms foo 1 MP\r\nx\r\n", check: func(t *testing.T, r *Request) {
			if r.Meta.SetMode() != CmdPrepend {
				t.Error(r.Meta.SetMode())
			}
		}},
		{name: "ms replace cas", in: "ms foo 1 MR C5\r\nx\r\n", check: func(t *testing.T, r *Request) {
			if r.Meta.SetMode() != CmdCas {
				t.Error(r.Meta.SetMode())
			}
		}},
		{name: "ms set", in: "ms foo 1 MS\r\nx\r\n", check: func(t *testing.T, r *Request) {
			if r.Meta.SetMode() != CmdSet {
				t.Error(r.Meta.SetMode())
			}
		}},
		{name: "ms set cas", in: "ms foo 1 C7\r\nx\r\n", check: func(t *testing.T, r *Request) {
			if r.Meta.SetMode() != CmdCas {
				t.Error(r.Meta.SetMode())
			}
		}},

		// md.
		{name: "md", in: "md foo q C5 I T30 k O9\r\n", check: func(t *testing.T, r *Request) {
			m := &r.Meta
			if m.CAS != 5 || !m.Has('I') || m.TTL != 30 || !m.Quiet() {
				t.Errorf("%+v", m)
			}
		}},
		{name: "md no key", in: "md\r\n", err: "ERROR"},
		{name: "md key 251", in: "md " + key251 + "\r\n", err: eBadFormat},
		{name: "md bad flag", in: "md foo x\r\n", err: eInvDup},
		{name: "md dup", in: "md foo q q\r\n", err: eInvDup},
		{name: "md bad value", in: "md foo Tx\r\n", err: eInvDup},
		{name: "md bad b", in: "md foo b\r\n", err: eInvDup},
		{name: "md opaque", in: "md foo q " + opaq32 + "\r\n", err: eOpaque},
		{name: "md 18 flags", in: "md foo" + flags17 + " E\r\n", err: eTooLong},

		// ma.
		{name: "ma", in: "ma cnt N0 J10 D5 MD q v t c k O1 T9 C3\r\n", check: func(t *testing.T, r *Request) {
			m := &r.Meta
			if m.Initial != 10 || m.Delta != 5 || !m.Decr() || m.VivifyTTL != 0 || !m.Has('N') || m.TTL != 9 || m.CAS != 3 {
				t.Errorf("%+v", m)
			}
		}},
		{name: "ma defaults", in: "ma cnt\r\n", check: func(t *testing.T, r *Request) {
			if r.Meta.Delta != 1 || r.Meta.Initial != 0 || r.Meta.Decr() {
				t.Errorf("%+v", r.Meta)
			}
		}},
		{name: "ma incr modes", in: "ma cnt M+\r\n", check: func(t *testing.T, r *Request) {
			if r.Meta.Decr() {
				t.Error("decr")
			}
		}},
		{name: "ma decr minus", in: "ma cnt M-\r\n", check: func(t *testing.T, r *Request) {
			if !r.Meta.Decr() {
				t.Error("incr")
			}
		}},
		{name: "ma mode I", in: "ma cnt MI\r\n"},
		{name: "ma no key", in: "ma\r\n", err: "ERROR"},
		{name: "ma key 251", in: "ma " + key251 + "\r\n", err: eBadFormat},
		{name: "ma bad mode", in: "ma cnt MX\r\n", err: eMaMode},
		{name: "ma lower mode", in: "ma cnt Mi\r\n", err: eMaMode},
		{name: "ma bad delta", in: "ma cnt Dx\r\n", err: eInvDup},
		{name: "ma bad initial", in: "ma cnt J-5\r\n", err: eInvDup},
		{name: "ma unknown", in: "ma cnt x\r\n", err: eInvDup},
		{name: "ma opaque", in: "ma cnt " + opaq32 + "\r\n", err: eOpaque},
		{name: "ma mode beats opaque", in: "ma cnt " + opaq32 + " MX\r\n", err: eMaMode},
		{name: "ma 18 flags", in: "ma cnt" + flags17 + " E\r\n", err: eTooLong},

		// mn, me.
		{name: "mn", in: "mn\r\n"},
		{name: "mn junk", in: "mn x y z\r\n"},
		{name: "me no key", in: "me\r\n", err: eBadFormat},
		{name: "me key 251", in: "me " + key251 + "\r\n", err: eBadFormat},
		{name: "me", in: "me foo x y\r\n", check: key("foo")},
		{name: "me b", in: "me Zm9v b\r\n", check: func(t *testing.T, r *Request) {
			if string(r.Key) != "foo" || !r.Meta.Base64() {
				t.Errorf("%q", r.Key)
			}
		}},
		{name: "me b not next", in: "me Zm9v x b\r\n", check: key("Zm9v")},
		{name: "me b token", in: "me Zm9v bb\r\n", check: key("Zm9v")},
		{name: "me bad b", in: "me foo b\r\n", err: eBadFormat},
	}
}

func TestParseMeta(t *testing.T) {
	var req Request
	args := make([][]byte, 0, 32)
	for _, c := range metaCases() {
		t.Run(c.name, func(t *testing.T) {
			n, err := readMeta([]byte(c.in), &req, args, Limits{})
			if c.err == "" {
				if err != nil {
					t.Fatalf("%q: %v", c.in, err)
				}
				if n != len(c.in) {
					t.Fatalf("%q: used %d of %d bytes", c.in, n, len(c.in))
				}
				if c.check != nil {
					c.check(t, &req)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("%q: err %v, want %q", c.in, err, c.err)
			}
			if e.Reply != c.err || e.Swallow != c.swallow {
				t.Fatalf("%q: reply %q swallow %d, want %q %d", c.in, e.Reply, e.Swallow, c.err, c.swallow)
			}
		})
	}
}

// TestMetaErrorsDifferential sends every case to a real memcached,
// followed by "mn", and checks that memcached answers an error case with
// the same error line (and swallows the same data, so that the mn is
// answered next), and a valid case with no error at all.
func TestMetaErrorsDifferential(t *testing.T) {
	srv := startMemcached(t)
	conn := srv.Dial(t)
	for _, c := range metaCases() {
		got := exchange(t, conn, c.in+"mn\r\n")
		if c.err != "" {
			// Our replies to the whole conversation: after an error that
			// does not swallow the data block, that block is a command.
			want, ok := errorReplies(t, c.in+"mn\r\n")
			if !ok {
				t.Fatalf("%s: %q parses", c.name, c.in)
			}
			if got != want {
				t.Errorf("%s: %q: memcached %q, want %q", c.name, c.in, got, want)
			}
			continue
		}
		if !strings.HasSuffix(got, "MN\r\n") {
			t.Errorf("%s: %q: memcached %q", c.name, c.in, got)
		}
		for _, line := range strings.Split(got, "\r\n") {
			if strings.HasPrefix(line, "ERROR") || strings.Contains(line, "_ERROR") {
				t.Errorf("%s: %q: memcached %q", c.name, c.in, got)
			}
		}
	}
}

// errorReplies returns what a server built on parseMeta answers to in,
// which must consist of requests that fail and mn; ok is false if another
// request parses.
func errorReplies(t *testing.T, in string) (string, bool) {
	var req Request
	var out []byte
	buf := []byte(in)
	for len(buf) > 0 {
		n, err := readMeta(buf, &req, nil, Limits{})
		var e *Error
		switch {
		case err == errNotMeta:
			out = append(out, "ERROR\r\n"...)
		case errors.As(err, &e):
			out = e.AppendReply(out)
		case err != nil:
			t.Fatalf("%q: %v", buf, err)
		case req.Command == CmdMetaNoop:
			out = append(out, "MN\r\n"...)
		default:
			return "", false
		}
		buf = buf[min(n, len(buf)):]
	}
	return string(out), true
}

func TestReadMetaFraming(t *testing.T) {
	var req Request
	args := make([][]byte, 0, 24)
	if _, err := readMeta([]byte("get foo\r\n"), &req, args, Limits{}); err != errNotMeta {
		t.Fatalf("get: %v", err)
	}
	if _, err := readMeta([]byte("ms foo 3\r\nbarx\r\n"), &req, args, Limits{}); err != ErrBadDataChunk {
		t.Fatalf("bad chunk: %v", err)
	}
	if n, err := readMeta([]byte("ms foo 3000\r\n"), &req, args, Limits{MaxItemSize: 100}); !errors.Is(err, ErrTooLarge) || n != 13+3002 {
		t.Fatalf("too large: %d %v", n, err)
	}
	if _, err := readMeta([]byte("mg foo"), &req, args, Limits{}); err != ErrIncomplete {
		t.Fatal(err)
	}
	if _, err := readMeta([]byte("ms foo 3\r\nba"), &req, args, Limits{}); err != ErrIncomplete {
		t.Fatal(err)
	}
	if _, err := readMeta(bytes.Repeat([]byte("m"), 3000), &req, args, Limits{}); err != ErrLineTooLong {
		t.Fatal(err)
	}
	if _, err := readMeta([]byte("get "+strings.Repeat("k", 3000)+"\r\n"), &req, args, Limits{}); err != errNotMeta {
		t.Fatal(err)
	}
}
