package memproto

import "encoding/binary"

// BinaryIncrNoCreate is the expiration of an Increment or Decrement
// request that asks the server not to create a missing counter: memcached
// answers KeyNotFound instead of storing Initial.
const BinaryIncrNoCreate uint32 = 0xffffffff

// binaryMaxPrefix bounds the header, extras and key that a valid or
// too-large request makes a reader buffer before its value.
const binaryMaxPrefix = BinaryHeaderLen + 255 + MaxKeyLength

// BinaryRequest is one parsed binary request.
//
// Extras, Key and Value alias the buffer the request was parsed from: they
// stay valid until that buffer is modified or, for a BinaryReader, until
// the next call to ReadRequest (or any other read from its bufio.Reader).
// Copy them to keep them longer. A BinaryRequest holds no other
// references; its zero value is ready for use and it is reused across
// calls without allocation. It is not safe for concurrent use.
type BinaryRequest struct {
	// Header is the request's header as sent (Opcode is the quiet variant
	// if the client sent one; see Header.Opcode.Loud). Header.CAS is the
	// compare-and-swap unique of set/add/replace/append/prepend/delete/
	// incr/decr (0 for none).
	Header BinaryHeader
	// Extras are the raw extras; the fields below decode them.
	Extras []byte
	// Key is the key (the stat group for Stat, the mechanism for SASL
	// Auth/Step).
	Key []byte
	// Value is the data after the key: the value of a storage command,
	// the SASL data, or bytes memcached ignores (a Stat or Touch body).
	Value []byte

	// Flags are the client flags of Set, Add and Replace.
	Flags uint32
	// Exptime is the expiration of Set/Add/Replace, Touch/GAT*,
	// Increment/Decrement (BinaryIncrNoCreate: do not create) and the
	// delay of Flush, as sent: 0 means never (Flush: now), up to 30 days
	// relative, larger a unix time. It is unsigned on the wire.
	Exptime uint32
	// Delta and Initial are the amount and the value to create of
	// Increment and Decrement.
	Delta, Initial uint64
	// Verbosity is the level of a Verbosity request.
	Verbosity uint32
}

// Reset clears r for reuse.
func (r *BinaryRequest) Reset() { *r = BinaryRequest{} }

// Opcode returns the request's opcode as sent.
func (r *BinaryRequest) Opcode() BinaryOpcode { return r.Header.Opcode }

// Quiet reports whether the request is a quiet variant.
func (r *BinaryRequest) Quiet() bool { return r.Header.Opcode.IsQuiet() }

// checkBinaryRequestHeader applies memcached 1.6.18's checks that need
// only the header (try_read_command_binary and dispatch_bin_command, in
// their order). It returns nil for a request to parse, or the error.
func checkBinaryRequestHeader(h *BinaryHeader) *BinaryError {
	if h.Magic != BinaryMagicRequest {
		return ErrBinaryBadMagic
	}
	ext, key, body := uint32(h.ExtrasLength), uint32(h.KeyLength), h.BodyLength
	if key+ext > body {
		return ErrBinaryBadFraming
	}
	if key > MaxKeyLength {
		return ErrBinaryInvalidArguments
	}
	ok := true
	switch h.Opcode.Loud() {
	case BinaryOpVersion, BinaryOpNoop, BinaryOpQuit, BinaryOpSASLListMechs:
		ok = ext == 0 && key == 0 && body == 0
	case BinaryOpFlush:
		ok = key == 0 && body == ext && (ext == 0 || ext == 4)
	case BinaryOpSet, BinaryOpAdd, BinaryOpReplace:
		ok = ext == 8 && key != 0
	case BinaryOpGet, BinaryOpGetK:
		ok = ext == 0 && key != 0 && body == key
	case BinaryOpDelete:
		ok = ext == 0 && key != 0 && body == key
	case BinaryOpIncrement, BinaryOpDecrement:
		ok = ext == 20 && key != 0 && body == key+ext
	case BinaryOpAppend, BinaryOpPrepend:
		ok = ext == 0 && key != 0
	case BinaryOpStat:
		ok = ext == 0
	case BinaryOpSASLAuth, BinaryOpSASLStep:
		ok = ext == 0 && key != 0
	case BinaryOpTouch, BinaryOpGAT, BinaryOpGATK:
		ok = ext == 4 && key != 0
	case BinaryOpVerbosity:
		// memcached 1.4's rule; 1.6 no longer implements the opcode.
		ok = ext == 4 && key == 0 && body == 4
	default:
		return ErrBinaryUnknownCommand
	}
	if !ok {
		return ErrBinaryInvalidArguments
	}
	return nil
}

