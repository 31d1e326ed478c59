// Package mem measures the memory a memcached-compatible server uses:
// its resident set size (RSS) idle, per stored item and per idle
// connection.
//
// Measure starts the server from a command line (as package compare
// does: {port} and {dir} placeholders, optional taskset pinning) twice:
//
//   - connections: on a fresh server, RSS idle; then Conns connections,
//     each of which sends "version" and reads the reply, so the server
//     has set up its per-connection state; RSS again; then each
//     connection gets one stored 100-byte item; RSS again. "stats" read
//     through one of those connections must show curr_connections of at
//     least Conns.
//   - items: on a fresh server, RSS idle; then Items sets of ValueSize
//     bytes under KeySize-byte keys, pipelined with noreply over one
//     connection, followed by "stats" whose curr_items must equal Items
//     (the stats reply comes after every set was processed); RSS again.
//
// Every RSS is read from /proc/PID/status after waiting Settle, so only
// Linux is supported. Each server is stopped, by the PID Measure
// started, before Measure returns, whatever happened.
package mem

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/ratmemcache/ratmemcache/bench/compare"
)

// Defaults for zero Config fields.
const (
	DefaultItems     = 1000000
	DefaultKeySize   = 16
	DefaultValueSize = 100
	DefaultConns     = 10000
	DefaultSettle    = time.Second
)

// fileSlack is the number of file descriptors kept for everything but
// the measured connections (stdio, the fill and stats connections, Go's
// runtime).
const fileSlack = 64

// Config describes a measurement. Zero fields take the defaults above,
// except Items and Conns, where a negative value skips that phase.
type Config struct {
	// Name labels the server ("A", "B", ...).
	Name string
	// Cmd is the server's command line, with {port} (see
	// compare.StartServer).
	Cmd string
	// Pin is the CPU to pin the server to with taskset, or -1.
	Pin int
	// Items is the number of items to store; KeySize and ValueSize their
	// key and value lengths.
	Items, KeySize, ValueSize int
	// Conns is the number of idle connections to open.
	Conns int
	// Settle is how long to wait before each RSS reading, so that the
	// server finishes what the previous step started (memcached grows its
	// hash table in a background thread; Go returns freed memory to the
	// OS in the background).
	Settle time.Duration
	// Log, if set, receives a line per step.
	Log io.Writer
}

func (c Config) withDefaults() Config {
	if c.Items == 0 {
		c.Items = DefaultItems
	}
	if c.KeySize == 0 {
		c.KeySize = DefaultKeySize
	}
	if c.ValueSize == 0 {
		c.ValueSize = DefaultValueSize
	}
	if c.Conns == 0 {
		c.Conns = DefaultConns
	}
	if c.Settle == 0 {
		c.Settle = DefaultSettle
	}
	if c.Name == "" {
		c.Name = "A"
	}
	return c
}

// Result is what Measure measured; sizes are in bytes.
type Result struct {
	Name string `json:"name"`
	Cmd  string `json:"cmd"`

	// IdleRSS is the fresh server's RSS before the connections phase.
	IdleRSS int64 `json:"idle_rss"`
	// Conns connections were open with ConnsRSS after each sent
	// "version", ConnsUsedRSS after each then got a 100-byte item too;
	// CurrConnections is the server's curr_connections meanwhile.
	Conns           int    `json:"conns"`
	ConnsRSS        int64  `json:"conns_rss"`
	ConnsUsedRSS    int64  `json:"conns_used_rss"`
	CurrConnections uint64 `json:"curr_connections"`

	// ItemsBaseRSS is the second fresh server's RSS before the fill,
	// ItemsRSS its RSS once CurrItems (= Items) items were stored.
	Items        int    `json:"items"`
	KeySize      int    `json:"key_size"`
	ValueSize    int    `json:"value_size"`
	ItemsBaseRSS int64  `json:"items_base_rss"`
	ItemsRSS     int64  `json:"items_rss"`
	CurrItems    uint64 `json:"curr_items"`
	Evictions    uint64 `json:"evictions"`
}

