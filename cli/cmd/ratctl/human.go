package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// formatBytes renders n bytes with IEC units: "512 B", "1.5 KiB".
func formatBytes(n float64) string {
	const unit = 1024
	if n < unit && n > -unit {
		if n == float64(int64(n)) {
			return strconv.FormatInt(int64(n), 10) + " B"
		}
		return strconv.FormatFloat(n, 'f', 1, 64) + " B"
	}
	units := []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	i := -1
	for (n >= unit || n <= -unit) && i < len(units)-1 {
		n /= unit
		i++
	}
	return strconv.FormatFloat(n, 'f', 1, 64) + " " + units[i]
}

// formatCount renders an integer with thousands separators.
func formatCount(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// formatRate renders a per-second rate.
func formatRate(r float64) string {
	switch {
	case r == 0:
		return "0/s"
	case r < 10:
		return strconv.FormatFloat(r, 'f', 2, 64) + "/s"
	case r < 1000:
		return strconv.FormatFloat(r, 'f', 1, 64) + "/s"
	}
	return formatCount(int64(r+0.5)) + "/s"
}

// formatPercent renders a ratio in [0, 1].
func formatPercent(r float64) string {
	return strconv.FormatFloat(100*r, 'f', 1, 64) + "%"
}

// formatSeconds renders a duration given in seconds.
func formatSeconds(sec int64) string {
	return (time.Duration(sec) * time.Second).String()
}

// table writes aligned columns; the columns named in right are right
// aligned (numbers).
type table struct {
	header []string
	rows   [][]string
	right  map[int]bool
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) write(w io.Writer) error {
	width := make([]int, len(t.header))
	all := append([][]string{t.header}, t.rows...)
	for _, r := range all {
		for i, c := range r {
			if i < len(width) {
				width[i] = max(width[i], utf8.RuneCountInString(c))
			}
		}
	}
	var b strings.Builder
	for _, r := range all {
		for i, c := range r {
			if i >= len(width) {
				break
			}
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(c))
			last := i == len(r)-1 || i == len(width)-1
			switch {
			case t.right[i]:
				b.WriteString(pad + c)
			case last:
				b.WriteString(c)
			default:
				b.WriteString(c + pad)
			}
			if !last {
				b.WriteString("  ")
			}
		}
		b.WriteByte('\n')
	}
	_, err := fmt.Fprint(w, b.String())
	return err
}
