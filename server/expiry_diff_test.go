package server_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/ratmemcache/ratmemcache/memproto/memcachedtest"
	"github.com/ratmemcache/ratmemcache/server"
)

// Expiry and delayed flush_all against memcached, in real time: short
// TTLs and delays, the same requests to both servers at the same moments.
// Both count whole seconds on ticks of their own, so an exptime of n
// takes effect n-1 to n seconds later and a flush_all delay of n (which
// invalidates what was stored up to n-1) n-2 to n-1 seconds later: the
// checks stay clear of those windows.
func TestExpiryAndDelayedFlushAgainstMemcached(t *testing.T) {
	if testing.Short() {
		t.Skip("sleeps for a few seconds")
	}
	mc := memcachedtest.Start(t)
	addr, _ := startServer(t, &server.Server{}, nil)
	theirs, ours := mc.Dial(t), dialClient(t, addr).c
	step := func(req string) {
		t.Helper()
		want := memcachedtest.Exchange(t, theirs, []byte(req), 100*time.Millisecond)
		got := memcachedtest.Exchange(t, ours, []byte(req), 100*time.Millisecond)
		if !bytes.Equal(got, want) {
			t.Errorf("%q: got %q, memcached %q", req, got, want)
		}
	}
	step("set short 0 3 1\r\na\r\nset long 0 100 1\r\nb\r\nset never 0 0 1\r\nc\r\nset touched 0 3 1\r\nd\r\ntouch touched 100\r\n")
	step("flush_all 5\r\n")                  // due in 3 to 4 s: both count whole seconds
	step("get short long never touched\r\n") // all there: the flush is not due yet
	time.Sleep(5500 * time.Millisecond)
	step("get short long never touched\r\n")      // short expired; the flush took the rest
	step("set after 0 0 1\r\ne\r\nget after\r\n") // stored after the flush: stays
	step("set neg 0 -1 1\r\nf\r\nget neg\r\n")
}
