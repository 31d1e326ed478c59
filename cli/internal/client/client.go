// Package client is a small memcached client for ratctl, built on the
// memproto codec. It speaks the text protocol to one server per Conn,
// with optional TLS and memcached's text-protocol authentication
// ("set <any key> 0 0 <n>" carrying "<user> <password>", memcached -Y),
// or the binary protocol with optional SASL PLAIN (see [Options.Binary]).
//
// Every request runs under the connection's timeout; an I/O error or a
// malformed reply leaves the Conn unusable (close it), while "no"
// replies ([ErrNotFound], [ErrNotStored], [ErrExists], [*ServerError]
// from CLIENT_ERROR and SERVER_ERROR) keep it in step.
//
// A Conn is not safe for concurrent use.
package client

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"syscall"
	"time"

	"github.com/ratmemcache/ratmemcache/memproto"
)

// DefaultTimeout is the timeout of a zero Options.
const DefaultTimeout = 5 * time.Second

// Options configure Dial. The zero value dials plain TCP with
// DefaultTimeout and no credentials.
type Options struct {
	// Timeout bounds the dial (TLS handshake and authentication
	// included) and each request; 0 means DefaultTimeout.
	Timeout time.Duration
	// TLS, when not nil, wraps the connection in TLS with this config.
	TLS *tls.Config
	// User and Password, when User is not empty, authenticate the
	// connection right after it opens: with the text protocol's
	// "set <key> 0 0 <n>\r\n<user> <password>" (memcached -Y), or with
	// SASL PLAIN when Binary is set (memcached -S).
	User, Password string
	// Binary makes the Conn speak the binary protocol for every request
	// (memcached -S allows nothing else). Requests that exist only in the
	// text protocol (lru_crawler metadump) are then unavailable.
	Binary bool
}

func (o *Options) timeout() time.Duration {
	if o.Timeout <= 0 {
		return DefaultTimeout
	}
	return o.Timeout
}

// Item is a cache entry as get returns it.
type Item struct {
	Key   string
	Value []byte
	Flags uint32
	CAS   uint64
}

// Stat is one "STAT <name> <value>" line.
type Stat struct {
	Name, Value string
}

// Conn is a connection to one server. Use Dial; close it with Close.
type Conn struct {
	addr    string
	timeout time.Duration
	nc      net.Conn
	br      *bufio.Reader
	rr      *memproto.ResponseReader
	bin     *memproto.BinaryResponseReader // non-nil: binary protocol
	resp    memproto.Response
	bresp   memproto.BinaryResponse
	buf     []byte
	broken  error // set once the connection is out of step
}

// Dial connects to addr ("host:port"), performs the TLS handshake and
// authentication that opts ask for, and returns the connection.
func Dial(addr string, opts Options) (*Conn, error) {
	c := &Conn{addr: addr, timeout: opts.timeout()}
	d := net.Dialer{Timeout: c.timeout}
	nc, err := d.Dial("tcp", addr)
	if err != nil {
		return nil, c.wrap(err)
	}
	if opts.TLS != nil {
		cfg := opts.TLS.Clone()
		if cfg.ServerName == "" {
			if host, _, err := net.SplitHostPort(addr); err == nil {
				cfg.ServerName = host
			}
		}
		tc := tls.Client(nc, cfg)
		_ = tc.SetDeadline(time.Now().Add(c.timeout))
		if err := tc.Handshake(); err != nil {
			nc.Close()
			return nil, c.wrap(fmt.Errorf("TLS handshake: %w", err))
		}
		nc = tc
	}
	c.nc = nc
	c.br = bufio.NewReaderSize(nc, 64<<10)
	if opts.Binary {
		c.bin = memproto.NewBinaryResponseReader(c.br, memproto.Limits{MaxItemSize: 1 << 30})
	} else {
		c.rr = memproto.NewResponseReader(c.br)
	}
	if opts.User != "" {
		if err := c.auth(opts.User, opts.Password); err != nil {
			nc.Close()
			return nil, err
		}
	}
	return c, nil
}

