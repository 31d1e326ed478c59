package client

import (
	"bytes"
	"context"
	"errors"
	"time"
)

// ErrNoWatch is returned by Watch when the connection speaks the binary
// protocol, which has no watch command.
var ErrNoWatch = errors.New("watch needs the text protocol; this connection speaks binary")

// Watch sends "watch <kinds...>" (memcached 1.6's live log stream; no
// kinds means fetchers) and calls fn with every log line, without its
// newline, until ctx ends (then it returns nil), fn returns an error, or
// the connection fails. The connection is unusable afterwards.
func (c *Conn) Watch(ctx context.Context, kinds []string, fn func(line []byte) error) error {
	if c.bin != nil {
		return ErrNoWatch
	}
	c.buf = append(c.buf[:0], "watch"...)
	for _, k := range kinds {
		c.buf = append(append(c.buf, ' '), k...)
	}
	c.buf = append(c.buf, "\r\n"...)
	if err := c.send(); err != nil {
		return err
	}
	line, err := c.br.ReadSlice('\n')
	if err != nil {
		return c.wrap(err)
	}
	if reply := string(bytes.TrimRight(line, "\r\n")); reply != "OK" {
		return &ServerError{Reply: reply}
	}
	// The stream may stay quiet for long: no deadline; ending ctx closes
	// the connection to stop the read.
	_ = c.nc.SetDeadline(time.Time{})
	stop := context.AfterFunc(ctx, func() { _ = c.nc.Close() })
	defer stop()
	for {
		line, err := c.br.ReadSlice('\n')
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return c.wrap(err)
		}
		if err := fn(bytes.TrimRight(line, "\r\n")); err != nil {
			return err
		}
	}
}
