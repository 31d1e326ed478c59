package main

import (
	"net"
	"regexp"
	"strings"
	"testing"
	"time"
)

// ratctl watch against memcached and ratmemcached: the lines of a store
// and a fetch made by another client, then --count ends it.
func TestWatch(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			done := make(chan result, 1)
			go func() { done <- ratctlExec(t, b.addr, "", "watch", "mutations", "fetchers", "-n", "3", "-d", "20s") }()
			// Give the watcher time to start, then store and read.
			time.Sleep(500 * time.Millisecond)
			c, err := net.Dial("tcp", b.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if _, err := c.Write([]byte("set wk 0 0 2\r\nhi\r\nget wk\r\n")); err != nil {
				t.Fatal(err)
			}
			r := must(t, <-done)
			lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
			want := []string{
				`type=item_get key=wk status=not_found`,
				`type=item_store key=wk status=stored cmd=set ttl=0 clsid=\d+ cfd=\d+ size=2$`,
				`type=item_get key=wk status=found clsid=\d+ cfd=\d+ size=2$`,
			}
			if len(lines) != len(want) {
				t.Fatalf("watch printed %d lines, want 3:\n%s", len(lines), r.stdout)
			}
			for i, l := range lines {
				if !regexp.MustCompile(`^ts=\d+\.\d+ gid=\d+ ` + want[i]).MatchString(l) {
					t.Errorf("line %d: %q, want %s", i, l, want[i])
				}
			}
		})
	}
	// --duration ends a quiet watch without an error.
	r := must(t, ratctlExec(t, startRatmemcached(t), "", "watch", "evictions", "-d", "300ms"))
	if r.stdout != "" {
		t.Errorf("a quiet watch printed %q", r.stdout)
	}
	wantError(t, ratctlExec(t, startRatmemcached(t, "-W"), "", "watch"), exitError, "watch commands not allowed")
}
