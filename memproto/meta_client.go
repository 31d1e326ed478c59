package memproto

import (
	"bytes"
	"strconv"
)

// AppendMetaRequest appends a meta request line to dst: the command (one
// of CmdMetaGet .. CmdMetaDebug), the key, for ms the length of value,
// then each flag as its letter followed by its token, "\r\n", and for ms
// the data block value and "\r\n". When flags hold a 'b' flag, key is the
// binary key and is sent base64-encoded, so that the key of a request
// parsed by the server equals key. mn takes no key; its key and flags are
// ignored. Tokens must not contain spaces or line ends; nothing is
// checked.
func AppendMetaRequest(dst []byte, cmd Command, key []byte, flags []MetaFlag, value []byte) []byte {
	dst = append(dst, cmd.String()...)
	if cmd == CmdMetaNoop {
		return append(dst, "\r\n"...)
	}
	binary := false
	for _, f := range flags {
		if f.Flag == 'b' {
			binary = true
		}
	}
	dst = append(dst, ' ')
	if binary {
		dst = appendBase64(dst, key)
	} else {
		dst = append(dst, key...)
	}
	if cmd == CmdMetaSet {
		dst = append(dst, ' ')
		dst = strconv.AppendInt(dst, int64(len(value)), 10)
	}
	for _, f := range flags {
		dst = append(dst, ' ', f.Flag)
		dst = append(dst, f.Token...)
	}
	dst = append(dst, "\r\n"...)
	if cmd == CmdMetaSet {
		dst = append(dst, value...)
		dst = append(dst, "\r\n"...)
	}
	return dst
}

// AppendMeta appends the meta request r (as parsed by the server side) to
// dst in wire form: AppendMetaRequest with r's command, key, flags and,
// for ms, value. Parsing the result gives back an equal request.
func (r *Request) AppendMeta(dst []byte) []byte {
	return AppendMetaRequest(dst, r.Command, r.Key, r.Meta.Flags, r.Value)
}

// MetaResponse is one parsed meta response: its code, return flags and,
// for VA, its value. Byte slices alias the parsed buffer. Reuse a
// MetaResponse across calls to avoid allocation.
type MetaResponse struct {
	Code MetaCode
	// Flags are the return flags in wire order (HD VA EN NF NS EX MN).
	Flags []MetaFlag
	// Value is the data block of VA, without its "\r\n".
	Value []byte
	// Key is the key of ME.
	Key []byte
	// Text is the rest of the line after the code for ERROR,
	// CLIENT_ERROR and SERVER_ERROR (the message) and after the key for
	// ME (the "name=value" pairs).
	Text []byte
}

// Flag returns the token of return flag c and whether it was present.
func (r *MetaResponse) Flag(c byte) ([]byte, bool) {
	for _, f := range r.Flags {
		if f.Flag == c {
			return f.Token, true
		}
	}
	return nil, false
}

// ParseMetaResponse parses the first meta response in buf into r and
// returns its length in bytes, the data block of VA included. It returns
// ErrIncomplete, with r unspecified, when buf does not yet hold it all,
// and another error for bytes that are no meta response. Error lines
// (ERROR, CLIENT_ERROR, SERVER_ERROR) parse as codes, not errors.
func ParseMetaResponse(buf []byte, r *MetaResponse) (int, error) {
	nl := bytes.IndexByte(buf, '\n')
	if nl < 0 {
		return 0, ErrIncomplete
	}
	line := buf[:nl]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	n := nl + 1
	*r = MetaResponse{Flags: r.Flags[:0]}
	codeTok, rest := cutSpace(line)
	r.Code = lookupMetaCode(codeTok)
	switch r.Code {
	case MetaNone:
		return 0, quoteErr("bad meta response", line)
	case MetaError, MetaClientError, MetaServerError:
		r.Text = rest
		return n, nil
	case MetaME:
		r.Key, r.Text = cutSpace(rest)
		return n, nil
	}
	size := -1
	if r.Code == MetaVA {
		var sizeTok []byte
		sizeTok, rest = cutSpace(rest)
		v, err := strconv.ParseUint(string(sizeTok), 10, 31)
		if err != nil {
			return 0, quoteErr("bad VA size in", line)
		}
		size = int(v)
	}
	for len(rest) > 0 {
		var tok []byte
		tok, rest = cutSpace(rest)
		if len(tok) == 0 {
			continue
		}
		r.Flags = append(r.Flags, MetaFlag{Flag: tok[0], Token: tok[1:]})
	}
	if size < 0 {
		return n, nil
	}
	if size > len(buf)-n-2 { // not n+size+2: it may overflow a 32-bit int
		return 0, ErrIncomplete
	}
	if buf[n+size] != '\r' || buf[n+size+1] != '\n' {
		return 0, quoteErr("VA data block not terminated by CRLF:", buf[n:min(len(buf), n+size+2)])
	}
	r.Value = buf[n : n+size]
	return n + size + 2, nil
}

// cutSpace splits b at its first space.
func cutSpace(b []byte) (before, after []byte) {
	if i := bytes.IndexByte(b, ' '); i >= 0 {
		return b[:i], b[i+1:]
	}
	return b, nil
}

// AppendKey appends the key returned by the k flag to dst, decoded from
// base64 when the response also carries the b flag (a binary key). ok is
// false when there is no k flag or its base64 does not decode.
func (r *MetaResponse) AppendKey(dst []byte) (out []byte, ok bool) {
	key, ok := r.Flag('k')
	if !ok {
		return dst, false
	}
	if _, binary := r.Flag('b'); !binary {
		return append(dst, key...), true
	}
	return appendBase64Key(dst, key)
}
