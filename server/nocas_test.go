package server_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ratmemcache/ratmemcache/memproto"
	"github.com/ratmemcache/ratmemcache/memproto/golden"
	"github.com/ratmemcache/ratmemcache/memproto/memcachedtest"
	"github.com/ratmemcache/ratmemcache/server"
)

// TestDisableCASDifferential compares memcached -C (no CAS) with
// DisableCAS byte for byte: uniques reported as 0 by gets, gats, mg c and
// metadump; cas, ms with C, md with C, ma with C and append with C against
// items that have no unique; stats settings' cas_enabled.
func TestDisableCASDifferential(t *testing.T) {
	conv := &golden.Conversation{}
	for i, req := range []string{
		"set a 0 0 1\r\n1\r\ngets a\r\n",
		"cas a 0 0 1 0\r\n2\r\ngets a\r\n",
		"cas a 0 0 1 1\r\n3\r\ncas a 0 0 1 2\r\n3\r\ngets a\r\n",
		"cas missing 0 0 1 0\r\n3\r\ncas missing 0 0 1 7 noreply\r\n3\r\nget missing\r\n",
		"gats 100 a\r\ngat 0 a\r\n",
		"incr a 5\r\ngets a\r\nappend a 0 0 1\r\n9\r\ngets a\r\n",
		"mg a c v\r\nmg a c k t\r\n",
		"ms b 1 C0\r\nx\r\nms b 1 C7\r\ny\r\nmg b v c\r\n",
		"ms b 1 c\r\nx\r\nms b 1 C0 c\r\ny\r\nms b 1 C1 I\r\nz\r\nmg b v c\r\n",
		"ms b 1 MA C99\r\nq\r\nmg b v c\r\n",
		"ms n 2 c\r\n10\r\nma n C5\r\nma n C0 v c\r\nma n v c N0\r\n",
		"md b C5\r\nmg b v\r\nmd b C0 q\r\nmg b v\r\nmn\r\n",
	} {
		conv.Exchanges = append(conv.Exchanges, &golden.Exchange{Name: fmt.Sprint("nocas ", i), Request: []byte(req)})
	}
	mc := memcachedtest.Start(t, "-C")
	if err := conv.Record(mc.Addr); err != nil {
		t.Fatalf("recording from memcached: %v", err)
	}
	addr, _ := startServer(t, &server.Server{DisableCAS: true}, nil)
	for _, d := range conv.Replay(addr) {
		t.Error(d)
	}
	if got := dialClient(t, addr).stats("stats settings")["cas_enabled"]; got != "no" {
		t.Errorf("stats settings cas_enabled = %q, want no", got)
	}
	// metadump's la= differs between the two servers; its cas= does not.
	dump, _ := rawExchange(t, addr, []byte("lru_crawler metadump all\r\n"))
	if !strings.Contains(dump, "key=a ") || !strings.Contains(dump, " cas=0 ") || strings.Contains(dump, " cas=1") {
		t.Errorf("metadump under DisableCAS: %q, want cas=0 on every item", dump)
	}
}

// TestDisableCASBinaryDifferential: the binary protocol under -C: a zero
// CAS in every response, Set and Append ignoring the request's unique
// (memcached stores it in an item with no room for it), Delete with a
// unique never matching.
func TestDisableCASBinaryDifferential(t *testing.T) {
	req := func(op memproto.BinaryOpcode, key, val string, cas uint64) []byte {
		r := &memproto.BinaryRequest{Header: memproto.BinaryHeader{Opcode: op, CAS: cas}, Key: []byte(key), Value: []byte(val)}
		switch op {
		case memproto.BinaryOpSet, memproto.BinaryOpAdd, memproto.BinaryOpReplace:
			r.Extras = make([]byte, 8)
		case memproto.BinaryOpIncrement:
			r.Extras = []byte{0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
		}
		return memproto.AppendBinaryRequest(nil, r)
	}
	conv := &golden.Conversation{Binary: true}
	for i, r := range [][]byte{
		req(memproto.BinaryOpSet, "k", "v", 0),
		req(memproto.BinaryOpGetK, "k", "", 0),
		req(memproto.BinaryOpSet, "k", "w", 1),
		req(memproto.BinaryOpSet, "k", "w", 0xffffffffffffffff),
		req(memproto.BinaryOpSet, "nokey", "w", 1),
		req(memproto.BinaryOpAppend, "k", "x", 5),
		req(memproto.BinaryOpGet, "k", "", 0),
		req(memproto.BinaryOpDelete, "k", "", 3),
		req(memproto.BinaryOpSet, "n", "1", 0),
		req(memproto.BinaryOpIncrement, "n", "", 0),
		req(memproto.BinaryOpDelete, "k", "", 0),
		req(memproto.BinaryOpGet, "k", "", 0),
	} {
		conv.Exchanges = append(conv.Exchanges, &golden.Exchange{Name: fmt.Sprint("binary nocas ", i), Request: r})
	}
	mc := memcachedtest.Start(t, "-C")
	if err := conv.Record(mc.Addr); err != nil {
		t.Fatalf("recording from memcached: %v", err)
	}
	addr, _ := startServer(t, &server.Server{DisableCAS: true}, nil)
	for _, d := range conv.Replay(addr) {
		t.Error(d)
	}
}