// Addr returns the address the Conn was dialled with.
func (c *Conn) Addr() string { return c.addr }

// Close closes the connection.
func (c *Conn) Close() error { return c.nc.Close() }

func (c *Conn) auth(user, pass string) error {
	if c.bin != nil {
		return c.saslPlain(user, pass)
	}
	cred := user + " " + pass
	c.buf = memproto.AppendStore(c.buf[:0], memproto.CmdSet, []byte("auth"), 0, 0, []byte(cred), 0, false)
	if err := c.send(); err != nil {
		return err
	}
	err := c.read()
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) {
			return fmt.Errorf("%s: %w (the server closed the connection)", c.addr, ErrAuth)
		}
		return err
	}
	switch c.resp.Kind {
	case memproto.KindStored:
		return nil
	case memproto.KindClientError, memproto.KindError:
		return fmt.Errorf("%s: %w (%s)", c.addr, ErrAuth, c.resp.Line)
	}
	return fmt.Errorf("%s: %w (unexpected reply %q)", c.addr, ErrAuth, c.resp.Line)
}

// wrap turns an I/O error into one line naming the server, and marks the
// connection broken.
func (c *Conn) wrap(err error) error {
	if err == nil {
		return nil
	}
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout(), errors.Is(err, os.ErrDeadlineExceeded):
		err = fmt.Errorf("%s: %w after %v", c.addr, ErrTimeout, c.timeout)
	case errors.Is(err, syscall.ECONNREFUSED):
		err = fmt.Errorf("%s: connection refused", c.addr)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		err = fmt.Errorf("%s: the server closed the connection", c.addr)
	case errors.Is(err, syscall.ECONNRESET):
		err = fmt.Errorf("%s: connection reset by the server", c.addr)
	default:
		var oe *net.OpError
		if errors.As(err, &oe) && oe.Err != nil {
			err = fmt.Errorf("%s: %w", c.addr, oe.Err)
		} else {
			err = fmt.Errorf("%s: %w", c.addr, err)
		}
	}
	if c.broken == nil {
		c.broken = err
	}
	return err
}

// send writes c.buf under a fresh deadline.
func (c *Conn) send() error {
	if c.broken != nil {
		return c.broken
	}
	_ = c.nc.SetDeadline(time.Now().Add(c.timeout))
	_, err := c.nc.Write(c.buf)
	return c.wrap(err)
}

// read reads the next text reply into c.resp.
func (c *Conn) read() error {
	if c.broken != nil {
		return c.broken
	}
	if err := c.rr.ReadResponse(&c.resp); err != nil {
		return c.wrap(err)
	}
	return nil
}

// extend pushes the deadline out by the timeout, for long replies (a
// metadump of a big cache) where the timeout bounds silence, not the
// whole transfer.
func (c *Conn) extend() { _ = c.nc.SetDeadline(time.Now().Add(c.timeout)) }

// replyErr maps a reply that is not the expected one to an error.
func (c *Conn) replyErr() error {
	switch c.resp.Kind {
	case memproto.KindNotFound:
		return ErrNotFound
	case memproto.KindNotStored:
		return ErrNotStored
	case memproto.KindExists:
		return ErrExists
	case memproto.KindClientError, memproto.KindServerError, memproto.KindError:
		if c.resp.Kind == memproto.KindClientError && string(c.resp.Message) == "unauthenticated" {
			return fmt.Errorf("%s: %w (the server wants --user and --password)", c.addr, ErrAuth)
		}
		return &ServerError{Reply: string(c.resp.Line)}
	}
	return &ServerError{Reply: string(c.resp.Line)}
}

func checkKey(key string) error {
	if !memproto.ValidKey([]byte(key)) {
		return fmt.Errorf("%q: %w", key, ErrBadKey)
	}
	return nil
}

