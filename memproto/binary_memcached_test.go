package memproto

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ratmemcache/ratmemcache/memproto/memcachedtest"
)

// binStep is one request of a differential test and the reply this
// package's server-side encoders produce for it (nil: no reply).
type binStep struct {
	req  []byte
	want []byte
}

// maskCAS zeroes the CAS field of every response in b, which must hold
// whole responses, and reports an error if it does not.
func maskCAS(b []byte) ([]byte, error) {
	out := append([]byte(nil), b...)
	for rest := out; len(rest) > 0; {
		var r BinaryResponse
		n, err := ParseBinaryResponse(rest, &r)
		if err != nil {
			return out, err
		}
		clear(rest[16:24])
		rest = rest[n:]
	}
	return out, nil
}

// exchangeBinary sends frames on a new connection and returns the reply
// bytes: up to and including the answer to a trailing Noop with opaque
// 0xfeedface, or everything until the server closes the connection.
func exchangeBinary(t *testing.T, srv *memcachedtest.Server, frames []byte, expectClose bool) []byte {
	t.Helper()
	c := srv.Dial(t)
	if !expectClose {
		frames = AppendBinaryNoop(frames, 0xfeedface)
	}
	if _, err := c.Write(frames); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	// The raw bytes are kept and returned; the reader only frames them.
	var raw bytes.Buffer
	rr := NewBinaryResponseReader(bufio.NewReader(io.TeeReader(c, &raw)), Limits{})
	var resp BinaryResponse
	total := 0
	out := func() []byte { return raw.Bytes()[:total] }
	for {
		err := rr.ReadResponse(&resp)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("timeout; got %q", out())
			}
			if expectClose && (err == io.EOF || errors.Is(err, net.ErrClosed) || strings.Contains(err.Error(), "reset")) {
				if raw.Len() != total {
					t.Fatalf("partial response before close: %q", raw.Bytes())
				}
				return out()
			}
			t.Fatalf("read: %v; got %q", err, out())
		}
		if !expectClose && resp.Header.Opcode == BinaryOpNoop && resp.Header.Opaque == 0xfeedface {
			return out()
		}
		total += BinaryHeaderLen + int(resp.Header.BodyLength)
	}
}

// runBinarySteps sends the steps as one pipeline and compares memcached's
// reply with the concatenated expectations, CAS values masked. Every
// request must also parse with ParseBinaryRequest.
func runBinarySteps(t *testing.T, srv *memcachedtest.Server, steps []binStep) {
	t.Helper()
	var frames, want []byte
	for i, s := range steps {
		var req BinaryRequest
		n, err := ParseBinaryRequest(s.req, &req, Limits{MaxItemSize: 1024})
		if err != nil || n != len(s.req) {
			t.Fatalf("step %d (%v): our parser: n, err = %d, %v", i, req.Header.Opcode, n, err)
		}
		frames = append(frames, s.req...)
		want = append(want, s.want...)
	}
	got := exchangeBinary(t, srv, frames, false)
	gotM, err := maskCAS(got)
	if err != nil {
		t.Fatalf("memcached reply: %v", err)
	}
	wantM, err := maskCAS(want)
	if err != nil {
		t.Fatalf("expected reply: %v", err)
	}
	if !bytes.Equal(gotM, wantM) {
		t.Errorf("replies differ\nmemcached: %s\nours:      %s", describeResponses(gotM), describeResponses(wantM))
	}
}

func describeResponses(b []byte) string {
	var sb strings.Builder
	for len(b) > 0 {
		var r BinaryResponse
		n, err := ParseBinaryResponse(b, &r)
		if err != nil {
			sb.WriteString("<" + err.Error() + ">")
			break
		}
		sb.WriteString("\n  " + r.Header.Opcode.String() + " " + r.Status().String() + " ext=" + string(r.Extras) + " key=" + string(r.Key) + " val=" + string(r.Value))
		b = b[n:]
	}
	return sb.String()
}

