package engine

import "time"

// Clock is the source of time of a [Cache]. Tests inject a fake clock so
// that expiry and the background cleaner run without sleeping.
//
// Implementations must be safe for concurrent use.
type Clock interface {
	// Now returns the current time. The cache uses whole Unix seconds,
	// like memcached.
	Now() time.Time
	// NewTicker returns a channel that delivers ticks every d and a
	// function that stops the ticker. The cleaner uses it.
	NewTicker(d time.Duration) (<-chan time.Time, func())
}

// SystemClock is the [Clock] backed by the time package; the zero value is
// ready to use and it is the default when [Config.Clock] is nil.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// NewTicker wraps time.NewTicker.
func (SystemClock) NewTicker(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTicker(d)
	return t.C, t.Stop
}
