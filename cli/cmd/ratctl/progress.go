package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// progress draws a one-line progress bar on a terminal, at most ten
// times a second. Its zero value (nil w) draws nothing.
type progress struct {
	w     io.Writer
	what  string
	total int64 // 0: unknown
	unit  func(int64) string
	last  time.Time
	drawn bool
}

// newProgress returns a bar on e.stderr if mode ("auto", "always",
// "never") and the terminal allow it.
func newProgress(e *env, mode, what string, total int64, unit func(int64) string) *progress {
	p := &progress{what: what, total: total, unit: unit}
	if mode == "always" || mode == "auto" && e.stderrTTY {
		p.w = e.stderr
	}
	return p
}

func (p *progress) update(done int64) {
	if p.w == nil || time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last = time.Now()
	p.draw(done)
}

func (p *progress) draw(done int64) {
	const width = 30
	var b strings.Builder
	b.WriteString("\r" + p.what + " ")
	if p.total > 0 {
		frac := min(float64(done)/float64(p.total), 1)
		fill := int(frac * width)
		b.WriteString("[" + strings.Repeat("=", fill) + strings.Repeat(" ", width-fill) + "] ")
		fmt.Fprintf(&b, "%3.0f%% %s/%s", 100*frac, p.unit(done), p.unit(p.total))
	} else {
		b.WriteString(p.unit(done))
	}
	b.WriteString("\x1b[K") // clear to the end of the line
	io.WriteString(p.w, b.String())
	p.drawn = true
}

// finish draws the final state and ends the line.
func (p *progress) finish(done int64) {
	if p.w == nil {
		return
	}
	p.draw(done)
	io.WriteString(p.w, "\n")
}

func itemsUnit(n int64) string { return formatCount(n) }
func bytesUnit(n int64) string { return formatBytes(float64(n)) }
