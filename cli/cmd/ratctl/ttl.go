package main

import (
	"fmt"
	"strconv"
	"time"
)

// maxRelativeTTL is the longest expiration memcached takes as relative
// seconds; larger exptimes are Unix times.
const maxRelativeTTL = 30 * 24 * 60 * 60

// seconds is a flag holding whole seconds, written as a number of
// seconds ("90") or a Go duration ("1h30m").
type seconds int64

// UnmarshalText implements encoding.TextUnmarshaler for kong.
func (s *seconds) UnmarshalText(b []byte) error {
	if n, err := strconv.ParseInt(string(b), 10, 64); err == nil {
		if n < 0 {
			return fmt.Errorf("%q: must not be negative", b)
		}
		*s = seconds(n)
		return nil
	}
	d, err := time.ParseDuration(string(b))
	if err != nil || d < 0 {
		return fmt.Errorf("%q: want seconds (90) or a duration (1h30m)", b)
	}
	if d%time.Second != 0 {
		d = d.Round(time.Second)
	}
	*s = seconds(d / time.Second)
	return nil
}

// exptime converts a lifetime to the exptime memcached expects: relative
// seconds up to 30 days, beyond that a Unix time computed from now (the
// server's clock when known).
func exptime(ttl, now int64) int64 {
	if ttl > maxRelativeTTL {
		return now + ttl
	}
	return ttl
}
