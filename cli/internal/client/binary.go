package client

import (
	"encoding/binary"
	"fmt"

	"github.com/ratmemcache/ratmemcache/memproto"
)

// The binary-protocol side of a Conn, used after SASL authentication.

// binRoundTrip sends one request from b and reads its response into
// c.bresp; a status other than NoError becomes an error.
func (c *Conn) binRoundTrip(b []byte) error {
	c.buf = b
	if err := c.send(); err != nil {
		return err
	}
	if err := c.binRead(); err != nil {
		return err
	}
	return c.binStatus()
}

func (c *Conn) binRead() error {
	if c.broken != nil {
		return c.broken
	}
	if err := c.bin.ReadResponse(&c.bresp); err != nil {
		return c.wrap(err)
	}
	return nil
}

func (c *Conn) binStatus() error {
	switch st := c.bresp.Status(); st {
	case memproto.BinaryStatusNoError:
		return nil
	case memproto.BinaryStatusKeyNotFound:
		return ErrNotFound
	case memproto.BinaryStatusKeyExists:
		return ErrExists
	case memproto.BinaryStatusItemNotStored:
		return ErrNotStored
	case memproto.BinaryStatusAuthError:
		return fmt.Errorf("%s: %w", c.addr, ErrAuth)
	default:
		return &ServerError{Reply: fmt.Sprintf("status 0x%02x %s", uint16(st), c.bresp.Value)}
	}
}

func (c *Conn) binSimple(b []byte) error { return c.binRoundTrip(b) }

func (c *Conn) saslPlain(user, pass string) error {
	err := c.binRoundTrip(memproto.AppendBinarySASLPlain(c.buf[:0], 0, user, pass))
	if err != nil {
		if _, ok := err.(*ServerError); ok || err == ErrNotFound {
			return fmt.Errorf("%s: %w (%v)", c.addr, ErrAuth, err)
		}
	}
	return err
}

func (c *Conn) binGet(key string) (*Item, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	if err := c.binRoundTrip(memproto.AppendBinaryGet(c.buf[:0], memproto.BinaryOpGet, 0, []byte(key))); err != nil {
		return nil, err
	}
	return &Item{Key: key, Value: append([]byte(nil), c.bresp.Value...), Flags: c.bresp.Flags, CAS: c.bresp.Header.CAS}, nil
}

func (c *Conn) binSet(it *Item, exptime int64) error {
	return c.binRoundTrip(memproto.AppendBinarySet(c.buf[:0], memproto.BinaryOpSet, 0, 0, []byte(it.Key), it.Flags, uint32(exptime), it.Value))
}

func (c *Conn) binArith(key string, delta uint64, incr bool) (uint64, error) {
	op := memproto.BinaryOpDecrement
	if incr {
		op = memproto.BinaryOpIncrement
	}
	// An exptime of all ones means "do not create a missing counter".
	if err := c.binRoundTrip(memproto.AppendBinaryIncr(c.buf[:0], op, 0, 0, []byte(key), delta, 0, 0xffffffff)); err != nil {
		return 0, err
	}
	if len(c.bresp.Value) != 8 {
		return 0, c.wrap(fmt.Errorf("malformed counter reply"))
	}
	return binary.BigEndian.Uint64(c.bresp.Value), nil
}

func (c *Conn) binStats(group string) ([]Stat, error) {
	var g []byte
	if group != "" {
		g = []byte(group)
	}
	c.buf = memproto.AppendBinaryStat(c.buf[:0], 0, g)
	if err := c.send(); err != nil {
		return nil, err
	}
	var out []Stat
	for n := 0; ; n++ {
		if n%1024 == 0 {
			c.extend()
		}
		if err := c.binRead(); err != nil {
			return nil, err
		}
		if err := c.binStatus(); err != nil {
			return nil, err
		}
		if len(c.bresp.Key) == 0 {
			return out, nil
		}
		out = append(out, Stat{Name: string(c.bresp.Key), Value: string(c.bresp.Value)})
	}
}