func TestBinaryDifferential(t *testing.T) {
	srv := memcachedtest.Start(t, "-I", "1k", "-o", "slab_chunk_max=512", "-m", "64")
	k, k2, miss := []byte("k"), []byte("k2"), []byte("nokey")
	v := []byte("value")
	const op = 0x01020304
	ok := func(o BinaryOpcode) []byte { return AppendBinaryOK(nil, o, op, 0) }
	e := func(o BinaryOpcode, s BinaryStatus) []byte { return AppendBinaryError(nil, o, op, s) }
	hit := func(o BinaryOpcode, flags uint32, key, val []byte) []byte {
		return AppendBinaryGetResponse(nil, o, op, 0, flags, key, val)
	}
	counter := func(o BinaryOpcode, n uint64) []byte { return AppendBinaryCounterResponse(nil, o, op, 0, n) }

	t.Run("Get", func(t *testing.T) {
		runBinarySteps(t, srv, []binStep{
			{AppendBinaryFlush(nil, BinaryOpFlush, op, 0), ok(BinaryOpFlush)},
			{AppendBinarySet(nil, BinaryOpSet, op, 0, k, 7, 0, v), ok(BinaryOpSet)},
			{AppendBinaryGet(nil, BinaryOpGet, op, k), hit(BinaryOpGet, 7, k, v)},
			{AppendBinaryGet(nil, BinaryOpGetK, op, k), hit(BinaryOpGetK, 7, k, v)},
			{AppendBinaryGet(nil, BinaryOpGetQ, op, k), hit(BinaryOpGetQ, 7, k, v)},
			{AppendBinaryGet(nil, BinaryOpGetKQ, op, k), hit(BinaryOpGetKQ, 7, k, v)},
			{AppendBinaryGet(nil, BinaryOpGet, op, miss), AppendBinaryGetMiss(nil, BinaryOpGet, op, miss)},
			{AppendBinaryGet(nil, BinaryOpGetK, op, miss), AppendBinaryGetMiss(nil, BinaryOpGetK, op, miss)},
			{AppendBinaryGet(nil, BinaryOpGetQ, op, miss), AppendBinaryGetMiss(nil, BinaryOpGetQ, op, miss)},
			{AppendBinaryGet(nil, BinaryOpGetKQ, op, miss), AppendBinaryGetMiss(nil, BinaryOpGetKQ, op, miss)},
		})
	})
	t.Run("Store", func(t *testing.T) {
		runBinarySteps(t, srv, []binStep{
			{AppendBinaryFlush(nil, BinaryOpFlushQ, op, 0), nil},
			{AppendBinarySet(nil, BinaryOpSetQ, op, 0, k, 1, 0, v), nil},
			{AppendBinarySet(nil, BinaryOpAdd, op, 0, k, 1, 0, v), e(BinaryOpAdd, BinaryStatusKeyExists)},
			{AppendBinarySet(nil, BinaryOpAddQ, op, 0, k, 1, 0, v), e(BinaryOpAddQ, BinaryStatusKeyExists)},
			{AppendBinarySet(nil, BinaryOpAdd, op, 0, k2, 2, 0, v), ok(BinaryOpAdd)},
			{AppendBinarySet(nil, BinaryOpReplace, op, 0, miss, 1, 0, v), e(BinaryOpReplace, BinaryStatusKeyNotFound)},
			{AppendBinarySet(nil, BinaryOpReplaceQ, op, 0, k2, 3, 0, []byte("v2")), nil},
			{AppendBinarySet(nil, BinaryOpSet, op, 12345678, k2, 3, 0, v), e(BinaryOpSet, BinaryStatusKeyExists)},
			{AppendBinarySet(nil, BinaryOpSet, op, 12345678, miss, 3, 0, v), e(BinaryOpSet, BinaryStatusKeyNotFound)},
			{AppendBinaryAppend(nil, BinaryOpAppend, op, 0, k2, []byte(">")), ok(BinaryOpAppend)},
			{AppendBinaryAppend(nil, BinaryOpPrependQ, op, 0, k2, []byte("<")), nil},
			{AppendBinaryAppend(nil, BinaryOpAppendQ, op, 0, miss, []byte("x")), e(BinaryOpAppendQ, BinaryStatusItemNotStored)},
			{AppendBinaryAppend(nil, BinaryOpPrepend, op, 0, miss, []byte("x")), e(BinaryOpPrepend, BinaryStatusItemNotStored)},
			{AppendBinaryGet(nil, BinaryOpGetK, op, k2), hit(BinaryOpGetK, 3, k2, []byte("<v2>"))},
			{AppendBinarySet(nil, BinaryOpSet, op, 0, k, 9, 0, nil), ok(BinaryOpSet)},
			{AppendBinaryGet(nil, BinaryOpGet, op, k), hit(BinaryOpGet, 9, k, nil)},
		})
	})
	t.Run("Delete", func(t *testing.T) {
		runBinarySteps(t, srv, []binStep{
			{AppendBinarySet(nil, BinaryOpSet, op, 0, k, 1, 0, v), ok(BinaryOpSet)},
			{AppendBinarySet(nil, BinaryOpSet, op, 0, k2, 1, 0, v), ok(BinaryOpSet)},
			{AppendBinaryDelete(nil, BinaryOpDelete, op, 0, k), ok(BinaryOpDelete)},
			{AppendBinaryDelete(nil, BinaryOpDelete, op, 0, k), e(BinaryOpDelete, BinaryStatusKeyNotFound)},
			{AppendBinaryDelete(nil, BinaryOpDeleteQ, op, 0, k2), nil},
			{AppendBinaryDelete(nil, BinaryOpDeleteQ, op, 0, k2), e(BinaryOpDeleteQ, BinaryStatusKeyNotFound)},
		})
	})
	t.Run("Counter", func(t *testing.T) {
		n := []byte("n")
		runBinarySteps(t, srv, []binStep{
			{AppendBinaryDelete(nil, BinaryOpDeleteQ, op, 0, n), e(BinaryOpDeleteQ, BinaryStatusKeyNotFound)},
			{AppendBinaryIncr(nil, BinaryOpIncrement, op, 0, n, 1, 10, BinaryIncrNoCreate), e(BinaryOpIncrement, BinaryStatusKeyNotFound)},
			{AppendBinaryIncr(nil, BinaryOpIncrement, op, 0, n, 1, 10, 0), counter(BinaryOpIncrement, 10)},
			{AppendBinaryIncr(nil, BinaryOpIncrement, op, 0, n, 5, 10, 0), counter(BinaryOpIncrement, 15)},
			{AppendBinaryIncr(nil, BinaryOpIncrementQ, op, 0, n, 5, 10, 0), nil},
			{AppendBinaryIncr(nil, BinaryOpDecrement, op, 0, n, 3, 10, 0), counter(BinaryOpDecrement, 17)},
			{AppendBinaryIncr(nil, BinaryOpDecrementQ, op, 0, n, 100, 10, 0), nil},
			{AppendBinaryIncr(nil, BinaryOpDecrement, op, 0, n, 1, 10, 0), counter(BinaryOpDecrement, 0)},
			{AppendBinarySet(nil, BinaryOpSetQ, op, 0, k2, 0, 0, v), nil},
			{AppendBinaryIncr(nil, BinaryOpIncrement, op, 0, k2, 1, 10, 0), e(BinaryOpIncrement, BinaryStatusNonNumeric)},
			{AppendBinaryIncr(nil, BinaryOpIncrementQ, op, 0, k2, 1, 10, 0), e(BinaryOpIncrementQ, BinaryStatusNonNumeric)},
		})
	})
	t.Run("Touch", func(t *testing.T) {
		runBinarySteps(t, srv, []binStep{
			{AppendBinarySet(nil, BinaryOpSet, op, 0, k, 4, 0, v), ok(BinaryOpSet)},
			{AppendBinaryTouch(nil, BinaryOpTouch, op, k, 100), hit(BinaryOpTouch, 4, k, v)},
			{AppendBinaryTouch(nil, BinaryOpGAT, op, k, 100), hit(BinaryOpGAT, 4, k, v)},
			{AppendBinaryTouch(nil, BinaryOpGATQ, op, k, 100), hit(BinaryOpGATQ, 4, k, v)},
			{AppendBinaryTouch(nil, BinaryOpGATK, op, k, 100), hit(BinaryOpGATK, 4, k, v)},
			{AppendBinaryTouch(nil, BinaryOpGATKQ, op, k, 100), hit(BinaryOpGATKQ, 4, k, v)},
			{AppendBinaryTouch(nil, BinaryOpTouch, op, miss, 100), AppendBinaryGetMiss(nil, BinaryOpTouch, op, miss)},
			{AppendBinaryTouch(nil, BinaryOpGAT, op, miss, 100), AppendBinaryGetMiss(nil, BinaryOpGAT, op, miss)},
			{AppendBinaryTouch(nil, BinaryOpGATK, op, miss, 100), AppendBinaryGetMiss(nil, BinaryOpGATK, op, miss)},
			{AppendBinaryTouch(nil, BinaryOpGATQ, op, miss, 100), nil},
			{AppendBinaryTouch(nil, BinaryOpGATKQ, op, miss, 100), nil},
		})
	})
	t.Run("Admin", func(t *testing.T) {
		version := strings.TrimPrefix(srv.Version, "memcached ")
		runBinarySteps(t, srv, []binStep{
			{AppendBinaryVersion(nil, op), AppendBinaryVersionResponse(nil, op, version)},
			{AppendBinaryNoop(nil, op), ok(BinaryOpNoop)},
			{AppendBinarySet(nil, BinaryOpSet, op, 0, k, 4, 0, v), ok(BinaryOpSet)},
			{AppendBinaryFlush(nil, BinaryOpFlush, op, 0), ok(BinaryOpFlush)},
			{AppendBinaryGet(nil, BinaryOpGet, op, k), e(BinaryOpGet, BinaryStatusKeyNotFound)},
			{AppendBinaryFlush(nil, BinaryOpFlushQ, op, 0), nil},
			{AppendBinaryStat(nil, op, []byte("nosuchgroup")), e(BinaryOpStat, BinaryStatusKeyNotFound)},
		})
	})
	t.Run("Refused", func(t *testing.T) {
		// Requests memcached refuses without closing: our parser's error
		// reply must be memcached's, and the stream must stay in step.
		big := AppendBinarySet(nil, BinaryOpSet, op, 0, k, 1, 0, bytes.Repeat([]byte("x"), 2000))
		bigQ := AppendBinarySet(nil, BinaryOpSetQ, op, 0, k, 1, 0, bytes.Repeat([]byte("x"), 5000))
		unknown := rawReq(0x42, 0, 0, 3, 3)
		var frames, want []byte
		for _, f := range [][]byte{big, unknown, bigQ, AppendBinarySASLListMechs(nil, op), AppendBinarySASLPlain(nil, op, "u", "p"),
			AppendBinarySASLAuth(nil, BinaryOpSASLStep, op, []byte("PLAIN"), nil)} {
			var req BinaryRequest
			n, err := ParseBinaryRequest(f, &req, Limits{MaxItemSize: 1024})
			var be *BinaryError
			switch {
			case errors.As(err, &be):
				if be.Close || n+be.Swallow != len(f) {
					t.Fatalf("%v: n %d, %+v", req.Opcode(), n, be)
				}
				want = be.AppendReply(want, req.Header.Opcode, req.Header.Opaque)
			case err == nil:
				// SASL: parsed; a server without SASL answers like memcached
				// without -S.
				want = AppendBinaryError(want, req.Opcode(), req.Header.Opaque, BinaryStatusUnknownCommand)
			default:
				t.Fatalf("%v: %v", req.Opcode(), err)
			}
			frames = append(frames, f...)
		}
		got, err := maskCAS(exchangeBinary(t, srv, frames, false))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("replies differ (%v)\nmemcached: %s\nours:      %s", err, describeResponses(got), describeResponses(want))
		}
	})
	t.Run("Closing", func(t *testing.T) {
		// Requests after which memcached closes the connection.
		for _, c := range []struct {
			name  string
			frame []byte
		}{
			{"BadFraming", rawReq(BinaryOpGet, 0, 4, 3, 3)},
			{"KeyTooLong", AppendBinaryGet(nil, BinaryOpGet, op, bytes.Repeat([]byte("k"), 251))},
			{"GetWithExtras", rawReq(BinaryOpGet, 4, 1, 5, 5)},
			{"SetNoKey", rawReq(BinaryOpSet, 8, 0, 8, 8)},
			{"IncrWithValue", rawReq(BinaryOpIncrement, 20, 1, 22, 22)},
			{"NoopWithBody", rawReq(BinaryOpNoop, 0, 0, 2, 2)},
			{"FlushBadExtras", rawReq(BinaryOpFlush, 2, 0, 2, 2)},
		} {
			t.Run(c.name, func(t *testing.T) {
				var req BinaryRequest
				_, err := ParseBinaryRequest(c.frame, &req, Limits{})
				var be *BinaryError
				if !errors.As(err, &be) || !be.Close {
					t.Fatalf("our parser: %v", err)
				}
				want := be.AppendReply(nil, req.Header.Opcode, req.Header.Opaque)
				// Requests after the bad one must not be answered.
				frames := AppendBinaryNoop(append([]byte(nil), c.frame...), 1)
				got := exchangeBinary(t, srv, frames, true)
				if !bytes.Equal(got, want) {
					t.Errorf("memcached: %s\nours:      %s", describeResponses(got), describeResponses(want))
				}
			})
		}
		t.Run("BadMagic", func(t *testing.T) {
			// The first byte of a connection selects the protocol, so the
			// bad magic follows a good request; memcached answers that one,
			// then closes without a reply.
			bad := append([]byte{0x81}, AppendBinaryNoop(nil, 1)[1:]...)
			var req BinaryRequest
			if _, err := ParseBinaryRequest(bad, &req, Limits{}); err != ErrBinaryBadMagic {
				t.Fatalf("our parser: %v", err)
			}
			frames := AppendBinaryNoop(append(AppendBinaryNoop(nil, op), bad...), 2)
			if got := exchangeBinary(t, srv, frames, true); !bytes.Equal(got, ok(BinaryOpNoop)) {
				t.Errorf("memcached: %s", describeResponses(got))
			}
		})
		t.Run("Quit", func(t *testing.T) {
			frames := AppendBinaryNoop(AppendBinaryQuit(nil, BinaryOpQuit, op), 1)
			if got := exchangeBinary(t, srv, frames, true); !bytes.Equal(got, ok(BinaryOpQuit)) {
				t.Errorf("memcached: %s", describeResponses(got))
			}
			frames = AppendBinaryNoop(AppendBinaryQuit(nil, BinaryOpQuitQ, op), 1)
			if got := exchangeBinary(t, srv, frames, true); len(got) != 0 {
				t.Errorf("memcached: %s", describeResponses(got))
			}
		})
	})
}

