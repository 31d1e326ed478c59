package main

import (
	"errors"
	"fmt"

	"github.com/ratmemcache/ratmemcache/cli/internal/client"
)

type deleteCmd struct {
	Keys []string `arg:"" name:"key" help:"Keys to delete."`
}

// Run deletes every key; a missing key is reported and makes the exit
// status 3, after the other keys are deleted.
func (c *deleteCmd) Run(g *Globals, e *env) error {
	conn, err := g.one("delete")
	if err != nil {
		return err
	}
	defer conn.Close()
	var missing []string
	for _, k := range c.Keys {
		err := conn.Delete(k)
		switch {
		case errors.Is(err, client.ErrNotFound):
			missing = append(missing, k)
		case err != nil:
			return fmt.Errorf("delete %q: %w", k, err)
		default:
			fmt.Fprintf(e.stdout, "DELETED %s\n", k)
		}
	}
	return notFound("delete", missing)
}

// notFound reports the keys a command did not find.
func notFound(cmd string, keys []string) error {
	switch len(keys) {
	case 0:
		return nil
	case 1:
		return fmt.Errorf("%s %q: %w", cmd, keys[0], client.ErrNotFound)
	}
	return fmt.Errorf("%s: %d keys %w: %q", cmd, len(keys), client.ErrNotFound, keys)
}
