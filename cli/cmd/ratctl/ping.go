package main

import (
	"fmt"
	"time"

	"github.com/ratmemcache/ratmemcache/cli/internal/client"
)

type pingCmd struct {
	Count    int           `short:"c" default:"1" help:"Round trips per server (0: until interrupted)."`
	Interval time.Duration `short:"i" default:"1s" help:"Pause between round trips."`
}

func (c *pingCmd) handlesInterrupt() bool { return true }

// Run connects to every server and times "version" round trips on one
// connection; any failure ends it with the reason.
func (c *pingCmd) Run(g *Globals, e *env) error {
	for _, addr := range g.Servers {
		start := time.Now()
		conn, err := g.dial(addr)
		if err != nil {
			return err
		}
		dialed := time.Since(start)
		err = c.ping(conn, dialed, e)
		conn.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

func (c *pingCmd) ping(conn *client.Conn, dialed time.Duration, e *env) error {
	for i := 0; c.Count <= 0 || i < c.Count; i++ {
		if i > 0 {
			select {
			case <-e.ctx.Done():
				return nil
			case <-time.After(c.Interval):
			}
		}
		start := time.Now()
		v, err := conn.Version()
		if err != nil {
			return &opError{conn.Addr(), "version", err}
		}
		fmt.Fprintf(e.stdout, "%s: version %s, time=%s (connect %s)\n", conn.Addr(), v, roundDur(time.Since(start)), roundDur(dialed))
	}
	return nil
}

// roundDur rounds a latency for display.
func roundDur(d time.Duration) time.Duration {
	switch {
	case d < time.Millisecond:
		return d.Round(time.Microsecond)
	case d < time.Second:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Millisecond)
}
