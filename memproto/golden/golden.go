// Package golden reads, records and replays golden conversations: request
// bytes and the exact reply bytes a memcached-compatible server sends, kept
// in readable text files. The files under memproto/testdata/golden are
// recorded from a real memcached 1.6 and replayed against both memcached
// and ratmemcached by the tests.
//
// # File format
//
// One line per item; blank lines are ignored.
//
//	# free text                        a comment
//	#! args -I 2048                    extra memcached arguments for this file
//	#! binary                          the conversation speaks the binary protocol
//	=== name [nosentinel]              starts an exchange (optional for the first)
//	> set k 0 0 3\r\n                  request bytes (Go string escapes, unquoted)
//	< STORED\r\n                       expected reply bytes (same escaping)
//	<! closed                          the server closes the connection here
//
// An exchange's request lines are sent in one write. The end of the reply
// is found with a sentinel request sent right after it: "version\r\n"
// (reply "VERSION <release>\r\n") for text, a binary no-op for binary files. An exchange marked
// nosentinel (for requests that leave the server reading a data block)
// reads until the server has been quiet for QuietPeriod instead.
package golden

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// QuietPeriod is how long a nosentinel exchange waits for more reply bytes.
var QuietPeriod = 150 * time.Millisecond

// Exchange is one request and its expected reply.
type Exchange struct {
	Name       string
	NoSentinel bool
	Request    []byte
	Reply      []byte
	// Closed means the server closes the connection after Reply.
	Closed bool
	// Line is where the exchange starts in its file.
	Line int
}

// Conversation is the content of one golden file.
type Conversation struct {
	Path       string
	Comments   []string
	ServerArgs []string
	Binary     bool
	Exchanges  []*Exchange
}

// Load reads and parses a golden file.
func Load(path string) (*Conversation, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s:%w", path, err)
	}
	c.Path = path
	return c, nil
}

