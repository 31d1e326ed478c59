package memproto

import "encoding/binary"

// Client-side encoders of binary requests. Each appends one whole request
// packet to dst and returns the extended slice. Where a function serves a
// family of opcodes (Get, GetQ, GetK, GetKQ), the opcode argument picks
// the variant; it is written as given. Keys must be at most 65535 bytes
// (memcached refuses more than MaxKeyLength). opaque is echoed by the
// server in the response.

// appendBinaryRequestHeader appends a request header.
func appendBinaryRequestHeader(dst []byte, op BinaryOpcode, opaque uint32, cas uint64, extLen, keyLen, valueLen int) []byte {
	return appendBinaryHeader(dst, BinaryMagicRequest, op, 0, opaque, cas, extLen, keyLen, valueLen)
}

// AppendBinaryGet appends a Get, GetQ, GetK or GetKQ request for key.
func AppendBinaryGet(dst []byte, opcode BinaryOpcode, opaque uint32, key []byte) []byte {
	dst = appendBinaryRequestHeader(dst, opcode, opaque, 0, 0, len(key), 0)
	return append(dst, key...)
}

// AppendBinarySet appends a Set, Add or Replace request (or a quiet
// variant) with flags and exptime as extras. A non-zero cas makes it a
// compare-and-swap.
func AppendBinarySet(dst []byte, opcode BinaryOpcode, opaque uint32, cas uint64, key []byte, flags, exptime uint32, value []byte) []byte {
	dst = appendBinaryRequestHeader(dst, opcode, opaque, cas, 8, len(key), len(value))
	dst = binary.BigEndian.AppendUint32(dst, flags)
	dst = binary.BigEndian.AppendUint32(dst, exptime)
	dst = append(dst, key...)
	return append(dst, value...)
}

// AppendBinaryAppend appends an Append or Prepend request (or a quiet
// variant): no extras, the data as value.
func AppendBinaryAppend(dst []byte, opcode BinaryOpcode, opaque uint32, cas uint64, key, value []byte) []byte {
	dst = appendBinaryRequestHeader(dst, opcode, opaque, cas, 0, len(key), len(value))
	dst = append(dst, key...)
	return append(dst, value...)
}

// AppendBinaryDelete appends a Delete or DeleteQ request; a non-zero cas
// deletes only if the item's CAS unique matches.
func AppendBinaryDelete(dst []byte, opcode BinaryOpcode, opaque uint32, cas uint64, key []byte) []byte {
	dst = appendBinaryRequestHeader(dst, opcode, opaque, cas, 0, len(key), 0)
	return append(dst, key...)
}

// AppendBinaryIncr appends an Increment or Decrement request (or a quiet
// variant): 20 bytes of extras holding delta, the initial value stored
// when the key is missing, and its exptime (BinaryIncrNoCreate: do not
// create).
func AppendBinaryIncr(dst []byte, opcode BinaryOpcode, opaque uint32, cas uint64, key []byte, delta, initial uint64, exptime uint32) []byte {
	dst = appendBinaryRequestHeader(dst, opcode, opaque, cas, 20, len(key), 0)
	dst = binary.BigEndian.AppendUint64(dst, delta)
	dst = binary.BigEndian.AppendUint64(dst, initial)
	dst = binary.BigEndian.AppendUint32(dst, exptime)
	return append(dst, key...)
}

// AppendBinaryTouch appends a Touch, GAT, GATQ, GATK or GATKQ request:
// the new exptime as 4 bytes of extras.
func AppendBinaryTouch(dst []byte, opcode BinaryOpcode, opaque uint32, key []byte, exptime uint32) []byte {
	dst = appendBinaryRequestHeader(dst, opcode, opaque, 0, 4, len(key), 0)
	dst = binary.BigEndian.AppendUint32(dst, exptime)
	return append(dst, key...)
}

// AppendBinaryFlush appends a Flush or FlushQ request. A non-zero exptime
// (the delay) is sent as 4 bytes of extras; 0 sends none, which memcached
// treats alike.
func AppendBinaryFlush(dst []byte, opcode BinaryOpcode, opaque uint32, exptime uint32) []byte {
	if exptime == 0 {
		return appendBinaryRequestHeader(dst, opcode, opaque, 0, 0, 0, 0)
	}
	dst = appendBinaryRequestHeader(dst, opcode, opaque, 0, 4, 0, 0)
	return binary.BigEndian.AppendUint32(dst, exptime)
}

// AppendBinaryNoop appends a Noop request. Its answer follows the answers
// of every earlier request, so it ends a batch of quiet requests.
func AppendBinaryNoop(dst []byte, opaque uint32) []byte {
	return appendBinaryRequestHeader(dst, BinaryOpNoop, opaque, 0, 0, 0, 0)
}

// AppendBinaryVersion appends a Version request.
func AppendBinaryVersion(dst []byte, opaque uint32) []byte {
	return appendBinaryRequestHeader(dst, BinaryOpVersion, opaque, 0, 0, 0, 0)
}

