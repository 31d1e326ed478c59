package memproto

import "math"

// Limits of memcached 1.6's meta commands.
const (
	// metaMaxTokens is memcached's MFLAG_MAX_OPT_LENGTH: the most tokens
	// a meta line may have, counting the command and a terminating empty
	// token. mg, md and ma thus take at most 17 flags, ms 16.
	metaMaxTokens = 20
	// MaxMetaOpaqueLength is the longest O token memcached accepts,
	// counting the 'O' itself: the opaque value has at most 31 bytes.
	MaxMetaOpaqueLength = 32
)

// The CLIENT_ERROR replies of the meta commands, with memcached 1.6.18's
// exact text; the ones the parser returns as is are shared values.
var (
	errMetaFlagsTooLongGet = newError("CLIENT_ERROR options flags are too long") // mg
	errMetaFlagsTooLong    = newError("CLIENT_ERROR options flags too long")     // ms md ma
	errMetaInvalidOrDup    = newError("CLIENT_ERROR invalid or duplicate flag")  // md ma
	errMetaOpaqueTooLong   = newError("CLIENT_ERROR opaque token too long")
	errMetaMaMode          = newError("CLIENT_ERROR invalid mode for ma M token")
)

const (
	replyMetaDuplicate   = "CLIENT_ERROR duplicate flag"
	replyMetaInvalid     = "CLIENT_ERROR invalid flag"
	replyMetaDecodeKey   = "CLIENT_ERROR error decoding key"
	replyMetaBadToken    = "CLIENT_ERROR bad token in command line format"
	replyMetaMLength     = "CLIENT_ERROR incorrect length for M token"
	replyMetaBadInitial  = "CLIENT_ERROR invalid numeric initial value"
	replyMetaBadDelta    = "CLIENT_ERROR invalid numeric delta value"
	replyMetaMsMode      = "CLIENT_ERROR invalid mode for ms M token"
	replyMetaOpaqueLong  = "CLIENT_ERROR opaque token too long"
	replyMetaBadFormat   = "CLIENT_ERROR bad command line format"
	replyMetaUnknownFlag = replyMetaInvalid
)

// parseMeta parses the tokens of a meta request line that follow the
// command name into req; req.Command must already be one of CmdMetaGet ..
// CmdMetaDebug. Tokens must not contain spaces; empty tokens (from runs of
// spaces) are ignored as memcached ignores them, by compacting args in
// place, and a NUL byte ends the line as it does for memcached.
//
// req.Key, req.Meta and, for ms, the data-block framing are set (and
// cleared first; the caller resets the rest of req with Request.Reset).
// req.Key aliases args or, with the b flag, req.Meta's key buffer.
//
// Errors are *Error values with memcached's reply. For ms, Swallow is set
// exactly when memcached swallows the data block: after the data length
// has parsed (a bad flag, mode or opaque), not for a missing or bad data
// length, a too long key or too many flags, where memcached reads the
// data block as the next command. The caller still checks the data length
// against its item size limit.
//
// Where memcached detects an error only while building the reply (a too
// long opaque on mg and ma), parseMeta refuses the request up front with
// the same reply; memcached has by then applied the command's side effects
// (touch, vivify, increment), RatMemCache does not.
func parseMeta(req *Request, args [][]byte) error {
	m := &req.Meta
	m.reset()
	req.Key, req.Value, req.hasData, req.dataLen = nil, nil, false, 0
	args = compactTokens(args)
	switch req.Command {
	case CmdMetaNoop:
		return nil // memcached ignores whatever follows mn.
	case CmdMetaDebug:
		return parseMetaDebug(req, args)
	case CmdMetaGet, CmdMetaSet, CmdMetaDelete, CmdMetaArithmetic:
	default:
		return ErrUnknownCommand
	}
	if len(args) < 1 {
		return ErrUnknownCommand
	}
	key := args[0]
	if len(key) > MaxKeyLength {
		return ErrBadFormat
	}
	req.Key = key
	ntokens := len(args) + 2 // memcached counts the command and a terminator.

	if req.Command == CmdMetaSet {
		return parseMetaSet(req, args, ntokens)
	}
	if ntokens > metaMaxTokens {
		if req.Command == CmdMetaGet {
			return errMetaFlagsTooLongGet
		}
		return errMetaFlagsTooLong
	}
	if reply := m.preparse(req, args[1:]); reply != "" {
		if req.Command == CmdMetaGet {
			return metaError(reply, 0)
		}
		return errMetaInvalidOrDup // md and ma hide the reason.
	}
	if req.Command == CmdMetaArithmetic {
		switch m.Mode {
		case 0, 'I', '+', 'D', '-':
		default:
			return errMetaMaMode
		}
	}
	if m.Has('O') && len(m.Opaque)+1 > MaxMetaOpaqueLength {
		return errMetaOpaqueTooLong
	}
	return nil
}

