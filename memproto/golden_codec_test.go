package memproto_test

// The codec against memcached's own bytes: every request of the golden
// conversations parses to its end, and every reply memcached sent parses
// with the client-side response parsers.

import (
	"bytes"
	"errors"
	"path/filepath"
	"testing"

	"github.com/ratmemcache/ratmemcache/memproto"
	"github.com/ratmemcache/ratmemcache/memproto/golden"
)

func loadGolden(t *testing.T) []*golden.Conversation {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "golden", "*.golden"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	var convs []*golden.Conversation
	for _, f := range files {
		c, err := golden.Load(f)
		if err != nil {
			t.Fatal(err)
		}
		convs = append(convs, c)
	}
	return convs
}

func TestGoldenBinaryCodec(t *testing.T) {
	for _, c := range loadGolden(t) {
		if !c.Binary {
			continue
		}
		for _, e := range c.Exchanges {
			var req memproto.BinaryRequest
			for buf := e.Request; len(buf) > 0; {
				n, err := memproto.ParseBinaryRequest(buf, &req, memproto.Limits{})
				var be *memproto.BinaryError
				if errors.As(err, &be) && be.Close {
					if !e.Closed {
						t.Errorf("%s %s: parser closes where memcached did not: %v", c.Path, e.Name, err)
					}
					break
				}
				if errors.Is(err, memproto.ErrIncomplete) || n == 0 {
					t.Fatalf("%s %s: request does not parse to its end: %v (%d bytes left)", c.Path, e.Name, err, len(buf))
				}
				buf = buf[n:]
			}
			var resp memproto.BinaryResponse
			for buf := e.Reply; len(buf) > 0; {
				n, err := memproto.ParseBinaryResponse(buf, &resp)
				if err != nil {
					t.Fatalf("%s %s: memcached's reply does not parse: %v", c.Path, e.Name, err)
				}
				buf = buf[n:]
			}
		}
	}
}

func TestGoldenTextReplies(t *testing.T) {
	n := 0
	for _, c := range loadGolden(t) {
		if c.Binary || filepath.Base(c.Path) == "meta.golden" {
			continue // meta replies: see the meta codec tests
		}
		for _, e := range c.Exchanges {
			var resp memproto.Response
			for buf := e.Reply; len(buf) > 0; {
				k, err := memproto.ParseResponse(buf, &resp)
				if err != nil {
					t.Fatalf("%s %s: memcached's reply %q does not parse: %v", c.Path, e.Name, buf, err)
				}
				if resp.Kind == memproto.KindOther && !isMetaLine(resp.Line) {
					t.Errorf("%s %s: reply line %q not recognised", c.Path, e.Name, resp.Line)
				}
				buf = buf[k:]
				n++
			}
		}
	}
	if n < 100 {
		t.Fatalf("only %d reply lines checked", n)
	}
}

func isMetaLine(l []byte) bool {
	for _, p := range []string{"HD", "VA ", "EN", "NF", "NS", "EX", "MN", "ME "} {
		if bytes.HasPrefix(l, []byte(p)) {
			return true
		}
	}
	return false
}
