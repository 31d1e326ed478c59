package engine

import (
	"math"
	"time"
)

// MaxRelativeExptime is the largest memcached exptime that is relative to
// now (30 days, in seconds); larger values are absolute Unix times.
const MaxRelativeExptime = 60 * 60 * 24 * 30

// Expiry converts a memcached exptime into an absolute expiry in Unix
// seconds, as stored with an item and returned in [ItemInfo].Expiry.
//
// The result is 0 for "never expires"; otherwise the item is expired once
// the current Unix second is >= the result, as in memcached. Rules:
//
//   - exptime < 0: already expired; the result is -1.
//   - exptime == 0: never, or now+defaultTTL if defaultTTL > 0.
//   - 0 < exptime <= [MaxRelativeExptime] (30 days exactly is still
//     relative): now + exptime seconds.
//   - exptime > [MaxRelativeExptime]: an absolute Unix time, returned as is
//     (a time in the past means already expired).
//   - maxTTL > 0 caps the result to now+maxTTL, including "never"; expired
//     results stay expired.
//
// Durations are rounded up to whole seconds. The server and the cache use
// this one function, so the wire protocol and the Go API agree.
func Expiry(exptime int64, now time.Time, defaultTTL, maxTTL time.Duration) int64 {
	sec := now.Unix()
	var exp int64
	switch {
	case exptime < 0:
		return -1
	case exptime == 0:
		if defaultTTL > 0 {
			exp = sec + ceilSeconds(defaultTTL)
		}
	case exptime <= MaxRelativeExptime:
		exp = sec + exptime
	default:
		exp = exptime
	}
	if exp != 0 && exp <= sec {
		return exp
	}
	if maxTTL > 0 {
		limit := sec + ceilSeconds(maxTTL)
		if exp == 0 || exp > limit {
			exp = limit
		}
	}
	return exp
}

func ceilSeconds(d time.Duration) int64 {
	s := int64((d + time.Second - 1) / time.Second)
	if s < 1 {
		s = 1
	}
	return s
}

// storedExpiry maps an absolute expiry (Unix seconds, 0 never, <= now
// expired) onto the 32-bit field of the item header: 0 stays "never",
// anything not positive becomes 1 (long past), far futures saturate.
func storedExpiry(exp int64) uint32 {
	switch {
	case exp == 0:
		return 0
	case exp < 0:
		return 1
	case exp > math.MaxUint32:
		return math.MaxUint32
	}
	return uint32(exp)
}

// expired reports whether an item with stored expiry exp is expired at
// Unix second now.
func expired(exp uint32, now int64) bool {
	return exp != 0 && int64(exp) <= now
}

// flushCut is memcached's settings.oldest_live / oldest_cas pair: items
// stored at or before oldestLive (whole seconds), or with a CAS below
// oldestCAS, are invalid once oldestLive <= now.
type flushCut struct {
	oldestLive int64  // Unix seconds; 0 = none
	oldestCAS  uint64 // 0 = none
}

func (f flushCut) flushed(stored uint32, cas uint64, now int64) bool {
	if f.oldestLive == 0 || f.oldestLive > now {
		return false
	}
	return int64(stored) <= f.oldestLive || (f.oldestCAS != 0 && cas < f.oldestCAS)
}

// flushState is the flush_all state of a cache: the cut in effect and a
// delayed one still pending. Unlike memcached, which keeps one cut, a
// later flush_all with a delay does not bring back items an earlier one
// already invalidated.
type flushState struct {
	done    flushCut // in effect (union of all past cuts)
	pending flushCut // oldestLive in the future, or zero
}

// flushed reports whether an item stored at Unix second stored with CAS
// cas has been flushed at Unix second now. It mirrors memcached's
// item_is_flushed.
func (f *flushState) flushed(stored uint32, cas uint64, now int64) bool {
	return f.done.flushed(stored, cas, now) || f.pending.flushed(stored, cas, now)
}

// add returns the state after a flush_all whose cut is c, at now.
func (f *flushState) add(c flushCut, now int64) *flushState {
	n := &flushState{done: f.done}
	merge := func(c flushCut) {
		n.done.oldestLive = max(n.done.oldestLive, c.oldestLive)
		n.done.oldestCAS = max(n.done.oldestCAS, c.oldestCAS)
	}
	if f.pending.oldestLive != 0 && f.pending.oldestLive <= now {
		merge(f.pending)
	}
	if c.oldestLive <= now {
		merge(c)
	} else {
		n.pending = c
	}
	return n
}
