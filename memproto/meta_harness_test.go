package memproto

import (
	"bytes"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/ratmemcache/ratmemcache/memproto/memcachedtest"
)

// startMemcached starts a real memcached for a differential test (or
// skips the test when there is none; see memcachedtest).
func startMemcached(t *testing.T) *memcachedtest.Server {
	t.Helper()
	return memcachedtest.Start(t)
}

// exchange writes req to c, followed by a miss with an opaque as an end
// marker, and returns the reply up to that marker.
func exchange(t *testing.T, c net.Conn, req string) string {
	t.Helper()
	const marker, endReply = "mg __end__ Oend\r\n", "EN Oend\r\n"
	if _, err := c.Write([]byte(req + marker)); err != nil {
		t.Fatal(err)
	}
	var out []byte
	buf := make([]byte, 64<<10)
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	for !bytes.HasSuffix(out, []byte(endReply)) {
		n, err := c.Read(buf)
		out = append(out, buf[:n]...)
		if err != nil {
			t.Fatalf("reading reply to %q: %v (got %q)", req, err, out)
		}
	}
	return strings.TrimSuffix(string(out), endReply)
}

// A tiny stand-in for the text parser of another branch: it frames one
// request from buf the way memcached's try_read_command_ascii does (line
// up to "\n", a "\r" before it dropped, the line split on single spaces),
// hands meta commands to parseMeta and reads the ms data block. It exists
// so that the tests can feed whole conversations through parseMeta.

// splitMetaLine splits a request line (without "\r\n") into the command
// and the tokens after it, as memcached's tokenize_command does: on ' '
// only, empty tokens kept here and dropped by parseMeta.
func splitMetaLine(line []byte, args [][]byte) (Command, [][]byte) {
	args = args[:0]
	cmdEnd := bytes.IndexByte(line, ' ')
	if cmdEnd < 0 {
		cmdEnd = len(line)
	}
	cmd := lookupCommand(line[:cmdEnd])
	rest := line[cmdEnd:]
	for len(rest) > 0 {
		rest = rest[1:] // the space
		i := bytes.IndexByte(rest, ' ')
		if i < 0 {
			i = len(rest)
		}
		args = append(args, rest[:i])
		rest = rest[i:]
	}
	return cmd, args
}

// errNotMeta is returned by readMeta for a command it does not handle.
var errNotMeta = errors.New("not a meta command")

// readMeta parses the first request of buf into req and returns the number
// of bytes it used, including a data block and, on error, what the error
// swallows. args is scratch space.
func readMeta(buf []byte, req *Request, args [][]byte, lim Limits) (int, error) {
	req.Reset()
	nl := bytes.IndexByte(buf, '\n')
	maxLine := lim.maxLineLength()
	if nl < 0 {
		if len(buf) > maxLine {
			return 0, ErrLineTooLong
		}
		return 0, ErrIncomplete
	}
	line := buf[:nl]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	cmd, args := splitMetaLine(line, args)
	if cmd.IsRetrieval() {
		maxLine = lim.maxGetLineLength()
	}
	if nl > maxLine {
		return 0, ErrLineTooLong
	}
	n := nl + 1
	if !cmd.IsMeta() {
		return n, errNotMeta
	}
	req.Command = cmd
	if err := parseMeta(req, args); err != nil {
		var e *Error
		if errors.As(err, &e) {
			n += e.Swallow
		}
		return n, err
	}
	if !req.hasData {
		return n, nil
	}
	if req.dataLen > lim.maxItemSize() {
		return n + req.dataLen + 2, tooLarge(req.dataLen)
	}
	if len(buf) < n+req.dataLen+2 {
		return 0, ErrIncomplete
	}
	data := buf[n : n+req.dataLen+2]
	if data[req.dataLen] != '\r' || data[req.dataLen+1] != '\n' {
		return n + req.dataLen + 2, ErrBadDataChunk
	}
	req.Value = data[:req.dataLen]
	return n + req.dataLen + 2, nil
}