// TestBinaryDifferentialSASL runs memcached with -S and the PLAIN
// mechanism. No user can authenticate (memcached's own password file,
// MEMCACHED_SASL_PWDB, is not compiled into Debian's build, and a sasldb
// needs saslpasswd2), so it checks the refusals and the mechanism list;
// the success answer ("Authenticated") follows proto_bin.c.
func TestBinaryDifferentialSASL(t *testing.T) {
	plugins, _ := filepath.Glob("/usr/lib/*/sasl2/libplain.so*")
	more, _ := filepath.Glob("/usr/lib/sasl2/libplain.so*")
	if len(plugins)+len(more) == 0 {
		t.Skip("no Cyrus SASL PLAIN plugin (libsasl2-modules): skipping")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "memcached.conf"), []byte("mech_list: plain\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SASL_CONF_PATH", dir)
	srv := startSASLMemcached(t)
	const op = 9
	k, v := []byte("k"), []byte("v")

	t.Run("Unauthenticated", func(t *testing.T) {
		for _, f := range [][]byte{
			AppendBinaryGet(nil, BinaryOpGet, op, k),
			AppendBinarySet(nil, BinaryOpSetQ, op, 0, k, 0, 0, v),
			AppendBinaryNoop(nil, op),
		} {
			got := exchangeBinary(t, srv, AppendBinaryNoop(f, 1), true)
			if want := AppendBinaryError(nil, BinaryOpcode(f[1]), op, BinaryStatusAuthError); !bytes.Equal(got, want) {
				t.Errorf("memcached: %s\nours:      %s", describeResponses(got), describeResponses(want))
			}
		}
	})
	t.Run("Auth", func(t *testing.T) {
		runBinarySteps(t, srv, []binStep{
			{AppendBinaryVersion(nil, op), AppendBinaryVersionResponse(nil, op, strings.TrimPrefix(srv.Version, "memcached "))},
			{AppendBinarySASLListMechs(nil, op), AppendBinarySASLMechsResponse(nil, op, "PLAIN")},
			{AppendBinarySASLAuth(nil, BinaryOpSASLStep, op, []byte("PLAIN"), []byte("\x00user\x00secret")), AppendBinaryError(nil, BinaryOpSASLStep, op, BinaryStatusAuthError)},
			{AppendBinarySASLPlain(nil, op, "user", "wrong"), AppendBinaryError(nil, BinaryOpSASLAuth, op, BinaryStatusAuthError)},
			{AppendBinarySASLAuth(nil, BinaryOpSASLAuth, op, []byte("NOSUCHMECH"), []byte("x")), AppendBinaryError(nil, BinaryOpSASLAuth, op, BinaryStatusAuthError)},
		})
	})
}

