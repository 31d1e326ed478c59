package memcachedtest

import (
	"strings"
	"testing"
)

func TestStartAndExchange(t *testing.T) {
	s := Start(t)
	if !strings.HasPrefix(s.Version, "memcached 1.6") {
		t.Logf("memcached version %q (tests target 1.6)", s.Version)
	}
	got := string(s.Exchange(t, []byte("set k 5 0 3\r\nabc\r\nget k\r\n"), 0))
	want := "STORED\r\nVALUE k 5 3\r\nabc\r\nEND\r\n"
	if got != want {
		t.Fatalf("reply %q, want %q", got, want)
	}
}
