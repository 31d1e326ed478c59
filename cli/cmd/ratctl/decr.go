package main

import (
	"fmt"
)

type decrCmd struct {
	Key   string `arg:"" help:"Counter key (its value must be a decimal number)."`
	Delta uint64 `arg:"" optional:"" default:"1" help:"Amount to subtract (default 1); the counter stops at 0."`
}

func (c *decrCmd) Run(g *Globals, e *env) error {
	conn, err := g.one("decr")
	if err != nil {
		return err
	}
	defer conn.Close()
	n, err := conn.Decr(c.Key, c.Delta)
	if err != nil {
		return fmt.Errorf("decr %q: %w", c.Key, err)
	}
	fmt.Fprintln(e.stdout, n)
	return nil
}
