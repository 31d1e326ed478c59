package server_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/ratmemcache/ratmemcache/memproto/golden"
	"github.com/ratmemcache/ratmemcache/memproto/memcachedtest"
	"github.com/ratmemcache/ratmemcache/server"
)

// textGen makes random text-protocol requests over a small key space, so
// that keys collide and every outcome (stored, not stored, exists, not
// found, non-numeric, expired) happens often.
type textGen struct{ r *rand.Rand }

func (g textGen) key() string {
	if g.r.IntN(50) == 0 {
		return strings.Repeat("k", 250+g.r.IntN(2)) // at and over the limit
	}
	return "k" + strconv.Itoa(g.r.IntN(6))
}

func (g textGen) value() string {
	switch g.r.IntN(4) {
	case 0:
		return strconv.FormatUint(g.r.Uint64N(1000), 10) // a number, for incr/decr
	case 1:
		return strconv.FormatUint(g.r.Uint64(), 10) // near the top, wraps
	case 2:
		return ""
	}
	const alphabet = "abcxyz 0123456789\x00\xff"
	b := make([]byte, g.r.IntN(12))
	for i := range b {
		b[i] = alphabet[g.r.IntN(len(alphabet))]
	}
	return string(b)
}

func (g textGen) exptime() string {
	return []string{"0", "0", "100", "-1", "2592000", "abc"}[g.r.IntN(6)]
}

func (g textGen) noreply() string {
	if g.r.IntN(5) == 0 {
		return " noreply"
	}
	return ""
}

func (g textGen) request() string {
	switch op := g.r.IntN(20); op {
	case 0, 1, 2, 3, 4:
		cmd := []string{"set", "add", "replace", "append", "prepend"}[op]
		v := g.value()
		n := len(v)
		tail := "\r\n"
		switch g.r.IntN(25) {
		case 0:
			v += "X" // one byte more than announced: bad data chunk
		case 1:
			tail = "\nX\r\n" // a bare "\n" where "\r\n" is due
		}
		return fmt.Sprintf("%s %s %d %s %d%s\r\n%s%s", cmd, g.key(), g.r.Uint32N(70000), g.exptime(), n, g.noreply(), v, tail)
	case 5:
		v := g.value()
		return fmt.Sprintf("cas %s %d 0 %d %d%s\r\n%s\r\n", g.key(), g.r.IntN(3), len(v), g.r.IntN(40), g.noreply(), v)
	case 6, 7, 8:
		keys := make([]string, 1+g.r.IntN(4))
		for i := range keys {
			keys[i] = g.key()
		}
		return []string{"get", "gets", "get"}[op-6] + " " + strings.Join(keys, " ") + "\r\n"
	case 9:
		return fmt.Sprintf("%s %s %s\r\n", []string{"gat", "gats"}[g.r.IntN(2)], g.exptime(), g.key())
	case 10:
		return "delete " + g.key() + g.noreply() + "\r\n"
	case 11, 12:
		delta := []string{"1", "5", "18446744073709551615", "-1", "x", "0"}[g.r.IntN(6)]
		return fmt.Sprintf("%s %s %s%s\r\n", []string{"incr", "decr"}[g.r.IntN(2)], g.key(), delta, g.noreply())
	case 13:
		return fmt.Sprintf("touch %s %s%s\r\n", g.key(), g.exptime(), g.noreply())
	case 14:
		if g.r.IntN(4) == 0 {
			return "flush_all" + g.noreply() + "\r\n"
		}
		return "get " + g.key() + "\r\n"
	case 15:
		return []string{"verbosity 1\r\n", "verbosity\r\n", "bogus command\r\n", "\r\n", "GET k0\r\n", "get\r\n"}[g.r.IntN(6)]
	case 16:
		// Malformed storage lines.
		return []string{"set k0 0 0\r\n", "set k0 x 0 1\r\n", "set k0 0 0 -1\r\n", "incr k0\r\n", "touch k0\r\n", "delete k0 0 noreply\r\n"}[g.r.IntN(6)]
	default:
		return "gets " + g.key() + " " + g.key() + "\r\n"
	}
}

// TestTextRandomDifferential sends the same random text requests, a few
// pipelined at a time, to memcached and to our server, and requires the
// same reply bytes — CAS values included, since both number every
// modification from 1. TEXT_SEED picks another sequence.
func TestTextRandomDifferential(t *testing.T) {
	seed := uint64(1)
	if s := os.Getenv("TEXT_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	g := textGen{rand.New(rand.NewPCG(seed, seed^0x5eed))}
	conv := &golden.Conversation{}
	requests := 0
	long := strings.Repeat("k", 251)
	for i := range 400 {
		e := &golden.Exchange{Name: "random " + strconv.Itoa(i)}
		for range 1 + g.r.IntN(4) {
			req := g.request()
			if strings.HasPrefix(req, "g") && strings.Contains(req, long) {
				// Intended difference (docs/protocol.md): when a retrieval
				// fails on a key over 250 bytes, memcached sometimes drops
				// replies to requests pipelined before it in the same read;
				// we always send them. Such a request goes alone.
				conv.Exchanges = append(conv.Exchanges, &golden.Exchange{Name: e.Name + " long key", Request: []byte(req)})
				requests++
				continue
			}
			e.Request = append(e.Request, req...)
			requests++
		}
		if len(e.Request) > 0 {
			conv.Exchanges = append(conv.Exchanges, e)
		}
	}
	mc := memcachedtest.Start(t)
	if err := conv.Record(mc.Addr); err != nil {
		t.Fatalf("recording from memcached: %v", err)
	}
	addr, _ := startServer(t, &server.Server{}, nil)
	diffs := conv.Replay(addr)
	for i, d := range diffs {
		if i == 10 {
			t.Errorf("... and %d more differences", len(diffs)-10)
			break
		}
		t.Error(d)
	}
	t.Logf("%d requests in %d exchanges, seed %d", requests, len(conv.Exchanges), seed)
}
