package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"path"

	"github.com/ratmemcache/ratmemcache/cli/internal/client"
)

type keysCmd struct {
	Match string `short:"m" placeholder:"PATTERN" help:"Only keys matching this glob pattern (*, ?, [a-z]; see Go's path.Match)."`
	Limit int    `short:"l" help:"Stop after this many keys (0: all)."`
	JSON  bool   `name:"json" help:"Print one JSON object per key and line."`
}

// errLimit stops a metadump early.
var errLimit = errors.New("limit reached")

// Run lists the keys of every server with their size and expiry, from
// "lru_crawler metadump all". Sizes are the item's size in the server's
// memory; expiry is the remaining lifetime by the server's clock.
func (c *keysCmd) Run(g *Globals, e *env) error {
	if c.Match != "" {
		if _, err := path.Match(c.Match, ""); err != nil {
			return &codeError{exitUsage, fmt.Errorf("--match %q: %w", c.Match, err)}
		}
	}
	multi := len(g.Servers) > 1
	t := &table{header: []string{"KEY", "SIZE", "EXPIRES"}, right: map[int]bool{1: true, 2: true}}
	if multi {
		t.header = append(t.header, "SERVER")
	}
	enc := json.NewEncoder(e.stdout)
	n := 0
	err := g.each(func(conn *client.Conn) error {
		now, err := conn.ServerTime()
		if err != nil {
			return &opError{conn.Addr(), "stats", err}
		}
		err = conn.Metadump(func(mi client.MetaItem) error {
			if c.Match != "" {
				if ok, _ := path.Match(c.Match, mi.Key); !ok {
					return nil
				}
			}
			if c.Limit > 0 && n >= c.Limit {
				return errLimit
			}
			n++
			ttl := int64(0)
			if mi.Exp >= 0 {
				ttl = max(mi.Exp-now, 1)
			}
			if c.JSON {
				return enc.Encode(map[string]any{"key": mi.Key, "size": mi.Size, "ttl": ttl, "exp": mi.Exp, "class": mi.Class, "fetched": mi.Fetched, "server": conn.Addr()})
			}
			row := []string{mi.Key, formatBytes(float64(mi.Size)), formatTTL(ttl)}
			if multi {
				row = append(row, conn.Addr())
			}
			t.add(row...)
			return nil
		})
		if err != nil && !errors.Is(err, errLimit) {
			return &opError{conn.Addr(), "lru_crawler metadump", err}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if c.JSON {
		return nil
	}
	if n == 0 {
		fmt.Fprintln(e.stderr, "no keys")
		return nil
	}
	return t.write(e.stdout)
}
