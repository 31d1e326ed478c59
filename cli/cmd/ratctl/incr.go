package main

import (
	"fmt"
)

type incrCmd struct {
	Key   string `arg:"" help:"Counter key (its value must be a decimal number)."`
	Delta uint64 `arg:"" optional:"" default:"1" help:"Amount to add (default 1)."`
}

func (c *incrCmd) Run(g *Globals, e *env) error {
	conn, err := g.one("incr")
	if err != nil {
		return err
	}
	defer conn.Close()
	n, err := conn.Incr(c.Key, c.Delta)
	if err != nil {
		return fmt.Errorf("incr %q: %w", c.Key, err)
	}
	fmt.Fprintln(e.stdout, n)
	return nil
}