// parseMetaSet handles ms after the key: the data length, then the flags.
func parseMetaSet(req *Request, args [][]byte, ntokens int) error {
	m := &req.Meta
	if len(args) < 2 {
		return ErrBadFormat
	}
	if ntokens > metaMaxTokens {
		return errMetaFlagsTooLong
	}
	vlen, ok := cStrtol32(args[1])
	if !ok || vlen < 0 || vlen > math.MaxInt32-2 {
		return ErrBadFormat
	}
	// From here memcached knows the data length and swallows the block
	// on error, so the connection stays in step.
	swallow := int(vlen) + 2
	if reply := m.preparse(req, args[2:]); reply != "" {
		return metaError(reply, swallow)
	}
	switch m.Mode {
	case 0, 'E', 'A', 'P', 'R', 'S':
	default:
		return metaError(replyMetaMsMode, swallow) // wins over the opaque check
	}
	if m.Has('O') && len(m.Opaque)+1 > MaxMetaOpaqueLength {
		return metaError(replyMetaOpaqueLong, swallow)
	}
	req.hasData = true
	req.dataLen = int(vlen)
	return nil
}

// parseMetaDebug handles me: a key and an optional b as the very next
// token; anything else is ignored, as memcached does.
func parseMetaDebug(req *Request, args [][]byte) error {
	m := &req.Meta
	if len(args) < 1 || len(args[0]) > MaxKeyLength {
		return ErrBadFormat
	}
	req.Key = args[0]
	if len(args) >= 2 && len(args[1]) == 1 && args[1][0] == 'b' {
		m.mark('b')
		m.Flags = append(m.Flags, MetaFlag{Flag: 'b', Token: args[1][1:]})
		key, ok := appendBase64Key(m.keyBuf[:0], args[0])
		if !ok {
			return ErrBadFormat
		}
		m.keyBuf = key
		req.Key = key
	}
	return nil
}

// preparse is memcached's _meta_flag_preparse: it records every flag in
// m, decodes typed values and the base64 key, and returns "" or the reply
// memcached would send. Like memcached it stops at a duplicate or unknown
// flag but carries on after a bad value, so the last such error wins; a
// bad F value leaves the reply at its default, "bad command line format".
func (m *Meta) preparse(req *Request, flags [][]byte) (reply string) {
	failed := false
	for _, tok := range flags {
		c := tok[0]
		if c >= 127 || m.mark(c) {
			return replyMetaDuplicate
		}
		m.Flags = append(m.Flags, MetaFlag{Flag: c, Token: tok[1:]})
		arg := tok[1:]
		var ok bool
		switch c {
		case 'b':
			// Decoded from the key as sent: the b flag may follow other
			// flags but the key token is always the original.
			var key []byte
			key, ok = appendBase64Key(m.keyBuf[:0], req.Key)
			if ok {
				m.keyBuf = key
				req.Key = key
			} else {
				reply, failed = replyMetaDecodeKey, true
			}
			continue
		case 'N':
			m.VivifyTTL, ok = cStrtol32(arg)
		case 'T':
			m.TTL, ok = cStrtol32(arg)
		case 'R':
			m.RecacheTTL, ok = cStrtol32(arg)
		case 'C':
			m.CAS, ok = cStrtoull(arg)
		case 'F':
			if m.ClientFlags, ok = cStrtoul32(arg); !ok {
				failed = true // no reply of its own
			}
			continue
		case 'M':
			if len(tok) != 2 {
				reply, failed = replyMetaMLength, true
			} else {
				m.Mode = tok[1]
			}
			continue
		case 'J':
			if m.Initial, ok = cStrtoull(arg); !ok {
				reply, failed = replyMetaBadInitial, true
			}
			continue
		case 'D':
			if m.Delta, ok = cStrtoull(arg); !ok {
				reply, failed = replyMetaBadDelta, true
			}
			continue
		case 'O':
			m.Opaque = arg
			continue
		case 'P', 'L', 'k', 's', 't', 'c', 'f', 'v', 'h', 'l', 'u', 'q', 'I':
			continue
		default:
			return replyMetaUnknownFlag
		}
		if !ok {
			reply, failed = replyMetaBadToken, true
		}
	}
	if !failed {
		return ""
	}
	if reply == "" {
		reply = replyMetaBadFormat
	}
	return reply
}

// metaError returns the shared *Error for reply when nothing is to be
// swallowed, so the common error paths do not allocate.
func metaError(reply string, swallow int) *Error {
	if swallow == 0 {
		switch reply {
		case replyMetaBadFormat:
			return ErrBadFormat
		case replyMetaOpaqueLong:
			return errMetaOpaqueTooLong
		}
	}
	return &Error{Reply: reply, Swallow: swallow}
}

// compactTokens drops empty tokens from args, in place, as memcached's
// tokenizer never yields them. It also ends the line at the first NUL
// byte: memcached tokenizes the line as a C string, so the token holding
// the NUL is cut there and later tokens are dropped.
func compactTokens(args [][]byte) [][]byte {
	out := args[:0]
	for _, a := range args {
		// Tokens are short: a plain loop beats bytes.IndexByte here.
		nul := false
		for i, c := range a {
			if c == 0 {
				a, nul = a[:i], true
				break
			}
		}
		if len(a) > 0 {
			out = append(out, a)
		}
		if nul {
			break
		}
	}
	return out
}