// AppendBinaryQuit appends a Quit or QuitQ request; the server answers
// Quit (not QuitQ) and closes the connection.
func AppendBinaryQuit(dst []byte, opcode BinaryOpcode, opaque uint32) []byte {
	return appendBinaryRequestHeader(dst, opcode, opaque, 0, 0, 0, 0)
}

// AppendBinaryStat appends a Stat request for the statistics group (the
// key: empty for the general statistics, "settings", "items", "slabs",
// "reset"...).
func AppendBinaryStat(dst []byte, opaque uint32, group []byte) []byte {
	dst = appendBinaryRequestHeader(dst, BinaryOpStat, opaque, 0, 0, len(group), 0)
	return append(dst, group...)
}

// AppendBinaryVerbosity appends a Verbosity request with the level as 4
// bytes of extras (memcached 1.6 answers UnknownCommand).
func AppendBinaryVerbosity(dst []byte, opaque uint32, level uint32) []byte {
	dst = appendBinaryRequestHeader(dst, BinaryOpVerbosity, opaque, 0, 4, 0, 0)
	return binary.BigEndian.AppendUint32(dst, level)
}

// AppendBinarySASLListMechs appends a SASLListMechs request.
func AppendBinarySASLListMechs(dst []byte, opaque uint32) []byte {
	return appendBinaryRequestHeader(dst, BinaryOpSASLListMechs, opaque, 0, 0, 0, 0)
}

// AppendBinarySASLAuth appends a SASLAuth or SASLStep request: the
// mechanism name as key, the mechanism's data as value.
func AppendBinarySASLAuth(dst []byte, opcode BinaryOpcode, opaque uint32, mech, data []byte) []byte {
	dst = appendBinaryRequestHeader(dst, opcode, opaque, 0, 0, len(mech), len(data))
	dst = append(dst, mech...)
	return append(dst, data...)
}

// AppendBinarySASLPlain appends a SASLAuth request for mechanism "PLAIN"
// with the body "\x00user\x00pass" (RFC 4616, empty authorization id).
func AppendBinarySASLPlain(dst []byte, opaque uint32, user, pass string) []byte {
	const mech = "PLAIN"
	dst = appendBinaryRequestHeader(dst, BinaryOpSASLAuth, opaque, 0, 0, len(mech), 2+len(user)+len(pass))
	dst = append(dst, mech...)
	dst = append(dst, 0)
	dst = append(dst, user...)
	dst = append(dst, 0)
	return append(dst, pass...)
}

// AppendBinaryRequest appends req as a request packet. For the opcodes
// the parser decodes, the extras are encoded from req's typed fields
// (Flags, Exptime, Delta, Initial, Verbosity) in the opcode's layout,
// whatever req.Extras holds (a Flush carries extras only when Exptime is
// not 0); for other opcodes req.Extras is sent as it is. The header's
// opcode, opaque, CAS, vbucket (Header.Status) and data type are kept;
// its magic and lengths are recomputed.
func AppendBinaryRequest(dst []byte, req *BinaryRequest) []byte {
	h := req.Header
	h.Magic = BinaryMagicRequest
	var ext [20]byte
	var extras []byte
	switch h.Opcode.Loud() {
	case BinaryOpSet, BinaryOpAdd, BinaryOpReplace:
		binary.BigEndian.PutUint32(ext[:], req.Flags)
		binary.BigEndian.PutUint32(ext[4:], req.Exptime)
		extras = ext[:8]
	case BinaryOpIncrement, BinaryOpDecrement:
		binary.BigEndian.PutUint64(ext[:], req.Delta)
		binary.BigEndian.PutUint64(ext[8:], req.Initial)
		binary.BigEndian.PutUint32(ext[16:], req.Exptime)
		extras = ext[:20]
	case BinaryOpTouch, BinaryOpGAT, BinaryOpGATK:
		binary.BigEndian.PutUint32(ext[:], req.Exptime)
		extras = ext[:4]
	case BinaryOpFlush:
		if req.Exptime != 0 {
			binary.BigEndian.PutUint32(ext[:], req.Exptime)
			extras = ext[:4]
		}
	case BinaryOpVerbosity:
		binary.BigEndian.PutUint32(ext[:], req.Verbosity)
		extras = ext[:4]
	case BinaryOpGet, BinaryOpGetK, BinaryOpDelete, BinaryOpAppend, BinaryOpPrepend,
		BinaryOpStat, BinaryOpSASLAuth, BinaryOpSASLStep, BinaryOpSASLListMechs,
		BinaryOpNoop, BinaryOpVersion, BinaryOpQuit:
	default:
		extras = req.Extras
	}
	h.ExtrasLength = uint8(len(extras))
	h.KeyLength = uint16(len(req.Key))
	h.BodyLength = uint32(len(extras) + len(req.Key) + len(req.Value))
	dst = AppendBinaryHeader(dst, h)
	dst = append(dst, extras...)
	dst = append(dst, req.Key...)
	return append(dst, req.Value...)
}
