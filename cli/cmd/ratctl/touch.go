package main

import (
	"errors"
	"fmt"

	"github.com/ratmemcache/ratmemcache/cli/internal/client"
)

type touchCmd struct {
	Keys []string `arg:"" name:"key" help:"Keys to touch."`
	TTL  seconds  `name:"ttl" short:"t" required:"" help:"New lifetime: seconds or a duration (90, 1h30m); 0 never expires."`
}

func (c *touchCmd) Run(g *Globals, e *env) error {
	conn, err := g.one("touch")
	if err != nil {
		return err
	}
	defer conn.Close()
	now, err := serverNow(conn, int64(c.TTL))
	if err != nil {
		return err
	}
	var missing []string
	for _, k := range c.Keys {
		err := conn.Touch(k, exptime(int64(c.TTL), now))
		switch {
		case errors.Is(err, client.ErrNotFound):
			missing = append(missing, k)
		case err != nil:
			return fmt.Errorf("touch %q: %w", k, err)
		default:
			fmt.Fprintf(e.stdout, "TOUCHED %s\n", k)
		}
	}
	return notFound("touch", missing)
}
