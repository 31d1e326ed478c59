package memproto

import (
	"fmt"
	"strings"
	"testing"
)

func TestAppendMetaRequest(t *testing.T) {
	fl := func(c byte, tok string) MetaFlag { return MetaFlag{Flag: c, Token: []byte(tok)} }
	for _, c := range []struct {
		cmd   Command
		key   string
		flags []MetaFlag
		value string
		want  string
	}{
		{CmdMetaGet, "foo", []MetaFlag{fl('v', ""), fl('O', "12"), fl('T', "30")}, "", "mg foo v O12 T30\r\n"},
		{CmdMetaGet, "\x00\xff", []MetaFlag{fl('b', ""), fl('k', "")}, "", "mg AP8= b k\r\n"},
		{CmdMetaSet, "foo", []MetaFlag{fl('F', "5"), fl('M', "E")}, "bar", "ms foo 3 F5 ME\r\nbar\r\n"},
		{CmdMetaSet, "foo", nil, "", "ms foo 0\r\n\r\n"},
		{CmdMetaDelete, "foo", []MetaFlag{fl('q', "")}, "", "md foo q\r\n"},
		{CmdMetaArithmetic, "n", []MetaFlag{fl('D', "5"), fl('M', "-")}, "", "ma n D5 M-\r\n"},
		{CmdMetaNoop, "ignored", []MetaFlag{fl('q', "")}, "", "mn\r\n"},
		{CmdMetaDebug, "foo", nil, "", "me foo\r\n"},
	} {
		if got := string(AppendMetaRequest(nil, c.cmd, []byte(c.key), c.flags, []byte(c.value))); got != c.want {
			t.Errorf("got %q, want %q", got, c.want)
		}
	}
}

func TestParseMetaResponse(t *testing.T) {
	for _, c := range []struct {
		in    string
		code  MetaCode
		n     int // 0: len(in)
		flags string
		value string
		text  string
		key   string
		err   error
	}{
		{in: "HD\r\n", code: MetaHD},
		{in: "HD c5 kfoo b O1\r\nnext", code: MetaHD, n: 17, flags: "c5,kfoo,b,O1"},
		{in: "VA 3 s3 f0\r\nbar\r\n", code: MetaVA, flags: "s3,f0", value: "bar"},
		{in: "VA 0\r\n\r\n", code: MetaVA},
		{in: "VA 3\r\nba", err: ErrIncomplete},
		{in: "VA 3 t-1\r\n", err: ErrIncomplete},
		{in: "VA 2147483647\r\n", err: ErrIncomplete},
		{in: "VA 2147483648\r\n", err: errBad},
		{in: "HD", err: ErrIncomplete},
		{in: "EN\n", code: MetaEN},
		{in: "NF O1\r\n", code: MetaNF, flags: "O1"},
		{in: "NS\r\n", code: MetaNS},
		{in: "EX k\r\n", code: MetaEX, flags: "k"},
		{in: "MN\r\n", code: MetaMN},
		{in: "ME foo exp=-1 la=1 cas=2 fetch=no cls=1 size=63\r\n", code: MetaME, key: "foo", text: "exp=-1 la=1 cas=2 fetch=no cls=1 size=63"},
		{in: "ERROR\r\n", code: MetaError},
		{in: "CLIENT_ERROR bad command line format\r\n", code: MetaClientError, text: "bad command line format"},
		{in: "SERVER_ERROR out of memory\r\n", code: MetaServerError, text: "out of memory"},
		{in: "STORED\r\n", err: errBad},
		{in: "VA x\r\n", err: errBad},
		{in: "VA -1\r\n", err: errBad},
		{in: "VA 3\r\nbarXY", err: errBad},
	} {
		var r MetaResponse
		n, err := ParseMetaResponse([]byte(c.in), &r)
		if c.err != nil {
			if (c.err == errBad && (err == nil || err == ErrIncomplete)) || (c.err != errBad && err != c.err) {
				t.Errorf("%q: err %v, want %v", c.in, err, c.err)
			}
			continue
		}
		want := c.n
		if want == 0 {
			want = len(c.in)
		}
		var flags []string
		for _, f := range r.Flags {
			flags = append(flags, string(f.Flag)+string(f.Token))
		}
		if err != nil || n != want || r.Code != c.code || strings.Join(flags, ",") != c.flags ||
			string(r.Value) != c.value || string(r.Text) != c.text || string(r.Key) != c.key {
			t.Errorf("%q: n=%d err=%v %+v", c.in, n, err, r)
		}
	}
	var r MetaResponse
	if _, err := ParseMetaResponse([]byte("HD c5 O1\r\n"), &r); err != nil {
		t.Fatal(err)
	}
	if tok, ok := r.Flag('c'); !ok || string(tok) != "5" {
		t.Errorf("Flag c: %q %v", tok, ok)
	}
	if _, ok := r.Flag('k'); ok {
		t.Error("Flag k present")
	}
	if MetaCode(200).String() != "" || MetaEX.String() != "EX" {
		t.Error("MetaCode.String")
	}
}

// errBad stands for any error other than ErrIncomplete in the table above.
var errBad = &Error{Reply: "any"}