// BytesPerConn is the RSS growth per connection after "version".
func (r *Result) BytesPerConn() float64 { return perUnit(r.ConnsRSS-r.IdleRSS, r.Conns) }

// BytesPerUsedConn is the RSS growth per connection after a get too.
func (r *Result) BytesPerUsedConn() float64 { return perUnit(r.ConnsUsedRSS-r.IdleRSS, r.Conns) }

// BytesPerItem is the RSS growth per stored item.
func (r *Result) BytesPerItem() float64 { return perUnit(r.ItemsRSS-r.ItemsBaseRSS, r.Items) }

func perUnit(d int64, n int) float64 {
	if n <= 0 {
		return 0
	}
	return float64(d) / float64(n)
}

// Measure runs both phases against fresh servers started from c.Cmd.
func Measure(ctx context.Context, c Config) (*Result, error) {
	c = c.withDefaults()
	if c.Conns > 0 {
		if err := RaiseFileLimit(c.Conns + fileSlack); err != nil {
			return nil, err
		}
	}
	if c.Items > 0 {
		if _, err := Key(c.Items-1, c.KeySize); err != nil {
			return nil, err
		}
		if c.ValueSize < 0 {
			return nil, errors.New("mem: negative value size")
		}
	}
	r := &Result{Name: c.Name, Cmd: c.Cmd, KeySize: c.KeySize, ValueSize: c.ValueSize}
	if c.Conns > 0 {
		if err := measureConns(ctx, c, r); err != nil {
			return nil, err
		}
	}
	if c.Items > 0 {
		if err := measureItems(ctx, c, r); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func (c Config) logf(format string, args ...any) {
	if c.Log != nil {
		fmt.Fprintf(c.Log, "%s: "+format+"\n", append([]any{c.Name}, args...)...)
	}
}

// settledRSS waits d, then reads the RSS of s.
func settledRSS(ctx context.Context, s *compare.Server, d time.Duration) (int64, error) {
	select {
	case <-ctx.Done():
		return 0, ctx.Err()
	case <-time.After(d):
	}
	if s.Exited() {
		return 0, fmt.Errorf("mem: server ended%s", s.ExitNote())
	}
	return RSS(s.Pid())
}

func measureConns(ctx context.Context, c Config, r *Result) (err error) {
	s, err := compare.StartServer(ctx, c.Name, c.Cmd, c.Pin)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, s.Stop()) }()
	// The item every connection will get, stored before the idle reading
	// so that it is part of the baseline.
	const key = "ratbench:mem:conn"
	value := bytes.Repeat([]byte("v"), DefaultValueSize)
	if err := setOne(ctx, s.Addr, key, value); err != nil {
		return err
	}
	if r.IdleRSS, err = settledRSS(ctx, s, c.Settle); err != nil {
		return err
	}
	c.logf("idle RSS %d bytes", r.IdleRSS)
	cs, err := OpenConns(ctx, s.Addr, c.Conns)
	if err != nil {
		return fmt.Errorf("%w%s", err, s.ExitNote())
	}
	defer cs.Close()
	r.Conns = c.Conns
	if r.CurrConnections, err = cs.CurrConnections(); err != nil {
		return err
	}
	if r.CurrConnections < uint64(c.Conns) {
		return fmt.Errorf("mem: %d connections open but the server reports curr_connections %d", c.Conns, r.CurrConnections)
	}
	if r.ConnsRSS, err = settledRSS(ctx, s, c.Settle); err != nil {
		return err
	}
	c.logf("%d connections (curr_connections %d): RSS %d bytes", c.Conns, r.CurrConnections, r.ConnsRSS)
	if err := cs.GetAll(ctx, key, len(value)); err != nil {
		return fmt.Errorf("%w%s", err, s.ExitNote())
	}
	if r.ConnsUsedRSS, err = settledRSS(ctx, s, c.Settle); err != nil {
		return err
	}
	c.logf("after a get on each: RSS %d bytes", r.ConnsUsedRSS)
	return nil
}

