package client

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/ratmemcache/ratmemcache/memproto"
)

// MetaItem is one line of "lru_crawler metadump": an item's key and
// metadata, without its value.
type MetaItem struct {
	Key string
	// Exp is the Unix time the item expires at, or -1 for never.
	Exp int64
	// LastAccess is the Unix time of the last access.
	LastAccess int64
	CAS        uint64
	Fetched    bool
	// Class is the slab class; Size the item's size in memory, header
	// included (not the value length).
	Class int
	Size  int
}

// ErrNoMetadump is returned by Metadump when the connection speaks the
// binary protocol, which has no metadump.
var ErrNoMetadump = errors.New("lru_crawler metadump needs the text protocol; this connection speaks binary")

// Metadump runs "lru_crawler metadump all" and calls fn for every item.
// A crawler busy with another request is retried for up to the timeout.
func (c *Conn) Metadump(fn func(MetaItem) error) error {
	if c.bin != nil {
		return ErrNoMetadump
	}
	deadline := time.Now().Add(c.timeout)
	for {
		err := c.metadump(fn)
		var se *ServerError
		if errors.As(err, &se) && bytes.HasPrefix([]byte(se.Reply), []byte("BUSY")) && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		return err
	}
}

func (c *Conn) metadump(fn func(MetaItem) error) error {
	c.buf = memproto.AppendMetadump(c.buf[:0], "all")
	if err := c.send(); err != nil {
		return err
	}
	var ferr error
	for n := 0; ; n++ {
		if n%1024 == 0 {
			c.extend()
		}
		if err := c.read(); err != nil {
			return err
		}
		switch c.resp.Kind {
		case memproto.KindMetadump:
			if ferr != nil {
				continue
			}
			mi, err := ParseMetadumpLine(c.resp.Line)
			if err != nil {
				ferr = err
				continue
			}
			ferr = fn(mi)
		case memproto.KindEnd:
			return ferr
		default:
			return c.replyErr()
		}
	}
}

// ParseMetadumpLine parses "key=<uri-encoded key> exp=<n> la=<n> cas=<n>
// fetch=<yes|no> cls=<n> size=<n>"; unknown fields are ignored.
func ParseMetadumpLine(line []byte) (MetaItem, error) {
	mi := MetaItem{Exp: -1}
	haveKey := false
	for _, f := range bytes.Fields(line) {
		name, val, ok := bytes.Cut(f, []byte("="))
		if !ok {
			continue
		}
		var err error
		switch string(name) {
		case "key":
			mi.Key, err = url.PathUnescape(string(val))
			haveKey = err == nil
		case "exp":
			mi.Exp, err = strconv.ParseInt(string(val), 10, 64)
		case "la":
			mi.LastAccess, err = strconv.ParseInt(string(val), 10, 64)
		case "cas":
			mi.CAS, err = strconv.ParseUint(string(val), 10, 64)
		case "fetch":
			mi.Fetched = string(val) == "yes"
		case "cls":
			mi.Class, err = strconv.Atoi(string(val))
		case "size":
			mi.Size, err = strconv.Atoi(string(val))
		}
		if err != nil {
			return MetaItem{}, fmt.Errorf("bad metadump line %q: %s: %w", line, name, err)
		}
	}
	if !haveKey {
		return MetaItem{}, fmt.Errorf("bad metadump line %q: no key", line)
	}
	return mi, nil
}