// Get returns the item stored under key, or ErrNotFound.
func (c *Conn) Get(key string) (*Item, error) {
	if c.bin != nil {
		return c.binGet(key)
	}
	var got *Item
	err := c.GetMulti([]string{key}, func(it *Item) error { got = it; return nil })
	if err != nil {
		return nil, err
	}
	if got == nil {
		return nil, ErrNotFound
	}
	return got, nil
}

// GetMulti fetches keys with one gets request and calls fn for every hit,
// in the server's order; misses are skipped. fn owns the Item.
func (c *Conn) GetMulti(keys []string, fn func(*Item) error) error {
	if c.bin != nil {
		for _, k := range keys {
			it, err := c.binGet(k)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			if err := fn(it); err != nil {
				return err
			}
		}
		return nil
	}
	c.buf = append(c.buf[:0], "gets"...)
	for _, k := range keys {
		if err := checkKey(k); err != nil {
			return err
		}
		c.buf = append(c.buf, ' ')
		c.buf = append(c.buf, k...)
	}
	c.buf = append(c.buf, "\r\n"...)
	if err := c.send(); err != nil {
		return err
	}
	var ferr error
	for {
		if err := c.read(); err != nil {
			return err
		}
		switch c.resp.Kind {
		case memproto.KindValue:
			if ferr == nil {
				it := &Item{Key: string(c.resp.Key), Value: append([]byte(nil), c.resp.Value...), Flags: c.resp.Flags, CAS: c.resp.CAS}
				ferr = fn(it)
			}
		case memproto.KindEnd:
			return ferr
		default:
			return c.replyErr()
		}
	}
}

// Set stores it under its key with exptime (memcached's meaning:
// seconds from now up to 30 days, a Unix time above that, 0 for never,
// negative for already expired).
func (c *Conn) Set(it *Item, exptime int64) error {
	if err := checkKey(it.Key); err != nil {
		return err
	}
	if c.bin != nil {
		return c.binSet(it, exptime)
	}
	c.buf = memproto.AppendStore(c.buf[:0], memproto.CmdSet, []byte(it.Key), it.Flags, exptime, it.Value, 0, false)
	return c.simple(memproto.KindStored)
}

// simple sends c.buf and expects a reply of kind want.
func (c *Conn) simple(want memproto.ResponseKind) error {
	if err := c.send(); err != nil {
		return err
	}
	if err := c.read(); err != nil {
		return err
	}
	if c.resp.Kind != want {
		return c.replyErr()
	}
	return nil
}

// Delete deletes key; ErrNotFound if it was not there.
func (c *Conn) Delete(key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if c.bin != nil {
		return c.binSimple(memproto.AppendBinaryDelete(c.buf[:0], memproto.BinaryOpDelete, 0, 0, []byte(key)))
	}
	c.buf = memproto.AppendDelete(c.buf[:0], []byte(key), false)
	return c.simple(memproto.KindDeleted)
}

// Touch sets the expiration time of key; ErrNotFound if it is not there.
func (c *Conn) Touch(key string, exptime int64) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if c.bin != nil {
		return c.binSimple(memproto.AppendBinaryTouch(c.buf[:0], memproto.BinaryOpTouch, 0, []byte(key), uint32(exptime)))
	}
	c.buf = memproto.AppendTouch(c.buf[:0], []byte(key), exptime, false)
	return c.simple(memproto.KindTouched)
}

// Incr adds delta to the decimal number stored under key and returns the
// new value (wrapping at 2^64).
func (c *Conn) Incr(key string, delta uint64) (uint64, error) { return c.arith(key, delta, true) }

// Decr subtracts delta from the number stored under key, stopping at 0.
func (c *Conn) Decr(key string, delta uint64) (uint64, error) { return c.arith(key, delta, false) }