func measureItems(ctx context.Context, c Config, r *Result) (err error) {
	s, err := compare.StartServer(ctx, c.Name, c.Cmd, c.Pin)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, s.Stop()) }()
	if r.ItemsBaseRSS, err = settledRSS(ctx, s, c.Settle); err != nil {
		return err
	}
	st, err := Fill(ctx, s.Addr, c.Items, c.KeySize, c.ValueSize)
	if err != nil {
		return fmt.Errorf("%w%s", err, s.ExitNote())
	}
	r.Items = c.Items
	r.CurrItems, _ = compare.StatUint(st, "curr_items")
	r.Evictions, _ = compare.StatUint(st, "evictions")
	if r.CurrItems != uint64(c.Items) {
		return fmt.Errorf("mem: stored %d items but the server reports curr_items %d (evictions %d)", c.Items, r.CurrItems, r.Evictions)
	}
	if r.ItemsRSS, err = settledRSS(ctx, s, c.Settle); err != nil {
		return err
	}
	c.logf("%d items (curr_items %d): RSS %d → %d bytes", c.Items, r.CurrItems, r.ItemsBaseRSS, r.ItemsRSS)
	return nil
}

// Key returns the key of item i, size bytes long: "k" followed by i in
// decimal, zero-padded.
func Key(i, size int) (string, error) {
	d := strconv.Itoa(i)
	if size > 250 || len(d)+1 > size {
		return "", fmt.Errorf("mem: key of item %d does not fit in %d bytes (1 to 250)", i, size)
	}
	return "k" + strings.Repeat("0", size-1-len(d)) + d, nil
}

// Fill stores items 0..n-1 (keys from Key, values of valueSize bytes)
// with pipelined "set ... noreply" on one connection, then sends "stats"
// on it and returns the reply, which the server sends only after it
// processed every set.
func Fill(ctx context.Context, addr string, n, keySize, valueSize int) (map[string]string, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("mem: fill: %w", err)
	}
	defer nc.Close()
	stop := context.AfterFunc(ctx, func() { nc.Close() })
	defer stop()
	value := bytes.Repeat([]byte("x"), valueSize)
	w := bufio.NewWriterSize(nc, 256<<10)
	var line []byte
	for i := range n {
		k, err := Key(i, keySize)
		if err != nil {
			return nil, err
		}
		line = append(line[:0], "set "...)
		line = append(line, k...)
		line = append(line, " 0 0 "...)
		line = strconv.AppendInt(line, int64(valueSize), 10)
		line = append(line, " noreply\r\n"...)
		w.Write(line)
		w.Write(value)
		if _, err := w.WriteString("\r\n"); err != nil {
			return nil, fmt.Errorf("mem: fill: %w", wrapCtx(ctx, err))
		}
	}
	if err := w.Flush(); err != nil {
		return nil, fmt.Errorf("mem: fill: %w", wrapCtx(ctx, err))
	}
	_ = nc.SetReadDeadline(time.Now().Add(5 * time.Minute))
	st, err := compare.StatsOn(nc)
	if err != nil {
		return nil, fmt.Errorf("mem: fill: %w", wrapCtx(ctx, err))
	}
	return st, nil
}

