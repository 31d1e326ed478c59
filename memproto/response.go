package memproto

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// ResponseKind identifies one line (with its data block, if any) of a
// text-protocol reply.
type ResponseKind uint8

// Kinds of reply lines. A get reply is a sequence of KindValue responses
// ended by KindEnd; a stats reply KindStat lines ended by KindEnd; a
// metadump KindMetadump lines ended by KindEnd; a streaming_get hit one
// KindStream, its KindChunk frames and KindEnd.
const (
	KindNone        ResponseKind = iota
	KindValue                    // VALUE <key> <flags> <bytes> [<cas>] + data block
	KindEnd                      // END
	KindStored                   // STORED
	KindNotStored                // NOT_STORED
	KindExists                   // EXISTS
	KindNotFound                 // NOT_FOUND
	KindDeleted                  // DELETED
	KindTouched                  // TOUCHED
	KindOK                       // OK
	KindNumber                   // <decimal>, the result of incr/decr
	KindStat                     // STAT <name> <value>
	KindVersion                  // VERSION <version>
	KindError                    // ERROR, or "ERROR <msg>" / "ERROR: <msg>"
	KindClientError              // CLIENT_ERROR <msg>
	KindServerError              // SERVER_ERROR <msg>
	KindMetadump                 // key=<key> exp=... (lru_crawler metadump)
	KindStream                   // STREAM <key> <flags> <total> <chunks> <cas>
	KindChunk                    // CHUNK <index> <len> + data block
	// KindOther is any other line, e.g. "BUSY ...", "BADCLASS ...",
	// "MEMLIMIT_TOO_SMALL ..." or a meta-protocol reply; see Line.
	KindOther
)

// Response is one parsed reply line of the text protocol, with its data
// block for KindValue and KindChunk.
//
// Byte-slice fields alias the buffer the response was parsed from (for
// ResponseReader, its buffers): they are valid until that buffer changes,
// or until the next ReadResponse. A Response may be reused; each parse
// overwrites every field.
type Response struct {
	Kind ResponseKind
	// Line is the whole line without its line end.
	Line []byte
	// Key is the key of VALUE and STREAM, and the name of a STAT.
	Key []byte
	// Flags are the client flags of VALUE and STREAM.
	Flags uint32
	// CAS is the cas unique of VALUE (when HasCAS) and STREAM.
	CAS    uint64
	HasCAS bool
	// Value is the data of VALUE and CHUNK, the value of a STAT and the
	// version string of VERSION.
	Value []byte
	// Number is the result of incr/decr.
	Number uint64
	// Size is the byte count announced by VALUE and CHUNK, and the total
	// value size of STREAM; Chunks is the chunk count of STREAM.
	Size   int
	Chunks int
	// Index is the index of a CHUNK.
	Index int
	// Message is the text after ERROR, CLIENT_ERROR or SERVER_ERROR.
	Message []byte
}

// ErrBadResponse is wrapped by the errors of the response parsers for a
// reply that does not follow the protocol; the connection is then out of
// step and should be closed.
var ErrBadResponse = errors.New("memproto: malformed response")

// maxResponseLine bounds a response line, key included.
const maxResponseLine = 64 << 10

// ParseResponse parses one reply line (and its data block, if any) from
// the start of buf into resp and returns the number of bytes consumed. It
// returns ErrIncomplete (n = 0) while buf does not hold it all, and an
// error wrapping ErrBadResponse for malformed input. Lines end in "\n"
// with an optional "\r" (metadump lines have no "\r"); data blocks must
// end in "\r\n". resp's slices alias buf.
func ParseResponse(buf []byte, resp *Response) (n int, err error) {
	*resp = Response{}
	i := bytes.IndexByte(buf, '\n')
	if i < 0 {
		if len(buf) > maxResponseLine {
			return 0, badResponse("line too long", buf)
		}
		return 0, ErrIncomplete
	}
	line := buf[:i]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	if err := parseResponseLine(resp, line); err != nil {
		return 0, err
	}
	n = i + 1
	size, ok := responseDataLen(resp)
	if !ok {
		return n, nil
	}
	end := n + size + 2
	if len(buf) < end {
		*resp = Response{}
		return 0, ErrIncomplete
	}
	if buf[end-2] != '\r' || buf[end-1] != '\n' {
		return 0, badResponse("data block not ended by CRLF", line)
	}
	resp.Value = buf[n : end-2]
	return end, nil
}

