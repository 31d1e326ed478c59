package main

import (
	"fmt"

	"github.com/ratmemcache/ratmemcache/cli/internal/client"
)

type versionCmd struct{}

// Run prints "<server>: <version>" for every --server.
func (c *versionCmd) Run(g *Globals, e *env) error {
	return g.each(func(conn *client.Conn) error {
		v, err := conn.Version()
		if err != nil {
			return &opError{conn.Addr(), "version", err}
		}
		fmt.Fprintf(e.stdout, "%s\t%s\n", conn.Addr(), v)
		return nil
	})
}
