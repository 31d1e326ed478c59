package memproto

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/ratmemcache/ratmemcache/memproto/memcachedtest"
)

// simulate answers the requests in, as read by a Reader, the way a fresh
// memcached would: refused requests with their *Error replies, and the
// few commands the differential cases use with a tiny map store.
func simulate(t *testing.T, in []byte, version string) []byte {
	t.Helper()
	store := map[string][]byte{}
	flags := map[string]uint32{}
	r := NewReader(bufio.NewReaderSize(bytes.NewReader(in), 64), Limits{})
	var out []byte
	var req Request
	for {
		err := r.ReadRequest(&req)
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return out
		}
		var e *Error
		if errors.As(err, &e) {
			if !req.NoReply {
				out = e.AppendReply(out)
			}
			if e.Close {
				return out
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		var reply []byte
		switch req.Command {
		case CmdSet:
			store[string(req.Key)] = bytes.Clone(req.Value)
			flags[string(req.Key)] = req.Flags
			reply = []byte(ReplyStored)
		case CmdGet, CmdGat:
			for _, k := range req.Keys {
				if v, ok := store[string(k)]; ok {
					reply = AppendValue(reply, k, flags[string(k)], v)
				}
			}
			reply = append(reply, ReplyEnd...)
		case CmdDelete:
			if _, ok := store[string(req.Key)]; ok {
				delete(store, string(req.Key))
				reply = []byte(ReplyDeleted)
			} else {
				reply = []byte(ReplyNotFound)
			}
		case CmdIncr, CmdDecr, CmdTouch:
			if _, ok := store[string(req.Key)]; ok {
				t.Fatalf("simulate: %s on an existing key", req.Command)
			}
			reply = []byte(ReplyNotFound)
		case CmdVersion:
			reply = AppendVersionReply(nil, version)
		case CmdFlushAll, CmdVerbosity:
			clear(store)
			reply = []byte(ReplyOK)
		case CmdLruCrawler:
			reply = []byte(ReplyOK) // only tocrawl and sleep are used
		default:
			t.Fatalf("simulate: %s not simulated", req.Command)
		}
		if !req.NoReply {
			out = append(out, reply...)
		}
	}
}

// TestDifferentialErrors sends refused and odd requests to a real
// memcached and to the parser (through simulate) and compares the bytes
// that come back. Every case ends with a version request, so that a
// stream that fell out of step shows.
func TestDifferentialErrors(t *testing.T) {
	srv := memcachedtest.Start(t)
	version := strings.TrimPrefix(srv.Version, "memcached ")
	long := strings.Repeat("k", MaxKeyLength+1)
	big := strings.Repeat("v", 2<<20)
	cases := []string{
		"get " + long + "\r\n",
		// Not preceded by a set in the same exchange: memcached's error
		// path in a get drops every reply still queued on the
		// connection, including the STORED of a pipelined set.
		"get a " + long + "\r\n",
		"get " + strings.Repeat("k", MaxKeyLength) + "\r\n",
		"get\r\n",
		"gat 10\r\n",
		"gat x k\r\n",
		"set k 0 0 1\r\nxyz\r\n",
		"set k 0 0 1 noreply\r\nxyz\r\n",
		"set k 0 0 3\r\nabcXY",
		"set k 0 0 2097152\r\n" + big + "\r\n",
		"set k 0 0 2097152 noreply\r\n" + big + "\r\n",
		"set k x 0 1\r\na\r\n",
		"set k 0 0 -1\r\n",
		"set k 0 0 4294967297\r\nx\r\nget k\r\n",
		"set k 4294967297 0 1\r\nx\r\nget k\r\n",
		"set k 5\tjunk 0 1\r\nx\r\nget k\r\n",
		"set k +5 0 1\r\nx\r\nget k\r\n",
		"set a\tb 0 0 1\r\nx\r\nget a\tb\r\n",
		"set k 0 0 1 junk\r\nx\r\n",
		"set k 0 0\r\n",
		"set " + long + " 0 0 1\r\nx\r\n",
		"set " + long + " 0 0 1 noreply\r\nx\r\n",
		"cas k 0 0 1\r\n",
		"delete k 5\r\n",
		"delete k 5 noreply\r\n",
		"delete k 0\r\n",
		"delete k noreply x\r\n",
		"delete " + long + "\r\n",
		"incr k x\r\n",
		"incr k -1\r\n",
		"incr k 18446744073709551616\r\n",
		"incr k 1 noreply\r\n",
		"touch k x\r\n",
		"touch k\r\n",
		"flush_all x\r\n",
		"flush_all 1 2 3\r\n",
		"verbosity x\r\n",
		"verbosity\r\n",
		"cache_memlimit x\r\n",
		"lru_crawler sleep 2000000\r\n",
		"lru_crawler tocrawl x\r\n",
		"lru_crawler tocrawl 10\r\n",
		"lru_crawler foo\r\n",
		"lru_crawler\r\n",
		"bogus\r\n",
		"\r\n",
		"\n",
		"g\r\n",
		"mz k\r\n",
		"gx / HTTP/1.1\r\n",
		"GET / HTTP/1.1\r\n",
		"get a\x00b\r\n",
		"  get   a  \r\n",
		strings.Repeat("x", 3000),
	}
	for _, c := range cases {
		in := []byte(c + "version\r\n")
		if strings.HasPrefix(c, "xxx") {
			in = []byte(c) // no newline at all: the connection is closed
		}
		// A megabyte-sized request takes memcached a while to swallow on a
		// loaded machine: wait longer for its first reply byte.
		quiet := time.Duration(0)
		if len(in) > 64<<10 {
			quiet = 2 * time.Second
		}
		want := srv.Exchange(t, append([]byte("flush_all noreply\r\n"), in...), quiet)
		got := simulate(t, in, version)
		if !bytes.Equal(got, want) {
			name := c
			if len(name) > 80 {
				name = name[:80] + "..."
			}
			t.Errorf("%q:\nmemcached %q\nmemproto  %q", name, trunc(want), trunc(got))
		}
	}
}

func trunc(b []byte) []byte {
	if len(b) > 200 {
		return b[:200]
	}
	return b
}
