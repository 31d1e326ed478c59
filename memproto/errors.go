package memproto

import (
	"errors"
	"strconv"
)

// ErrIncomplete is returned by the byte-slice parsers when the buffer does
// not yet hold a whole request or response: read more bytes and call again
// with the longer buffer. Nothing was consumed.
var ErrIncomplete = errors.New("memproto: incomplete message")

// Error is a malformed or refused request that the server answers with one
// of memcached's error lines. It is never an I/O error: after writing Reply
// (followed by "\r\n"), the server discards Swallow further bytes of the
// stream (the data block of a refused storage command, so the connection
// stays in step with the client) and closes the connection if Close is set.
//
// The parsers return the shared values below where the reply is fixed and
// a fresh *Error where Swallow depends on the request; compare with
// errors.Is, which matches on Reply and Close.
type Error struct {
	// Reply is memcached's reply line without the trailing "\r\n",
	// e.g. "ERROR" or "CLIENT_ERROR bad command line format".
	Reply string
	// Swallow is the number of bytes following the request line that
	// belong to this request and must be discarded unread (0 for most
	// errors; the value's length plus 2 for a refused storage command).
	// The byte-slice parsers report it without having consumed those bytes;
	// Reader consumes them itself.
	Swallow int
	// Close asks the server to close the connection after the reply, as
	// memcached does when a request line can no longer be framed.
	Close bool
}

func (e *Error) Error() string {
	if e.Reply == "" {
		return "memproto: request line too long"
	}
	return "memproto: " + e.Reply
}

// Is reports whether target is an *Error with the same Reply and Close, so
// that errors.Is(err, ErrTooLarge) holds whatever Swallow is.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Reply == e.Reply && t.Close == e.Close
}

// AppendReply appends the error's reply line, with "\r\n", to dst; it
// appends nothing when Reply is empty.
func (e *Error) AppendReply(dst []byte) []byte {
	if e.Reply == "" {
		return dst
	}
	dst = append(dst, e.Reply...)
	return append(dst, "\r\n"...)
}

// The error replies of memcached 1.6's text and meta protocols, as values
// for errors.Is. Their Reply fields are the exact lines memcached sends.
var (
	// ErrUnknownCommand: an unknown command or a wrong number of tokens.
	ErrUnknownCommand = &Error{Reply: "ERROR"}
	// ErrBadFormat: a malformed command line (bad number, key too long...).
	ErrBadFormat = &Error{Reply: "CLIENT_ERROR bad command line format"}
	// ErrBadDataChunk: a data block not terminated by "\r\n" where its
	// announced length says it ends.
	ErrBadDataChunk = &Error{Reply: "CLIENT_ERROR bad data chunk"}
	// ErrTooLarge: a value larger than the server's maximum item size.
	ErrTooLarge = &Error{Reply: "SERVER_ERROR object too large for cache"}
	// ErrLineTooLong: no end of line within the line-length limit; the
	// connection cannot be resynchronised. memcached closes it without a
	// reply, so Reply is empty.
	ErrLineTooLong = &Error{Close: true}
)

// newError returns an *Error with a custom reply, for the many specific
// CLIENT_ERROR lines of the meta protocol and the arguments of admin commands.
func newError(reply string) *Error { return &Error{Reply: reply} }

// tooLarge returns ErrTooLarge with the data block of n value bytes (plus
// its "\r\n") to swallow.
func tooLarge(n int) *Error {
	return &Error{Reply: ErrTooLarge.Reply, Swallow: n + 2}
}

// quoteErr is used in error strings of the client side (responses that do
// not parse); it never runs on the server's hot path.
func quoteErr(prefix string, b []byte) error {
	if len(b) > 64 {
		b = b[:64]
	}
	return errors.New("memproto: " + prefix + " " + strconv.Quote(string(b)))
}

// More error replies of the classic text protocol, as values for errors.Is.
var (
	// ErrBadExptime: a non-numeric exptime in touch, gat, gats or
	// flush_all.
	ErrBadExptime = newError("CLIENT_ERROR invalid exptime argument")
	// ErrBadDelta: a non-numeric, negative or out-of-range delta in incr
	// or decr.
	ErrBadDelta = newError("CLIENT_ERROR invalid numeric delta argument")
	// ErrBadDelete: delete with a time other than 0 or a misplaced
	// noreply; memcached's reply has two spaces after the full stop.
	ErrBadDelete = newError("CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]")
	// ErrCrawlerSleep: lru_crawler sleep above one second.
	ErrCrawlerSleep = newError("CLIENT_ERROR sleep must be one second or less")
	// ErrBadChunkSize: streaming_get with a chunk size outside
	// [MinStreamChunkSize, MaxStreamChunkSize].
	ErrBadChunkSize = newError("CLIENT_ERROR invalid chunk size")
	// ErrHTTPRequest: an unknown command whose last token starts with
	// "HTTP/" (a web client talking to the cache port). memcached closes
	// the connection without a reply. Like ErrLineTooLong it has an empty
	// Reply and Close set, so errors.Is does not tell the two apart.
	ErrHTTPRequest = &Error{Close: true}
)
