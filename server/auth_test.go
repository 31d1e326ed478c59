package server_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ratmemcache/ratmemcache/memproto"
	"github.com/ratmemcache/ratmemcache/memproto/memcachedtest"
	"github.com/ratmemcache/ratmemcache/server"
)

func TestParseAuthFile(t *testing.T) {
	a, err := server.ParseAuthFile([]byte("alice:s3cret\r\nbob:with:colon\n\ncarol:\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		user, pass string
		ok         bool
	}{
		{"alice", "s3cret", true},
		{"alice", "s3cret\r", false},
		{"bob", "with:colon", true},
		{"carol", "", true},
		{"alice", "wrong", false},
		{"dave", "", false},
	} {
		if got := a.Authenticate([]byte(c.user), []byte(c.pass)); got != c.ok {
			t.Errorf("Authenticate(%q, %q) = %v, want %v", c.user, c.pass, got, c.ok)
		}
	}
	if _, err := server.ParseAuthFile([]byte("alice:x\nnocolon\n")); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("malformed line: %v, want an error naming line 2", err)
	}
	if _, err := server.ParseAuthFile(nil); err == nil {
		t.Error("an empty auth file was accepted")
	}
	if _, err := server.LoadAuthFile(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("a missing auth file was accepted")
	}
}

func FuzzParseAuthFile(f *testing.F) {
	f.Add([]byte("user:pass\n"))
	f.Add([]byte("a:b\r\nc:d:e\n\n"))
	f.Add([]byte("nocolon"))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := server.ParseAuthFile(data)
		if err != nil {
			return
		}
		// Every parsed entry authenticates with exactly its password.
		for _, line := range bytes.Split(data, []byte("\n")) {
			line = bytes.TrimSuffix(line, []byte("\r"))
			i := bytes.IndexByte(line, ':')
			if i < 0 {
				continue
			}
			user := line[:i]
			// A later entry for the same user wins; check only the last.
			last := bytes.LastIndex(data, append(append([]byte{'\n'}, user...), ':'))
			if last >= 0 || bytes.Count(data, append(user, ':')) > 1 {
				continue
			}
			if !a.Authenticate(user, line[i+1:]) {
				t.Fatalf("entry %q does not authenticate", line)
			}
		}
	})
}

// The text-protocol login (memcached -Y) against memcached's own replies.
func TestTextAuthAgainstMemcached(t *testing.T) {
	path := filepath.Join(t.TempDir(), "auth")
	if err := os.WriteFile(path, []byte("user:secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	mc := memcachedtest.Start(t, "-Y", path)
	af, err := server.LoadAuthFile(path)
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := startServer(t, &server.Server{TextAuth: af}, nil)
	steps := []string{
		"get foo\r\n",
		"get foo\r\nget bar\r\n",
		"delete foo\r\n",
		"set auth 0 0 10\r\nuser wrong\r\n",
		"set auth 0 0 4\r\nuser\r\n",
		"set auth 0 0 11\r\nuser secretX\r\n",
		"set auth 0 0 11\r\nuser secret\r\n",
		"set k 0 0 1\r\nv\r\nget k\r\n",
	}
	theirs := mc.Dial(t)
	ours := dialClient(t, addr).c
	for _, step := range steps {
		want := memcachedtest.Exchange(t, theirs, []byte(step), 150*time.Millisecond)
		got := memcachedtest.Exchange(t, ours, []byte(step), 150*time.Millisecond)
		if !bytes.Equal(got, want) {
			t.Errorf("%q: got %q, memcached %q", step, got, want)
		}
	}
	st := dialClient(t, addr)
	st.send("set auth 0 0 11\r\nuser secret\r\n")
	st.until("STORED\r\n")
	m := st.stats("stats")
	if m["auth_cmds"] != "5" || m["auth_errors"] != "3" {
		t.Errorf("auth_cmds=%s auth_errors=%s, want 5 and 3 (one failure, one format error, one bad termination)", m["auth_cmds"], m["auth_errors"])
	}
}

// SASL PLAIN on the binary protocol (memcached -S). The expected replies
// are built with memproto's encoders, which memproto's differential tests
// check against memcached -S for the refusals.
func TestSASLPlain(t *testing.T) {
	af, _ := server.ParseAuthFile([]byte("user:secret\n"))
	addr, _ := startServer(t, &server.Server{SASL: af}, nil)

	exchange := func(c *client, req []byte, n int) []byte {
		t.Helper()
		if _, err := c.c.Write(req); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, n)
		if _, err := io.ReadFull(c.r, buf); err != nil {
			t.Fatalf("reading %d bytes: %v", n, err)
		}
		return buf
	}
	// Before login: Version works, other commands are refused and close.
	c := dialClient(t, addr)
	ver := memproto.AppendBinaryVersionResponse(nil, 1, server.DefaultVersion)
	if got := exchange(c, memproto.AppendBinaryVersion(nil, 1), len(ver)); !bytes.Equal(got, ver) {
		t.Fatalf("version before login: %x", got)
	}
	refused := memproto.AppendBinaryError(nil, memproto.BinaryOpGet, 2, memproto.BinaryStatusAuthError)
	if got := exchange(c, memproto.AppendBinaryGet(nil, memproto.BinaryOpGet, 2, []byte("k")), len(refused)); !bytes.Equal(got, refused) {
		t.Fatalf("get before login: %x, want %x", got, refused)
	}
	if _, err := c.r.ReadByte(); err == nil {
		t.Fatal("connection not closed after an unauthenticated command")
	}

	c = dialClient(t, addr)
	mechs := memproto.AppendBinarySASLMechsResponse(nil, 3, "PLAIN")
	if got := exchange(c, memproto.AppendBinarySASLListMechs(nil, 3), len(mechs)); !bytes.Equal(got, mechs) {
		t.Fatalf("list mechs: %q", got)
	}
	fail := memproto.AppendBinaryError(nil, memproto.BinaryOpSASLAuth, 4, memproto.BinaryStatusAuthError)
	if got := exchange(c, memproto.AppendBinarySASLPlain(nil, 4, "user", "wrong"), len(fail)); !bytes.Equal(got, fail) {
		t.Fatalf("wrong password: %x", got)
	}
	ok := memproto.AppendBinarySASLAuthResponse(nil, memproto.BinaryOpSASLAuth, 5, true, nil)
	if got := exchange(c, memproto.AppendBinarySASLPlain(nil, 5, "user", "secret"), len(ok)); !bytes.Equal(got, ok) {
		t.Fatalf("login: %q", got)
	}
	set := memproto.AppendBinarySet(nil, memproto.BinaryOpSet, 6, 0, []byte("k"), 0, 0, []byte("v"))
	if got := exchange(c, set, 24); got[7] != 0 || got[6] != 0 {
		t.Fatalf("set after login: %x", got)
	}

	// A text-protocol client of a SASL server is closed, as memcached
	// (bound to binary by -S) does.
	tc := dialClient(t, addr)
	tc.send("get k\r\n")
	if _, err := tc.r.ReadByte(); err == nil {
		t.Fatal("text client of a SASL server was answered")
	}
}
