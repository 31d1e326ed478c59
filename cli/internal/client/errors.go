package client

import (
	"errors"
	"strings"
)

// Errors returned by Conn methods. Server replies that mean "no" are
// reported with these sentinels; the connection stays usable after them.
var (
	// ErrNotFound: the key is not in the cache (get miss, NOT_FOUND).
	ErrNotFound = errors.New("not found")
	// ErrNotStored: a conditional store was refused (NOT_STORED).
	ErrNotStored = errors.New("not stored")
	// ErrExists: a cas store lost the race (EXISTS).
	ErrExists = errors.New("exists")
	// ErrAuth: the server refused the credentials, or asked for
	// credentials that were not given.
	ErrAuth = errors.New("authentication failed")
	// ErrTimeout: the server did not answer within the timeout.
	ErrTimeout = errors.New("timed out")
	// ErrBadKey: a key longer than 250 bytes or holding a space or a
	// control character; the text protocol cannot carry it.
	ErrBadKey = errors.New("invalid key (at most 250 bytes, no spaces or control characters)")
)

// ServerError is an ERROR, CLIENT_ERROR or SERVER_ERROR reply, or any
// reply the client did not expect.
type ServerError struct {
	// Reply is the whole reply line, e.g. "SERVER_ERROR out of memory".
	Reply string
}

func (e *ServerError) Error() string { return "server replied " + strings.TrimSpace(e.Reply) }