// Parse parses the text of a golden file.
func Parse(data []byte) (*Conversation, error) {
	c := &Conversation{}
	var cur *Exchange
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	lineNo := 0
	startExchange := func(name string, nosentinel bool) {
		cur = &Exchange{Name: name, NoSentinel: nosentinel, Line: lineNo}
		c.Exchanges = append(c.Exchanges, cur)
	}
	for sc.Scan() {
		lineNo++
		line := sc.Text()
		switch {
		case strings.TrimSpace(line) == "":
		case strings.HasPrefix(line, "#! "):
			f := strings.Fields(line[3:])
			switch {
			case len(f) >= 1 && f[0] == "args":
				c.ServerArgs = append(c.ServerArgs, f[1:]...)
			case len(f) == 1 && f[0] == "binary":
				c.Binary = true
			default:
				return nil, fmt.Errorf("%d: unknown directive %q", lineNo, line)
			}
		case strings.HasPrefix(line, "#"):
			if cur == nil {
				c.Comments = append(c.Comments, line)
			}
		case strings.HasPrefix(line, "==="):
			f := strings.Fields(line[3:])
			nos := false
			if len(f) > 0 && f[len(f)-1] == "nosentinel" {
				nos, f = true, f[:len(f)-1]
			}
			startExchange(strings.Join(f, " "), nos)
		case strings.HasPrefix(line, "<! closed"):
			if cur == nil {
				return nil, fmt.Errorf("%d: reply before any request", lineNo)
			}
			cur.Closed = true
		case strings.HasPrefix(line, "> ") || line == ">":
			if cur == nil || len(cur.Reply) > 0 || cur.Closed {
				startExchange("", false)
			}
			b, err := unescape(strings.TrimPrefix(strings.TrimPrefix(line, ">"), " "))
			if err != nil {
				return nil, fmt.Errorf("%d: %v", lineNo, err)
			}
			cur.Request = append(cur.Request, b...)
		case strings.HasPrefix(line, "< ") || line == "<":
			if cur == nil {
				return nil, fmt.Errorf("%d: reply before any request", lineNo)
			}
			b, err := unescape(strings.TrimPrefix(strings.TrimPrefix(line, "<"), " "))
			if err != nil {
				return nil, fmt.Errorf("%d: %v", lineNo, err)
			}
			cur.Reply = append(cur.Reply, b...)
		default:
			return nil, fmt.Errorf("%d: line must start with #, ===, > or <: %q", lineNo, line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return c, nil
}

func unescape(s string) ([]byte, error) {
	u, err := strconv.Unquote(`"` + strings.ReplaceAll(s, `"`, `\"`) + `"`)
	if err != nil {
		return nil, fmt.Errorf("bad escape in %q: %v", s, err)
	}
	return []byte(u), nil
}

// escapeLines renders b as escaped lines, breaking after each "\n" so the
// file reads like the conversation.
func escapeLines(prefix string, b []byte) []string {
	var out []string
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		var chunk []byte
		if i < 0 || i > 4096 {
			n := len(b)
			if i > 4096 || n > 4096 {
				n = min(n, 4096)
			}
			chunk, b = b[:n], b[n:]
		} else {
			chunk, b = b[:i+1], b[i+1:]
		}
		q := strconv.Quote(string(chunk))
		q = q[1 : len(q)-1]
		q = strings.ReplaceAll(q, `\"`, `"`)
		out = append(out, prefix+" "+q)
	}
	return out
}

// Marshal renders the conversation in the file format.
func (c *Conversation) Marshal() []byte {
	var w bytes.Buffer
	for _, l := range c.Comments {
		w.WriteString(l + "\n")
	}
	if len(c.ServerArgs) > 0 {
		w.WriteString("#! args " + strings.Join(c.ServerArgs, " ") + "\n")
	}
	if c.Binary {
		w.WriteString("#! binary\n")
	}
	for _, e := range c.Exchanges {
		w.WriteString("\n===")
		if e.Name != "" {
			w.WriteString(" " + e.Name)
		}
		if e.NoSentinel {
			w.WriteString(" nosentinel")
		}
		w.WriteString("\n")
		for _, l := range escapeLines(">", e.Request) {
			w.WriteString(l + "\n")
		}
		for _, l := range escapeLines("<", e.Reply) {
			w.WriteString(l + "\n")
		}
		if e.Closed {
			w.WriteString("<! closed\n")
		}
	}
	return w.Bytes()
}

var (
	// The text sentinel is version, which every memcached release and
	// every protocol state answers with one line, "VERSION <release>".
	textSentinel      = []byte("version\r\n")
	textSentinelReply = []byte("VERSION ")
	// A binary no-op request with opaque 0x52415453 ("RATS"), and the
	// 24-byte reply memcached sends to it.
	binSentinel      = []byte{0x80, 0x0a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 'R', 'A', 'T', 'S', 0, 0, 0, 0, 0, 0, 0, 0}
	binSentinelReply = []byte{0x81, 0x0a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 'R', 'A', 'T', 'S', 0, 0, 0, 0, 0, 0, 0, 0}
)

// Result is what a server sent back for one exchange.
type Result struct {
	Reply  []byte
	Closed bool
}

// Run plays the conversation's requests against the server at addr on one
// connection and returns what it replied to each exchange.
func (c *Conversation) Run(addr string) ([]Result, error) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	sent, sentReply := textSentinel, textSentinelReply
	if c.Binary {
		sent, sentReply = binSentinel, binSentinelReply
	}
	results := make([]Result, 0, len(c.Exchanges))
	var pending []byte // bytes read past the previous exchange's end
	for _, e := range c.Exchanges {
		var res Result
		if e.NoSentinel {
			res, pending, err = exchangeQuiet(conn, e.Request, pending)
		} else {
			res, pending, err = exchangeSentinel(conn, e.Request, sent, sentReply, pending)
		}
		if err != nil {
			return results, fmt.Errorf("exchange at line %d (%s): %w", e.Line, e.Name, err)
		}
		results = append(results, res)
		if res.Closed {
			break
		}
	}
	return results, nil
}

func exchangeSentinel(conn net.Conn, req, sentinel, sentinelReply, pending []byte) (Result, []byte, error) {
	msg := append(append([]byte{}, req...), sentinel...)
	if _, err := conn.Write(msg); err != nil {
		return Result{}, nil, err
	}
	// The request may hold sentinel requests of its own (an "mn" in a
	// meta conversation); the reply ends at the one after all of them.
	want := 1 + countLines(req, sentinel)
	buf := pending
	tmp := make([]byte, 64<<10)
	deadline := time.Now().Add(5 * time.Second)
	for {
		if i := nthIndex(buf, sentinelReply, want); i >= 0 {
			end := i + len(sentinelReply)
			if sentinelReply[len(sentinelReply)-1] == ' ' {
				// A text sentinel reply runs to the end of its line.
				j := bytes.Index(buf[end:], []byte("\r\n"))
				end += j + 2
				if j < 0 {
					end = -1
				}
			}
			if end >= 0 {
				return Result{Reply: buf[:i]}, append([]byte{}, buf[end:]...), nil
			}
		}
		_ = conn.SetReadDeadline(deadline)
		n, err := conn.Read(tmp)
		buf = append(buf, tmp[:n]...)
		if err != nil {
			if errors.Is(err, io.EOF) || isReset(err) {
				return Result{Reply: buf, Closed: true}, nil, nil
			}
			return Result{Reply: buf}, nil, fmt.Errorf("no sentinel reply after %q: %v", buf, err)
		}
	}
}

// countLines counts the lines of req that are exactly line; a text
// sentinel must start a line to count, a binary one is counted anywhere.
func countLines(req, line []byte) int {
	n := 0
	for i := 0; i < len(req); {
		j := bytes.Index(req[i:], line)
		if j < 0 {
			break
		}
		at := i + j
		if line[0] == 0x80 || at == 0 || req[at-1] == '\n' {
			n++
		}
		i = at + len(line)
	}
	return n
}

// nthIndex returns where the nth occurrence of s in buf starts, or -1.
func nthIndex(buf, s []byte, n int) int {
	off := 0
	for ; n > 0; n-- {
		i := bytes.Index(buf[off:], s)
		if i < 0 {
			return -1
		}
		if n == 1 {
			return off + i
		}
		off += i + len(s)
	}
	return -1
}

func exchangeQuiet(conn net.Conn, req, pending []byte) (Result, []byte, error) {
	if _, err := conn.Write(req); err != nil {
		return Result{}, nil, err
	}
	buf := pending
	tmp := make([]byte, 64<<10)
	for {
		_ = conn.SetReadDeadline(time.Now().Add(QuietPeriod))
		n, err := conn.Read(tmp)
		buf = append(buf, tmp[:n]...)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return Result{Reply: buf}, nil, nil
			}
			return Result{Reply: buf, Closed: true}, nil, nil
		}
	}
}

