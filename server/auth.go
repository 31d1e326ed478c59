package server

import (
	"bufio"
	"bytes"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/ratmemcache/ratmemcache/memproto"
)

// Authenticator checks a user name and password.
type Authenticator interface {
	Authenticate(user, password []byte) bool
}

// AuthFile is a set of users and passwords in memcached's auth-file format
// (memcached -Y): one "user:password" per line. It is an Authenticator.
type AuthFile struct {
	users map[string][]byte
}

// LoadAuthFile reads an auth file.
func LoadAuthFile(path string) (*AuthFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("auth file: %w", err)
	}
	a, err := ParseAuthFile(data)
	if err != nil {
		return nil, fmt.Errorf("auth file %s: %w", path, err)
	}
	return a, nil
}

// ParseAuthFile parses auth-file contents: lines of "user:password"
// (the password runs to the end of the line, a trailing "\r" excluded).
// A non-empty line without a colon is an error naming its line number,
// as memcached refuses a malformed entry.
func ParseAuthFile(data []byte) (*AuthFile, error) {
	a := &AuthFile{users: map[string][]byte{}}
	for n := 1; len(data) > 0; n++ {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			continue
		}
		i := bytes.IndexByte(line, ':')
		if i < 0 {
			return nil, fmt.Errorf("line %d: malformed entry, want user:password", n)
		}
		a.users[string(line[:i])] = bytes.Clone(line[i+1:])
	}
	if len(a.users) == 0 {
		return nil, errors.New("no user:password entries")
	}
	return a, nil
}

// Authenticate implements Authenticator; the password comparison takes
// the same time whatever the password.
func (a *AuthFile) Authenticate(user, password []byte) bool {
	want, ok := a.users[string(user)]
	if !ok {
		want = []byte{} // still compare, so timing does not reveal users
	}
	return subtle.ConstantTimeCompare(want, password) == 1 && ok
}

// Replies of memcached's text-protocol authentication.
const (
	replyUnauthenticated = "CLIENT_ERROR unauthenticated\r\n"
	replyAuthFailure     = "CLIENT_ERROR authentication failure\r\n"
	replyAuthTermination = "CLIENT_ERROR bad command line termination\r\n"
	replyAuthFormat      = "CLIENT_ERROR bad authentication token format\r\n"
	// maxAuthData bounds the "<user> <password>" block.
	maxAuthData = 16 << 10
)

// authenticateText runs memcached's text-protocol login (-Y): until it
// succeeds, the only request accepted is
//
//	set <any key> <any flags> <any exptime> <n>\r\n<user> <password>\r\n
//
// answered STORED or "CLIENT_ERROR authentication failure"; any other
// request gets "CLIENT_ERROR unauthenticated".
func (h *textHandler) authenticateText() error {
	s := h.c.srv
	br := h.c.br
	// memcached waits for two bytes before it looks for a login line.
	if _, err := br.Peek(2); err != nil {
		return err
	}
	line, err := br.ReadSlice('\n')
	defer func() {
		if !h.c.authed {
			// memcached answers one login attempt per read and drops the
			// rest of what arrived with it.
			_, _ = br.Discard(br.Buffered())
		}
	}()
	if errors.Is(err, bufio.ErrBufferFull) {
		return errClose // no newline in a whole buffer: junk, as memcached judges it
	}
	if err != nil {
		return err
	}
	toks := bytes.Fields(bytes.TrimRight(line, "\r\n"))
	var size uint64
	ok := len(toks) >= 5 && string(toks[0]) == "set"
	if ok {
		size, err = strconv.ParseUint(string(bytes.TrimRight(toks[4], "\r")), 10, 32)
		ok = err == nil
	}
	if !ok {
		return h.write([]byte(replyUnauthenticated))
	}
	if size+2 > maxAuthData {
		return errClose
	}
	block := make([]byte, size+2)
	if _, err := io.ReadFull(br, block); err != nil {
		return err
	}
	s.st.authCmds.Add(1)
	if !bytes.HasSuffix(block, []byte("\r\n")) {
		s.st.authErrors.Add(1)
		return h.write([]byte(replyAuthTermination))
	}
	cred := bytes.Fields(block[:size])
	if len(cred) < 2 {
		s.st.authErrors.Add(1)
		return h.write([]byte(replyAuthFormat))
	}
	if !s.TextAuth.Authenticate(cred[0], cred[1]) {
		s.st.authErrors.Add(1)
		s.logger().Warn("authentication failed", "remote", h.c.nc.RemoteAddr().String(), "user", string(cred[0]))
		s.audit("authentication failed", h.c, "user", string(cred[0]))
		return h.write([]byte(replyAuthFailure))
	}
	h.c.authed = true
	return h.write([]byte(memproto.ReplyStored))
}

// saslAuth serves the binary protocol's SASL opcodes with the PLAIN
// mechanism: the data is "[authzid]\x00user\x00password".
func (h *binaryHandler) saslAuth(op memproto.BinaryOpcode) error {
	s := h.c.srv
	hd := &h.req.Header
	switch op {
	case memproto.BinaryOpSASLListMechs:
		h.out = memproto.AppendBinarySASLMechsResponse(h.out[:0], hd.Opaque, "PLAIN")
		return h.write(h.out)
	case memproto.BinaryOpSASLAuth:
		s.st.authCmds.Add(1)
		if string(h.req.Key) == "PLAIN" {
			parts := bytes.Split(h.req.Value, []byte{0})
			if len(parts) == 3 && s.SASL.Authenticate(parts[1], parts[2]) {
				h.c.authed = true
				h.out = memproto.AppendBinarySASLAuthResponse(h.out[:0], hd.Opcode, hd.Opaque, true, nil)
				return h.write(h.out)
			}
		}
	default: // SASL step: PLAIN has a single step
		s.st.authCmds.Add(1)
	}
	s.st.authErrors.Add(1)
	s.logger().Warn("SASL authentication failed", "remote", h.c.nc.RemoteAddr().String())
	s.audit("authentication failed", h.c, "mechanism", string(h.req.Key))
	return h.fail(memproto.BinaryStatusAuthError)
}
