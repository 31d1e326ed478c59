package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ratmemcache/ratmemcache/cli/internal/client"
)

type healthCmd struct {
	Quiet bool `short:"q" help:"Print nothing on success."`
	Write bool `help:"Also store, read back and delete a probe key (ratctl:health:<nanoseconds>, 60s TTL)."`
}

// Run checks every server: it must accept a connection, answer version
// and stats (and the probe with --write) within --timeout, and report
// accepting_conns 1 when it has that stat. The first failure ends it.
func (c *healthCmd) Run(g *Globals, e *env) error {
	for _, addr := range g.Servers {
		start := time.Now()
		conn, err := g.dial(addr)
		if err != nil {
			return fmt.Errorf("unhealthy: %w", err)
		}
		v, err := c.check(conn)
		conn.Close()
		if err != nil {
			return fmt.Errorf("unhealthy: %w", withAddr(err, addr))
		}
		if !c.Quiet {
			fmt.Fprintf(e.stdout, "%s: healthy (version %s, %s)\n", addr, v, roundDur(time.Since(start)))
		}
	}
	return nil
}

func (c *healthCmd) check(conn *client.Conn) (string, error) {
	v, err := conn.Version()
	if err != nil {
		return "", err
	}
	st, err := conn.Stats("")
	if err != nil {
		return "", err
	}
	for _, s := range st {
		if s.Name == "accepting_conns" && s.Value == "0" {
			return "", errors.New("not accepting connections (accepting_conns 0)")
		}
	}
	if c.Write {
		key := fmt.Sprintf("ratctl:health:%d", time.Now().UnixNano())
		want := []byte("ok")
		if err := conn.Set(&client.Item{Key: key, Value: want}, 60); err != nil {
			return "", fmt.Errorf("probe set: %w", err)
		}
		it, err := conn.Get(key)
		if err != nil {
			return "", fmt.Errorf("probe get: %w", err)
		}
		if string(it.Value) != string(want) {
			return "", fmt.Errorf("probe get: read back %q, stored %q", it.Value, want)
		}
		if err := conn.Delete(key); err != nil {
			return "", fmt.Errorf("probe delete: %w", err)
		}
	}
	return v, nil
}

// withAddr prefixes err with "addr: " unless the client already did.
func withAddr(err error, addr string) error {
	if strings.HasPrefix(err.Error(), addr+": ") {
		return err
	}
	return fmt.Errorf("%s: %w", addr, err)
}
