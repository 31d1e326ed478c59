// Package sim replays key-access traces through eviction policies and
// counts hits: the engine's own policies (by engine.NewPolicy name) and a
// few reference implementations from other libraries.
package sim

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"strconv"
)

// ReadTrace reads a trace file: one decimal unsigned 64-bit key per line,
// gzip-compressed (plain text is accepted too, recognised by the absence
// of the gzip magic number).
func ReadTrace(path string) ([]uint64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	keys, err := ParseTrace(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return keys, nil
}

// ParseTrace parses a trace from r, gzip-compressed or plain.
func ParseTrace(r io.Reader) ([]uint64, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	magic, _ := br.Peek(2)
	var src io.Reader = br
	if bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		src = zr
	}
	sc := bufio.NewScanner(src)
	var keys []uint64
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		k, err := strconv.ParseUint(string(b), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		keys = append(keys, k)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return keys, nil
}
