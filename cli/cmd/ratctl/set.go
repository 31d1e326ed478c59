package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/ratmemcache/ratmemcache/cli/internal/client"
)

type setCmd struct {
	Key   string  `arg:"" help:"Key to store."`
	Value *string `arg:"" optional:"" help:"The value; without it the value comes from --file or stdin."`
	File  string  `short:"f" placeholder:"FILE" help:"Read the value from FILE (- for stdin)."`
	Flags uint32  `help:"Client flags stored with the value."`
	TTL   seconds `name:"ttl" short:"t" help:"Lifetime: seconds or a duration (90, 1h30m); 0 never expires."`
}

func (c *setCmd) Run(g *Globals, e *env) error {
	if c.Value != nil && c.File != "" {
		return &codeError{exitUsage, errors.New("set: give the value as an argument or with --file, not both")}
	}
	var value []byte
	var err error
	switch {
	case c.Value != nil:
		value = []byte(*c.Value)
	case c.File != "" && c.File != "-":
		value, err = os.ReadFile(c.File)
	default:
		value, err = io.ReadAll(e.stdin)
	}
	if err != nil {
		return fmt.Errorf("set: reading the value: %w", err)
	}
	conn, err := g.one("set")
	if err != nil {
		return err
	}
	defer conn.Close()
	now, err := serverNow(conn, int64(c.TTL))
	if err != nil {
		return err
	}
	if err := conn.Set(&client.Item{Key: c.Key, Value: value, Flags: c.Flags}, exptime(int64(c.TTL), now)); err != nil {
		return fmt.Errorf("set %q: %w", c.Key, err)
	}
	fmt.Fprintln(e.stdout, "STORED")
	return nil
}

// serverNow returns the server's clock when ttl needs it (beyond 30 days
// memcached wants a Unix time), 0 otherwise.
func serverNow(conn *client.Conn, ttl int64) (int64, error) {
	if ttl <= maxRelativeTTL {
		return 0, nil
	}
	return conn.ServerTime()
}
