package main

import (
	"context"
	"errors"
	"fmt"
	"time"
)

type watchCmd struct {
	Kinds    []string      `arg:"" optional:"" enum:"fetchers,mutations,evictions,connevents,sysevents,rawcmds" help:"What to log: fetchers (the default), mutations, evictions, connevents, sysevents, rawcmds."`
	Count    int           `short:"n" help:"Stop after this many lines (0: until interrupted)."`
	Duration time.Duration `short:"d" help:"Stop after this long (0: until interrupted)."`
}

func (c *watchCmd) handlesInterrupt() bool { return true }

// errEnough ends a watch that has printed --count lines.
var errEnough = errors.New("enough lines")

// Run streams the server's log lines (memcached's watch command) to
// stdout, one per event, until interrupted, --count lines or --duration.
func (c *watchCmd) Run(g *Globals, e *env) error {
	if len(g.Servers) != 1 {
		return fmt.Errorf("watch follows one server; %d given", len(g.Servers))
	}
	conn, err := g.dial(g.Servers[0])
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx := e.ctx
	if c.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.Duration)
		defer cancel()
	}
	n := 0
	err = conn.Watch(ctx, c.Kinds, func(line []byte) error {
		if _, err := fmt.Fprintf(e.stdout, "%s\n", line); err != nil {
			return err
		}
		if n++; c.Count > 0 && n >= c.Count {
			return errEnough
		}
		return nil
	})
	if errors.Is(err, errEnough) {
		return nil
	}
	if err != nil {
		return &opError{conn.Addr(), "watch", err}
	}
	return nil
}