// responseDataLen returns the length of the data block that follows
// resp's line, if any.
func responseDataLen(resp *Response) (int, bool) {
	switch resp.Kind {
	case KindValue:
		return resp.Size, true
	case KindChunk:
		return resp.Size, true
	}
	return 0, false
}

func badResponse(what string, b []byte) error {
	return errors.Join(ErrBadResponse, quoteErr(what, b))
}

// parseResponseLine classifies one line and fills resp's fields from it.
func parseResponseLine(resp *Response, line []byte) error {
	resp.Line = line
	word, rest := line, []byte(nil)
	if sp := bytes.IndexByte(line, ' '); sp >= 0 {
		word, rest = line[:sp], line[sp+1:]
	}
	if len(word) == 0 {
		return badResponse("empty line", line)
	}
	if kind := fixedKind(line); kind != KindNone {
		resp.Kind = kind
		return nil
	}
	switch string(word) {
	case "VALUE":
		return parseValueLine(resp, rest)
	case "STAT":
		return parseStatLine(resp, rest)
	case "VERSION":
		resp.Kind, resp.Value = KindVersion, rest
		return nil
	case "CLIENT_ERROR":
		resp.Kind, resp.Message = KindClientError, rest
		return nil
	case "SERVER_ERROR":
		resp.Kind, resp.Message = KindServerError, rest
		return nil
	case "STREAM":
		return parseStreamLine(resp, rest)
	case "CHUNK":
		return parseChunkLine(resp, rest)
	}
	switch {
	case bytes.HasPrefix(line, []byte("ERROR")):
		resp.Kind, resp.Message = KindError, bytes.TrimLeft(line[len("ERROR"):], ": ")
	case bytes.HasPrefix(line, []byte("key=")):
		resp.Kind = KindMetadump
	case word[0] >= '0' && word[0] <= '9':
		v, ok := parseStrictUint(line)
		if !ok {
			return badResponse("bad number", line)
		}
		resp.Kind, resp.Number = KindNumber, v
	default:
		resp.Kind = KindOther
	}
	return nil
}

// fixedKind returns the kind of a reply line without arguments.
func fixedKind(line []byte) ResponseKind {
	switch string(line) {
	case "END":
		return KindEnd
	case "STORED":
		return KindStored
	case "NOT_STORED":
		return KindNotStored
	case "EXISTS":
		return KindExists
	case "NOT_FOUND":
		return KindNotFound
	case "DELETED":
		return KindDeleted
	case "TOUCHED":
		return KindTouched
	case "OK":
		return KindOK
	}
	return KindNone
}

// fields splits b on single spaces into at most len(out) fields and
// reports how many there were; ok is false when there are more.
func fields(b []byte, out [][]byte) (n int, ok bool) {
	for len(b) > 0 {
		if n == len(out) {
			return n, false
		}
		sp := bytes.IndexByte(b, ' ')
		if sp < 0 {
			out[n] = b
			return n + 1, true
		}
		out[n] = b[:sp]
		b = b[sp+1:]
		n++
	}
	return n, true
}

// parseValueLine parses "<key> <flags> <bytes> [<cas>]".
func parseValueLine(resp *Response, rest []byte) error {
	var f [4][]byte
	n, ok := fields(rest, f[:])
	if !ok || n < 3 || len(f[0]) == 0 {
		return badResponse("bad VALUE line", rest)
	}
	flags, ok1 := parseStrictUint(f[1])
	size, ok2 := parseStrictUint(f[2])
	if !ok1 || !ok2 || flags > 1<<32-1 || size > 1<<31-3 {
		return badResponse("bad VALUE line", rest)
	}
	resp.Kind, resp.Key, resp.Flags, resp.Size = KindValue, f[0], uint32(flags), int(size)
	if n == 4 {
		cas, ok := parseStrictUint(f[3])
		if !ok {
			return badResponse("bad VALUE cas", rest)
		}
		resp.CAS, resp.HasCAS = cas, true
	}
	return nil
}

// parseStatLine parses "<name> <value>"; the value may hold spaces.
func parseStatLine(resp *Response, rest []byte) error {
	sp := bytes.IndexByte(rest, ' ')
	if sp <= 0 {
		return badResponse("bad STAT line", rest)
	}
	resp.Kind, resp.Key, resp.Value = KindStat, rest[:sp], rest[sp+1:]
	return nil
}

