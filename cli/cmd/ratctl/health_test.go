package main

import (
	"net"
	"strings"
	"testing"
)

func TestHealth(t *testing.T) {
	bs := backends(t)
	for _, b := range bs {
		t.Run(b.name, func(t *testing.T) {
			r := must(t, ratctlExec(t, b.addr, "", "health"))
			if !strings.HasPrefix(r.stdout, b.addr+": healthy (version 1.6") {
				t.Errorf("health: %q", r.stdout)
			}
			r = must(t, ratctl(t, b.addr, "", "health", "--quiet", "--write"))
			if r.stdout != "" {
				t.Errorf("health --quiet: %q", r.stdout)
			}
			// The probe key is gone.
			if r := must(t, ratctl(t, b.addr, "", "keys", "--match", "ratctl:health:*")); r.stdout != "" {
				t.Errorf("probe key left behind: %q", r.stdout)
			}
		})
	}
	must(t, ratctl(t, "", "", "-s", bs[0].addr, "-s", bs[1].addr, "health"))

	wantError(t, ratctlExec(t, "127.0.0.1:1", "", "health"), exitError, "unhealthy: 127.0.0.1:1: connection refused")
	// One dead server makes the whole check fail.
	wantError(t, ratctl(t, "", "", "-s", bs[0].addr, "-s", "127.0.0.1:1", "health"), exitError, "unhealthy")

	// A server that accepts connections and never answers.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	wantError(t, ratctlExec(t, "", "", "-s", l.Addr().String(), "--timeout", "100ms", "health"), exitError, "timed out after 100ms")
	// One that answers garbage.
	l2, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	go func() {
		for {
			c, err := l2.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("HELLO THERE\r\n"))
			c.Close()
		}
	}()
	wantError(t, ratctl(t, l2.Addr().String(), "", "health"), exitError, "unhealthy")
}
