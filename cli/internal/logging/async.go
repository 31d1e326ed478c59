package logging

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

var nowFunc = time.Now

// asyncHandler hands records to one writer goroutine through a bounded
// queue, so logging never blocks the caller. When the queue is full the
// record is dropped and counted. The goroutine writes up to batchSize
// records, or what arrived within batchInterval, then flushes once.
type asyncHandler struct {
	*shared
	base slog.Handler // the handler this value writes through
}

type shared struct {
	queue    chan queued
	done     chan struct{}
	closing  sync.Once
	dropped  atomic.Uint64
	bw       *bufio.Writer
	batch    int
	interval time.Duration
	mu       sync.RWMutex // orders Handle's sends before close closes queue
	closed   bool         // protected by mu
}

type queued struct {
	h slog.Handler
	r slog.Record
}

func newAsyncHandler(w io.Writer, newHandler func(io.Writer) slog.Handler, batch, intervalMS, buffer int) *asyncHandler {
	s := &shared{
		queue:    make(chan queued, max(buffer, 1)),
		done:     make(chan struct{}),
		bw:       bufio.NewWriterSize(w, 64<<10),
		batch:    max(batch, 1),
		interval: time.Duration(max(intervalMS, 1)) * time.Millisecond,
	}
	h := &asyncHandler{shared: s, base: newHandler(s.bw)}
	go s.run()
	return h
}

func (h *asyncHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.base.Enabled(ctx, l)
}

func (h *asyncHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if h.closed {
		h.dropped.Add(1)
		return nil
	}
	select {
	case h.queue <- queued{h.base, r.Clone()}:
	default:
		h.dropped.Add(1)
	}
	return nil
}

func (h *asyncHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &asyncHandler{shared: h.shared, base: h.base.WithAttrs(as)}
}

func (h *asyncHandler) WithGroup(name string) slog.Handler {
	return &asyncHandler{shared: h.shared, base: h.base.WithGroup(name)}
}

// run is the writer goroutine; it stops when close closes the queue.
func (s *shared) run() {
	defer close(s.done)
	t := time.NewTimer(s.interval)
	defer t.Stop()
	n := 0
	for {
		select {
		case q, ok := <-s.queue:
			if !ok {
				s.flush()
				return
			}
			_ = s.write(context.Background(), q.h, q.r)
			n++
			if n >= s.batch {
				s.flush()
				n = 0
			}
		case <-t.C:
			if n > 0 {
				s.flush()
				n = 0
			}
			t.Reset(s.interval)
		}
	}
}

func (s *shared) write(ctx context.Context, h slog.Handler, r slog.Record) error {
	return h.Handle(ctx, r)
}

func (s *shared) flush() { _ = s.bw.Flush() }

// close drains the queue, flushes and stops the goroutine. Records logged
// afterwards are dropped and counted.
func (s *shared) close() {
	s.closing.Do(func() {
		s.mu.Lock()
		s.closed = true
		close(s.queue)
		s.mu.Unlock()
		<-s.done
	})
}
