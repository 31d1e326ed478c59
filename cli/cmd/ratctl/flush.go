package main

import (
	"fmt"

	"github.com/ratmemcache/ratmemcache/cli/internal/client"
)

type flushCmd struct {
	Delay seconds `help:"Invalidate after this delay (seconds or a duration) instead of now."`
}

// Run flushes every --server.
func (c *flushCmd) Run(g *Globals, e *env) error {
	return g.each(func(conn *client.Conn) error {
		if err := conn.FlushAll(int64(c.Delay)); err != nil {
			return &opError{conn.Addr(), "flush_all", err}
		}
		if c.Delay > 0 {
			fmt.Fprintf(e.stdout, "%s: OK, flushing in %s\n", conn.Addr(), formatTTL(int64(c.Delay)))
		} else {
			fmt.Fprintf(e.stdout, "%s: OK\n", conn.Addr())
		}
		return nil
	})
}