func isReset(err error) bool {
	return strings.Contains(err.Error(), "connection reset")
}

// Record replaces every exchange's expected reply with what the server at
// addr sends.
func (c *Conversation) Record(addr string) error {
	res, err := c.Run(addr)
	if err != nil {
		return err
	}
	for i, e := range c.Exchanges {
		if i < len(res) {
			e.Reply, e.Closed = res[i].Reply, res[i].Closed
		} else {
			e.Reply, e.Closed = nil, false
		}
	}
	return nil
}

// Replay runs the conversation against the server at addr and describes
// every difference from the expected replies; none means identical.
func (c *Conversation) Replay(addr string) []string {
	res, err := c.Run(addr)
	var diffs []string
	for i, e := range c.Exchanges {
		if i >= len(res) {
			if err == nil {
				diffs = append(diffs, fmt.Sprintf("%s:%d %s: not run (connection closed earlier)", c.Path, e.Line, e.Name))
			}
			continue
		}
		r := res[i]
		if !bytes.Equal(r.Reply, e.Reply) || r.Closed != e.Closed {
			diffs = append(diffs, fmt.Sprintf("%s:%d %s:\n request %q\n got     %q (closed=%v)\n want    %q (closed=%v)",
				c.Path, e.Line, e.Name, trunc(e.Request), trunc(r.Reply), r.Closed, trunc(e.Reply), e.Closed))
		}
	}
	if err != nil {
		diffs = append(diffs, err.Error())
	}
	return diffs
}

func trunc(b []byte) []byte {
	if len(b) > 512 {
		return append(b[:512:512], "..."...)
	}
	return b
}