// startSASLMemcached starts memcached with -S. memcachedtest.Start cannot:
// it waits for a text "version" reply, which memcached refuses to an
// unauthenticated client; this waits for a binary Version answer.
func startSASLMemcached(t *testing.T) *memcachedtest.Server {
	bin := memcachedtest.Binary()
	if bin == "" {
		if os.Getenv(memcachedtest.RequireEnv) != "" {
			t.Fatal("memcached not found")
		}
		t.Skip("memcached not found: skipping differential test")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	args := []string{"-S", "-l", "127.0.0.1", "-p", strconv.Itoa(port), "-U", "0", "-t", "1"}
	if os.Geteuid() == 0 {
		args = append(args, "-u", "root")
	}
	cmd := exec.Command(bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	addr := "127.0.0.1:" + strconv.Itoa(port)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			continue
		}
		_ = c.SetDeadline(time.Now().Add(time.Second))
		var resp BinaryResponse
		_, err = c.Write(AppendBinaryVersion(nil, 1))
		if err == nil {
			err = NewBinaryResponseReader(bufio.NewReader(c), Limits{}).ReadResponse(&resp)
		}
		c.Close()
		if err == nil && resp.Status() == BinaryStatusNoError {
			return &memcachedtest.Server{Addr: addr, Version: "memcached " + string(resp.Value)}
		}
	}
	t.Fatalf("memcached -S on %s not ready (stderr: %s)", addr, bytes.TrimSpace(stderr.Bytes()))
	return nil
}
