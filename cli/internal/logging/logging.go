// Package logging builds ratmemcached's loggers from the [logging]
// configuration: level, text or JSON, colours on a terminal, timestamps,
// output to stderr, stdout or a file that can be reopened (SIGHUP), the
// audit, cache and performance streams, and optional asynchronous writing
// with a bounded queue.
package logging

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"

	"github.com/ratmemcache/ratmemcache/cli/internal/config"
)

// Logs holds the loggers of one daemon. Its methods are safe for
// concurrent use.
type Logs struct {
	// Main receives everything not in a named stream.
	Main *slog.Logger
	// Audit records administrative events: start, stop, signals, shutdown,
	// configuration, log reopening. It discards unless enable_audit_logs.
	Audit *slog.Logger
	// Cache records cache operations at debug level. It discards unless
	// enable_cache_logs.
	Cache *slog.Logger
	// Perf records periodic summaries and slow operations. It discards
	// unless enable_performance_logs.
	Perf *slog.Logger

	Level *slog.LevelVar
	out   *ReopenWriter
	async *asyncHandler
}

// ParseLevel maps a level name to a slog.Level.
func ParseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("unknown log level %q; expected debug, info, warn or error", s)
	}
	return l, nil
}

// New builds the loggers. stderr and stdout are used for the outputs of
// those names (nil means os.Stderr and os.Stdout).
func New(cfg config.Logging, stderr, stdout io.Writer) (*Logs, error) {
	if stderr == nil {
		stderr = os.Stderr
	}
	if stdout == nil {
		stdout = os.Stdout
	}
	discard := slog.New(slog.DiscardHandler)
	if !cfg.EnableLogging {
		return &Logs{Main: discard, Audit: discard, Cache: discard, Perf: discard, Level: new(slog.LevelVar)}, nil
	}
	lv, err := ParseLevel(cfg.Level)
	if err != nil {
		return nil, err
	}
	l := &Logs{Level: new(slog.LevelVar)}
	l.Level.Set(lv)
	var w io.Writer
	switch cfg.Output {
	case "stderr", "":
		w = stderr
	case "stdout":
		w = stdout
	default:
		rw, err := OpenReopenWriter(cfg.Output)
		if err != nil {
			return nil, err
		}
		l.out = rw
		w = rw
	}
	if cfg.EnableColors && cfg.Format == "text" && IsTerminal(w) && os.Getenv("NO_COLOR") == "" {
		w = &colorWriter{w: w}
	}
	opts := &slog.HandlerOptions{Level: l.Level}
	if !cfg.ShowTimestamp {
		opts.ReplaceAttr = func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		}
	}
	newHandler := func(w io.Writer) slog.Handler {
		if cfg.Format == "json" {
			return slog.NewJSONHandler(w, opts)
		}
		return slog.NewTextHandler(w, opts)
	}
	var h slog.Handler
	if cfg.EnableAsync {
		l.async = newAsyncHandler(w, newHandler, cfg.BatchSize, cfg.BatchIntervalMS, cfg.BufferSize)
		h = l.async
	} else {
		h = newHandler(w)
	}
	l.Main = slog.New(h)
	stream := func(on bool, name string) *slog.Logger {
		if !on {
			return discard
		}
		return l.Main.With("log", name)
	}
	l.Audit = stream(cfg.EnableAuditLogs, "audit")
	l.Cache = stream(cfg.EnableCacheLogs, "cache")
	l.Perf = stream(cfg.EnablePerformanceLogs, "perf")
	return l, nil
}

// Reopen reopens the log file, if the output is one (after log rotation).
func (l *Logs) Reopen() error {
	if l.out == nil {
		return nil
	}
	return l.out.Reopen()
}

// Dropped returns how many records the asynchronous writer dropped
// because its queue was full.
func (l *Logs) Dropped() uint64 {
	if l.async == nil {
		return 0
	}
	return l.async.dropped.Load()
}

// Close flushes queued records and closes the log file.
func (l *Logs) Close() error {
	if l.async != nil {
		l.async.close()
		if n := l.async.dropped.Load(); n > 0 {
			// Written synchronously, after the queue has drained.
			_ = l.async.write(context.Background(), l.async.base, slog.NewRecord(nowFunc(), slog.LevelWarn,
				fmt.Sprintf("asynchronous logging dropped %d records (queue full)", n), 0))
			l.async.flush()
		}
	}
	if l.out != nil {
		return l.out.Close()
	}
	return nil
}

// IsTerminal reports whether w is a terminal (a character device).
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// ReopenWriter is a file that can be reopened in place, for log rotation.
type ReopenWriter struct {
	path string
	mu   sync.Mutex // protects f
	f    *os.File
}

// OpenReopenWriter opens path for appending, creating it if needed.
func OpenReopenWriter(path string) (*ReopenWriter, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	return &ReopenWriter{path: path, f: f}, nil
}

func (r *ReopenWriter) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.f.Write(p)
}

// Reopen closes the file and opens path again.
func (r *ReopenWriter) Reopen() error {
	f, err := os.OpenFile(r.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	r.mu.Lock()
	old := r.f
	r.f = f
	r.mu.Unlock()
	return old.Close()
}

// Close closes the file.
func (r *ReopenWriter) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.f.Close()
}

// colorWriter colours the level of text-handler lines with ANSI escapes.
// The text handler writes each record in one Write call.
type colorWriter struct{ w io.Writer }

var levelColors = []struct{ plain, colored []byte }{
	{[]byte("level=DEBUG"), []byte("level=\x1b[90mDEBUG\x1b[0m")},
	{[]byte("level=INFO"), []byte("level=\x1b[32mINFO\x1b[0m")},
	{[]byte("level=WARN"), []byte("level=\x1b[33mWARN\x1b[0m")},
	{[]byte("level=ERROR"), []byte("level=\x1b[31mERROR\x1b[0m")},
}

func (c *colorWriter) Write(p []byte) (int, error) {
	for _, lc := range levelColors {
		if i := bytes.Index(p, lc.plain); i >= 0 {
			b := make([]byte, 0, len(p)+len(lc.colored))
			b = append(b, p[:i]...)
			b = append(b, lc.colored...)
			b = append(b, p[i+len(lc.plain):]...)
			if _, err := c.w.Write(b); err != nil {
				return 0, err
			}
			return len(p), nil
		}
	}
	return c.w.Write(p)
}
