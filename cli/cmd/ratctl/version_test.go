package main

import (
	"strings"
	"testing"
)

func TestVersion(t *testing.T) {
	bs := backends(t)
	for _, b := range bs {
		t.Run(b.name, func(t *testing.T) {
			r := must(t, ratctlExec(t, b.addr, "", "version"))
			if !strings.HasPrefix(r.stdout, b.addr+"\t1.6.") {
				t.Errorf("version: %q", r.stdout)
			}
		})
	}
	r := must(t, ratctlExec(t, "", "", "-s", bs[0].addr, "-s", bs[1].addr, "version"))
	if strings.Count(r.stdout, "\n") != 2 {
		t.Errorf("version of two servers: %q", r.stdout)
	}
}
