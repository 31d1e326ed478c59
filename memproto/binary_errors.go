package memproto

import "errors"

// BinaryError is a binary request that the server refuses with an error
// response. It is never an I/O error. After appending the reply (see
// AppendReply) the server discards Swallow further bytes of the stream
// (the rest of the refused packet: the byte-slice parser reports them
// without consuming them, BinaryReader has already skipped them) and
// closes the connection if Close is set, as memcached does when it cannot
// trust the framing of the stream any more.
//
// When a parser returns a *BinaryError, the request's Header holds the
// decoded header, so the reply can carry its opcode and opaque.
//
// The parsers return the shared values below where Swallow is 0 and a
// fresh *BinaryError otherwise; compare with errors.Is, which matches on
// Status and Close.
type BinaryError struct {
	// Status is the status of the error response; BinaryStatusNoError
	// means no response at all (a bad magic byte).
	Status BinaryStatus
	// Swallow is the number of bytes that follow the parsed part of the
	// packet and belong to it (the value of a refused storage request).
	Swallow int
	// Close asks the server to close the connection after the reply.
	Close bool
}

func (e *BinaryError) Error() string {
	if e.Status == BinaryStatusNoError {
		return "memproto: binary: bad magic byte"
	}
	if e.Close {
		return "memproto: binary: " + e.Status.Message() + " (closing)"
	}
	return "memproto: binary: " + e.Status.Message()
}

// Is reports whether target is a *BinaryError with the same Status and
// Close, so errors.Is(err, ErrBinaryTooLarge) holds whatever Swallow is.
func (e *BinaryError) Is(target error) bool {
	t, ok := target.(*BinaryError)
	return ok && t.Status == e.Status && t.Close == e.Close
}

// AppendReply appends memcached's error response for e to a request with
// the given opcode and opaque (see AppendBinaryError), or nothing when
// e.Status is BinaryStatusNoError.
func (e *BinaryError) AppendReply(dst []byte, opcode BinaryOpcode, opaque uint32) []byte {
	if e.Status == BinaryStatusNoError {
		return dst
	}
	return AppendBinaryError(dst, opcode, opaque, e.Status)
}

// Errors of binary request parsing, as values for errors.Is. memcached
// 1.6.18 answers them as described and, where Close is set, then closes
// the connection.
var (
	// ErrBinaryBadMagic: the first byte of a request is not
	// BinaryMagicRequest. memcached closes the connection without a reply.
	ErrBinaryBadMagic = &BinaryError{Close: true}
	// ErrBinaryBadFraming: the header's key and extras lengths exceed its
	// body length. memcached answers "Unknown command" and closes.
	ErrBinaryBadFraming = &BinaryError{Status: BinaryStatusUnknownCommand, Close: true}
	// ErrBinaryInvalidArguments: extras, key or body lengths not allowed
	// for the opcode, or a key longer than MaxKeyLength. memcached answers
	// "Invalid arguments" and closes.
	ErrBinaryInvalidArguments = &BinaryError{Status: BinaryStatusInvalidArguments, Close: true}
	// ErrBinaryUnknownCommand: an opcode the parser does not implement
	// (the range operations and undefined opcodes). memcached answers
	// "Unknown command" and keeps the connection; the parser reports the
	// rest of the packet as Swallow. (memcached 1.6.18 swallows
	// BodyLength bytes after the extras and key, overrunning the packet
	// when either is present; see BINARY.md.)
	ErrBinaryUnknownCommand = &BinaryError{Status: BinaryStatusUnknownCommand}
	// ErrBinaryTooLarge: a value longer than Limits.MaxItemSize.
	// memcached answers "Too large." and swallows the value.
	ErrBinaryTooLarge = &BinaryError{Status: BinaryStatusValueTooLarge}
)

// Errors of binary response parsing (client side). The connection is out
// of step with the server after any of them and must be closed.
var (
	// ErrBinaryResponseMagic: a response does not start with
	// BinaryMagicResponse.
	ErrBinaryResponseMagic = errors.New("memproto: binary response: bad magic byte")
	// ErrBinaryResponseFraming: a response's key and extras lengths exceed
	// its body length.
	ErrBinaryResponseFraming = errors.New("memproto: binary response: extras and key longer than body")
	// ErrBinaryResponseTooLarge: a response body longer than the reader's
	// limit.
	ErrBinaryResponseTooLarge = errors.New("memproto: binary response: body too large")
)

// binarySwallow returns a fresh copy of e with n bytes to swallow, or e
// itself when n is 0.
func binarySwallow(e *BinaryError, n int) *BinaryError {
	if n == 0 {
		return e
	}
	return &BinaryError{Status: e.Status, Close: e.Close, Swallow: n}
}