// ParseBinaryRequest parses one binary request from the start of buf into
// req and returns the number of bytes it used. The slices of req alias buf
// (see BinaryRequest).
//
// It returns ErrIncomplete, with n 0, when buf does not yet hold the whole
// packet (or, for an error that needs the key, the header, extras and
// key); the 24-byte header says how long the packet is. It returns a
// *BinaryError for a request memcached refuses, with req.Header filled in:
//   - ErrBinaryBadMagic, ErrBinaryBadFraming, ErrBinaryInvalidArguments
//     (Close set): n is BinaryHeaderLen; the stream cannot be trusted.
//   - ErrBinaryUnknownCommand and ErrBinaryTooLarge: n covers header,
//     extras and key (Key and the extras fields are set), and the error's
//     Swallow the rest of the packet, which the caller must skip.
//
// A value longer than lim's MaxItemSize is refused whatever the opcode.
// Every opcode up to GATKQ is parsed, including Verbosity and the SASL
// opcodes, which memcached 1.6.18 answers with UnknownCommand (Verbosity
// always, SASL when started without -S): the server decides. Unlike
// memcached, which leaves unexpected value bytes of Stat, Touch and GAT
// in the stream, the parser always consumes whole packets.
func ParseBinaryRequest(buf []byte, req *BinaryRequest, lim Limits) (n int, err error) {
	if len(buf) < BinaryHeaderLen {
		return 0, ErrIncomplete
	}
	*req = BinaryRequest{}
	req.Header, _ = ParseBinaryHeader(buf)
	h := &req.Header
	berr := checkBinaryRequestHeader(h)
	if berr != nil && berr.Close {
		return BinaryHeaderLen, berr
	}
	prefix := BinaryHeaderLen + int(h.ExtrasLength) + int(h.KeyLength)
	value := int64(h.BodyLength) - int64(prefix-BinaryHeaderLen)
	if berr == nil && value > int64(lim.maxItemSize()) {
		berr = ErrBinaryTooLarge
	}
	if berr != nil {
		if len(buf) < prefix {
			return 0, ErrIncomplete
		}
		req.fill(buf[BinaryHeaderLen:prefix])
		return prefix, binarySwallow(berr, int(value))
	}
	total := prefix + int(value)
	if len(buf) < total {
		return 0, ErrIncomplete
	}
	req.fill(buf[BinaryHeaderLen:total])
	return total, nil
}

// fill sets the extras, key and value of r from body (the packet after
// its header, possibly cut after the key) and decodes the extras. The
// header has been checked.
func (r *BinaryRequest) fill(body []byte) {
	ext, key := int(r.Header.ExtrasLength), int(r.Header.KeyLength)
	r.Extras = body[:ext:ext]
	r.Key = body[ext : ext+key : ext+key]
	if len(body) > ext+key {
		r.Value = body[ext+key : len(body) : len(body)]
	}
	e := r.Extras
	switch r.Header.Opcode.Loud() {
	case BinaryOpSet, BinaryOpAdd, BinaryOpReplace:
		if len(e) == 8 {
			r.Flags = binary.BigEndian.Uint32(e)
			r.Exptime = binary.BigEndian.Uint32(e[4:])
		}
	case BinaryOpIncrement, BinaryOpDecrement:
		if len(e) == 20 {
			r.Delta = binary.BigEndian.Uint64(e)
			r.Initial = binary.BigEndian.Uint64(e[8:])
			r.Exptime = binary.BigEndian.Uint32(e[16:])
		}
	case BinaryOpFlush, BinaryOpTouch, BinaryOpGAT, BinaryOpGATK:
		if len(e) == 4 {
			r.Exptime = binary.BigEndian.Uint32(e)
		}
	case BinaryOpVerbosity:
		if len(e) == 4 {
			r.Verbosity = binary.BigEndian.Uint32(e)
		}
	}
}