func (c *Conn) arith(key string, delta uint64, incr bool) (uint64, error) {
	if err := checkKey(key); err != nil {
		return 0, err
	}
	if c.bin != nil {
		return c.binArith(key, delta, incr)
	}
	if incr {
		c.buf = memproto.AppendIncr(c.buf[:0], []byte(key), delta, false)
	} else {
		c.buf = memproto.AppendDecr(c.buf[:0], []byte(key), delta, false)
	}
	if err := c.simple(memproto.KindNumber); err != nil {
		return 0, err
	}
	return c.resp.Number, nil
}

// FlushAll invalidates every item, now or after delay seconds.
func (c *Conn) FlushAll(delay int64) error {
	if c.bin != nil {
		return c.binSimple(memproto.AppendBinaryFlush(c.buf[:0], memproto.BinaryOpFlush, 0, uint32(delay)))
	}
	c.buf = memproto.AppendFlushAll(c.buf[:0], delay, false)
	return c.simple(memproto.KindOK)
}

// Version returns the server's version string, e.g. "1.6.18".
func (c *Conn) Version() (string, error) {
	if c.bin != nil {
		if err := c.binRoundTrip(memproto.AppendBinaryVersion(c.buf[:0], 0)); err != nil {
			return "", err
		}
		return string(c.bresp.Value), nil
	}
	c.buf = memproto.AppendVersion(c.buf[:0])
	if err := c.simple(memproto.KindVersion); err != nil {
		return "", err
	}
	return string(c.resp.Value), nil
}

// Stats sends "stats[ group]" and returns the STAT lines in order; group
// is "" for the general statistics, or "settings", "items", "slabs",
// "conns"...
func (c *Conn) Stats(group string) ([]Stat, error) {
	if c.bin != nil {
		return c.binStats(group)
	}
	if group == "" {
		c.buf = memproto.AppendStats(c.buf[:0])
	} else {
		c.buf = memproto.AppendStats(c.buf[:0], []byte(group))
	}
	if err := c.send(); err != nil {
		return nil, err
	}
	var out []Stat
	for {
		if err := c.read(); err != nil {
			return nil, err
		}
		switch c.resp.Kind {
		case memproto.KindStat:
			out = append(out, Stat{Name: string(c.resp.Key), Value: string(c.resp.Value)})
		case memproto.KindEnd:
			return out, nil
		default:
			return nil, c.replyErr()
		}
	}
}

// ServerTime returns the server's clock (the "time" stat), the Unix time
// that metadump expiry times are relative to.
func (c *Conn) ServerTime() (int64, error) {
	st, err := c.Stats("")
	if err != nil {
		return 0, err
	}
	for _, s := range st {
		if s.Name == "time" {
			return strconv.ParseInt(s.Value, 10, 64)
		}
	}
	return time.Now().Unix(), nil
}

// SetMulti stores items[i] with exptimes[i], pipelined: one write, then
// every reply. errs[i] is item i's refusal (ErrBadKey, ErrNotStored, a
// *ServerError) or nil; err is an I/O error, after which the Conn is
// unusable.
func (c *Conn) SetMulti(items []*Item, exptimes []int64) (errs []error, err error) {
	errs = make([]error, len(items))
	if c.bin != nil {
		for i, it := range items {
			errs[i] = c.Set(it, exptimes[i])
			if c.broken != nil {
				return errs, c.broken
			}
		}
		return errs, nil
	}
	c.buf = c.buf[:0]
	for i, it := range items {
		if errs[i] = checkKey(it.Key); errs[i] != nil {
			continue
		}
		c.buf = memproto.AppendStore(c.buf, memproto.CmdSet, []byte(it.Key), it.Flags, exptimes[i], it.Value, 0, false)
	}
	if err := c.send(); err != nil {
		return errs, err
	}
	for i := range items {
		if errs[i] != nil {
			continue
		}
		if err := c.read(); err != nil {
			return errs, err
		}
		if c.resp.Kind != memproto.KindStored {
			errs[i] = c.replyErr()
		}
	}
	return errs, nil
}