// parseStreamLine parses "<key> <flags> <total> <chunks> <cas>".
func parseStreamLine(resp *Response, rest []byte) error {
	var f [5][]byte
	n, ok := fields(rest, f[:])
	if !ok || n != 5 || len(f[0]) == 0 {
		return badResponse("bad STREAM line", rest)
	}
	flags, ok1 := parseStrictUint(f[1])
	total, ok2 := parseStrictUint(f[2])
	chunks, ok3 := parseStrictUint(f[3])
	cas, ok4 := parseStrictUint(f[4])
	if !ok1 || !ok2 || !ok3 || !ok4 || flags > 1<<32-1 || total > 1<<40 || chunks > total {
		return badResponse("bad STREAM line", rest)
	}
	if (total == 0) != (chunks == 0) {
		return badResponse("bad STREAM chunk count", rest)
	}
	resp.Kind, resp.Key, resp.Flags = KindStream, f[0], uint32(flags)
	resp.Size, resp.Chunks, resp.CAS, resp.HasCAS = int(total), int(chunks), cas, true
	return nil
}

// parseChunkLine parses "<index> <len>".
func parseChunkLine(resp *Response, rest []byte) error {
	var f [2][]byte
	n, ok := fields(rest, f[:])
	if !ok || n != 2 {
		return badResponse("bad CHUNK line", rest)
	}
	idx, ok1 := parseStrictUint(f[0])
	size, ok2 := parseStrictUint(f[1])
	if !ok1 || !ok2 || idx > 1<<40 || size > MaxStreamChunkSize {
		return badResponse("bad CHUNK line", rest)
	}
	resp.Kind, resp.Index, resp.Size = KindChunk, int(idx), int(size)
	return nil
}

// ResponseReader reads replies from a bufio.Reader, for a client
// connection. It is not safe for concurrent use; use NewResponseReader.
type ResponseReader struct {
	br   *bufio.Reader
	line []byte
	data []byte
}

// NewResponseReader returns a ResponseReader reading from br.
func NewResponseReader(br *bufio.Reader) *ResponseReader {
	return &ResponseReader{br: br}
}

// ReadResponse reads the next reply line, and its data block if any, into
// resp. resp's slices alias the ResponseReader's buffers and are valid
// until the next call. Errors are I/O errors (io.ErrUnexpectedEOF inside
// a reply) or wrap ErrBadResponse.
func (r *ResponseReader) ReadResponse(resp *Response) error {
	*resp = Response{}
	r.line = r.line[:0]
	for {
		frag, err := r.br.ReadSlice('\n')
		r.line = append(r.line, frag...)
		if err == nil {
			break
		}
		if len(r.line) > maxResponseLine {
			return badResponse("line too long", r.line)
		}
		if err != bufio.ErrBufferFull {
			if err == io.EOF && len(r.line) > 0 {
				return io.ErrUnexpectedEOF
			}
			return err
		}
	}
	line := r.line[:len(r.line)-1]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	if err := parseResponseLine(resp, line); err != nil {
		return err
	}
	size, ok := responseDataLen(resp)
	if !ok {
		return nil
	}
	b, err := r.readBlock(size + 2)
	if err != nil {
		return unexpected(err)
	}
	if b[size] != '\r' || b[size+1] != '\n' {
		return badResponse("data block not ended by CRLF", line)
	}
	resp.Value = b[:size]
	return nil
}

// readBlock reads n bytes into r.data. Beyond the capacity it already
// has, the buffer grows by at most 1 MiB per read, so that a bogus length
// announced by a broken server costs memory only as bytes arrive.
func (r *ResponseReader) readBlock(n int) ([]byte, error) {
	const step = 1 << 20
	b := r.data[:0]
	for len(b) < n {
		next := n
		if n > cap(b) {
			next = min(n, max(cap(b), len(b)+step))
		}
		if next > cap(b) {
			have := len(b)
			b = append(b[:cap(b)], make([]byte, next-cap(b))...)[:have]
		}
		if _, err := io.ReadFull(r.br, b[len(b):next]); err != nil {
			r.data = b[:0]
			return nil, err
		}
		b = b[:next]
	}
	r.data = b[:0]
	return b, nil
}