// TestMetaClientDifferential sends requests built by AppendMetaRequest to
// memcached and reads the replies with ParseMetaResponse.
func TestMetaClientDifferential(t *testing.T) {
	srv := startMemcached(t)
	conn := srv.Dial(t)
	fl := func(c byte, tok string) MetaFlag { return MetaFlag{Flag: c, Token: []byte(tok)} }
	bin := []byte{0, 1, 2, ' ', '\r', '\n', 0xff}
	var req []byte
	req = AppendMetaRequest(req, CmdMetaSet, bin, []MetaFlag{fl('b', ""), fl('F', "9"), fl('c', "")}, []byte("x y\r\nz"))
	req = AppendMetaRequest(req, CmdMetaGet, bin, []MetaFlag{fl('b', ""), fl('v', ""), fl('k', ""), fl('f', ""), fl('O', "7")}, nil)
	req = AppendMetaRequest(req, CmdMetaArithmetic, []byte("n"), []MetaFlag{fl('N', "0"), fl('J', "41"), fl('v', "")}, nil)
	req = AppendMetaRequest(req, CmdMetaArithmetic, []byte("n"), []MetaFlag{fl('v', "")}, nil)
	req = AppendMetaRequest(req, CmdMetaDelete, bin, []MetaFlag{fl('b', ""), fl('q', "")}, nil)
	req = AppendMetaRequest(req, CmdMetaGet, bin, []MetaFlag{fl('b', ""), fl('k', "")}, nil)
	req = AppendMetaRequest(req, CmdMetaNoop, nil, nil, nil)
	got := []byte(exchange(t, conn, string(req)))

	var r MetaResponse
	next := func(code MetaCode) {
		t.Helper()
		n, err := ParseMetaResponse(got, &r)
		if err != nil || r.Code != code {
			t.Fatalf("%q: %v %v, want %v", got, r.Code, err, code)
		}
		got = got[n:]
	}
	next(MetaHD)
	if c, ok := r.Flag('c'); !ok || len(c) == 0 {
		t.Errorf("ms c: %q", c)
	}
	next(MetaVA)
	if string(r.Value) != "x y\r\nz" {
		t.Errorf("value %q", r.Value)
	}
	if key, ok := r.AppendKey(nil); !ok || string(key) != string(bin) {
		t.Errorf("k decodes to %q %v", key, ok)
	}
	if f, _ := r.Flag('f'); string(f) != "9" {
		t.Errorf("f %q", f)
	}
	next(MetaVA)
	if string(r.Value) != "41" {
		t.Errorf("ma vivify %q", r.Value)
	}
	next(MetaVA)
	if string(r.Value) != "42" {
		t.Errorf("ma %q", r.Value)
	}
	next(MetaEN) // md q is quiet; the mg misses
	if key, ok := r.AppendKey(nil); !ok || string(key) != string(bin) {
		t.Errorf("EN k decodes to %q %v", key, ok)
	}
	next(MetaMN)
	if _, ok := r.AppendKey(nil); ok {
		t.Error("MN has a key")
	}
	if len(got) != 0 {
		t.Errorf("left over %q", got)
	}
}

// TestMetaDebugDifferential compares AppendMetaDebugReply with memcached's
// me replies, taking the numbers memcached reports as the input.
func TestMetaDebugDifferential(t *testing.T) {
	srv := startMemcached(t)
	conn := srv.Dial(t)
	got := exchange(t, conn, "ms foo 3\r\nabc\r\nms Zm9v 3 b\r\nxyz\r\nms YmFy 3 b\r\nxyz\r\nmg foo\r\n"+
		"me foo\r\nme Zm9v b\r\nme YmFy b\r\nme YmFy\r\n")
	if !strings.HasPrefix(got, "HD\r\nHD\r\nHD\r\nHD\r\n") {
		t.Fatalf("%q", got)
	}
	rest := []byte(got[len("HD\r\nHD\r\nHD\r\nHD\r\n"):])
	for _, c := range []struct {
		key    string
		binary bool
	}{{"foo", true}, {"foo", true}, {"bar", true}} { // ms Zm9v b replaced foo, now binary
		var r MetaResponse
		n, err := ParseMetaResponse(rest, &r)
		if err != nil || r.Code != MetaME {
			t.Fatalf("%q: %v %v", rest, r.Code, err)
		}
		var d MetaDebug
		var fetch string
		if _, err := fmt.Sscanf(string(r.Text), "exp=%d la=%d cas=%d fetch=%s cls=%d size=%d",
			&d.Exp, &d.LastAccess, &d.CAS, &fetch, &d.Class, &d.Size); err != nil {
			t.Fatalf("%q: %v", r.Text, err)
		}
		d.Fetched = fetch == "yes"
		if want := AppendMetaDebugReply(nil, []byte(c.key), c.binary, &d); string(want) != string(rest[:n]) {
			t.Errorf("memcached %q, ours %q", rest[:n], want)
		}
		rest = rest[n:]
	}
	if string(rest) != "EN\r\n" {
		t.Errorf("me YmFy without b: %q", rest)
	}
}