func wrapCtx(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// setOne stores key with a reply.
func setOne(ctx context.Context, addr, key string, value []byte) error {
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("mem: set: %w", err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	req := fmt.Sprintf("set %s 0 0 %d\r\n%s\r\n", key, len(value), value)
	if _, err := nc.Write([]byte(req)); err != nil {
		return fmt.Errorf("mem: set: %w", err)
	}
	line, err := bufio.NewReader(nc).ReadString('\n')
	if err != nil {
		return fmt.Errorf("mem: set: %w", err)
	}
	if line != "STORED\r\n" {
		return fmt.Errorf("mem: set %s: server answered %q", key, line)
	}
	return nil
}

// Conns is a set of open connections to one server.
type Conns struct {
	conns []net.Conn
	buf   []byte
}

// OpenConns opens n connections to addr; each sends "version" and reads
// the reply before the next one is opened. A server that refuses a
// connection (memcached and ratmemcached answer "ERROR Too many open
// connections" over their -c limit) makes it fail with that reply.
func OpenConns(ctx context.Context, addr string, n int) (*Conns, error) {
	cs := &Conns{buf: make([]byte, 4096)}
	var d net.Dialer
	d.Timeout = 5 * time.Second
	for i := range n {
		nc, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			cs.Close()
			return nil, fmt.Errorf("mem: connection %d of %d: %w", i+1, n, wrapCtx(ctx, err))
		}
		cs.conns = append(cs.conns, nc)
		reply, err := cs.roundTrip(nc, []byte("version\r\n"), []byte("\r\n"))
		if err != nil {
			cs.Close()
			return nil, fmt.Errorf("mem: version on connection %d of %d: %w", i+1, n, wrapCtx(ctx, err))
		}
		if !bytes.HasPrefix(reply, []byte("VERSION ")) {
			cs.Close()
			return nil, fmt.Errorf("mem: connection %d of %d: server answered %q to version (is its connection limit, -c, below %d?)", i+1, n, bytes.TrimSpace(reply), n)
		}
	}
	return cs, nil
}

// roundTrip writes req on nc and reads until the reply ends with end.
func (cs *Conns) roundTrip(nc net.Conn, req, end []byte) ([]byte, error) {
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := nc.Write(req); err != nil {
		return nil, err
	}
	got := 0
	for {
		if got == len(cs.buf) {
			return nil, fmt.Errorf("reply longer than %d bytes, starting %q", len(cs.buf), cs.buf[:64])
		}
		m, err := nc.Read(cs.buf[got:])
		got += m
		if bytes.HasSuffix(cs.buf[:got], end) {
			return cs.buf[:got], nil
		}
		if bytes.HasPrefix(cs.buf[:got], []byte("ERROR")) || bytes.HasPrefix(cs.buf[:got], []byte("SERVER_ERROR")) {
			if bytes.HasSuffix(cs.buf[:got], []byte("\r\n")) {
				return cs.buf[:got], nil
			}
		}
		if err != nil {
			if got > 0 {
				return nil, fmt.Errorf("%w after %q", err, cs.buf[:got])
			}
			return nil, err
		}
	}
}

// Len returns the number of open connections.
func (cs *Conns) Len() int { return len(cs.conns) }

// GetAll sends "get key" on every connection, one at a time, and checks
// that each returns the key's value of size bytes.
func (cs *Conns) GetAll(ctx context.Context, key string, size int) error {
	req := []byte("get " + key + "\r\n")
	want := len("VALUE "+key+" 0 ") + len(strconv.Itoa(size)) + 2 + size + 2 + len("END\r\n")
	for i, nc := range cs.conns {
		if err := ctx.Err(); err != nil {
			return err
		}
		reply, err := cs.roundTrip(nc, req, []byte("END\r\n"))
		if err != nil {
			return fmt.Errorf("mem: get on connection %d: %w", i+1, err)
		}
		if len(reply) != want {
			return fmt.Errorf("mem: get on connection %d: %d-byte reply, want %d (a hit): %.80q", i+1, len(reply), want, reply)
		}
	}
	return nil
}

// CurrConnections reads curr_connections through the first connection.
func (cs *Conns) CurrConnections() (uint64, error) {
	if len(cs.conns) == 0 {
		return 0, errors.New("mem: no connections")
	}
	nc := cs.conns[0]
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	st, err := compare.StatsOn(nc)
	if err != nil {
		return 0, err
	}
	n, ok := compare.StatUint(st, "curr_connections")
	if !ok {
		return 0, errors.New("mem: no curr_connections in stats")
	}
	return n, nil
}

// Close closes every connection.
func (cs *Conns) Close() {
	for _, nc := range cs.conns {
		nc.Close()
	}
	cs.conns = nil
}
