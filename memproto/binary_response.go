package memproto

import "encoding/binary"

// Server-side encoders of binary responses. Like strconv's Append
// functions they append to dst and return the extended slice, allocating
// only when dst must grow. A response echoes the request's opcode (quiet
// variants included, as memcached does) and opaque. Keys must be at most
// 65535 bytes and extras at most 255, as the header's fields allow.

// appendBinaryHeader appends a header announcing extLen bytes of extras,
// keyLen of key and valueLen of value.
func appendBinaryHeader(dst []byte, magic byte, op BinaryOpcode, status BinaryStatus, opaque uint32, cas uint64, extLen, keyLen, valueLen int) []byte {
	return AppendBinaryHeader(dst, BinaryHeader{
		Magic:        magic,
		Opcode:       op,
		KeyLength:    uint16(keyLen),
		ExtrasLength: uint8(extLen),
		Status:       status,
		BodyLength:   uint32(extLen + keyLen + valueLen),
		Opaque:       opaque,
		CAS:          cas,
	})
}

// AppendBinaryResponse appends a whole response packet: header, extras,
// key and value.
func AppendBinaryResponse(dst []byte, opcode BinaryOpcode, status BinaryStatus, opaque uint32, cas uint64, extras, key, value []byte) []byte {
	dst = appendBinaryHeader(dst, BinaryMagicResponse, opcode, status, opaque, cas, len(extras), len(key), len(value))
	dst = append(dst, extras...)
	dst = append(dst, key...)
	return append(dst, value...)
}

// AppendBinaryResponseHeader appends a response's header, extras and key
// announcing valueLen bytes of value, which the caller writes next itself
// (for example straight from the cache to a bufio.Writer, without
// copying a large value into dst).
func AppendBinaryResponseHeader(dst []byte, opcode BinaryOpcode, status BinaryStatus, opaque uint32, cas uint64, extras, key []byte, valueLen int) []byte {
	dst = appendBinaryHeader(dst, BinaryMagicResponse, opcode, status, opaque, cas, len(extras), len(key), valueLen)
	dst = append(dst, extras...)
	return append(dst, key...)
}

// AppendBinaryError appends memcached's error response with the given
// status: no extras, no key, CAS 0 and status.Message() as the body
// ("Not found", "Too large.", "Invalid arguments", ...). memcached sends
// error responses for quiet requests too.
func AppendBinaryError(dst []byte, opcode BinaryOpcode, opaque uint32, status BinaryStatus) []byte {
	return AppendBinaryErrorMessage(dst, opcode, opaque, status, status.Message())
}

// AppendBinaryErrorMessage is AppendBinaryError with a custom body, as
// memcached sends with OutOfMemory ("Out of memory allocating item").
func AppendBinaryErrorMessage(dst []byte, opcode BinaryOpcode, opaque uint32, status BinaryStatus, msg string) []byte {
	dst = appendBinaryHeader(dst, BinaryMagicResponse, opcode, status, opaque, 0, 0, 0, len(msg))
	return append(dst, msg...)
}

// binaryReturnsKey reports whether a hit for opcode carries the key.
func binaryReturnsKey(op BinaryOpcode) bool {
	switch op {
	case BinaryOpGetK, BinaryOpGetKQ, BinaryOpGATK, BinaryOpGATKQ:
		return true
	}
	return false
}

// AppendBinaryGetResponseHeader appends the header of a hit for a Get,
// GetK, GAT, GATK, Touch or quiet variant: the 4-byte flags extras, then
// the key for the K variants (key is ignored for the others), announcing
// valueLen bytes of value for the caller to write (Touch answers without
// the value: pass 0). cas is the item's CAS unique.
func AppendBinaryGetResponseHeader(dst []byte, opcode BinaryOpcode, opaque uint32, cas uint64, flags uint32, key []byte, valueLen int) []byte {
	if !binaryReturnsKey(opcode) {
		key = nil
	}
	dst = appendBinaryHeader(dst, BinaryMagicResponse, opcode, BinaryStatusNoError, opaque, cas, 4, len(key), valueLen)
	dst = binary.BigEndian.AppendUint32(dst, flags)
	return append(dst, key...)
}

// AppendBinaryGetResponse appends a whole hit response (see
// AppendBinaryGetResponseHeader). For Touch the value is left out, as
// memcached does.
func AppendBinaryGetResponse(dst []byte, opcode BinaryOpcode, opaque uint32, cas uint64, flags uint32, key, value []byte) []byte {
	if opcode == BinaryOpTouch {
		value = nil
	}
	dst = AppendBinaryGetResponseHeader(dst, opcode, opaque, cas, flags, key, len(value))
	return append(dst, value...)
}

// AppendBinaryGetMiss appends memcached's answer to a miss of a Get, GetK,
// GAT, GATK or Touch: for GetK and GATK a KeyNotFound response that
// carries the key and nothing else (no message), for the others the "Not
// found" error. For a quiet opcode it appends nothing: memcached does not
// answer quiet misses.
func AppendBinaryGetMiss(dst []byte, opcode BinaryOpcode, opaque uint32, key []byte) []byte {
	if opcode.IsQuiet() {
		return dst
	}
	if binaryReturnsKey(opcode) {
		dst = appendBinaryHeader(dst, BinaryMagicResponse, opcode, BinaryStatusKeyNotFound, opaque, 0, 0, len(key), 0)
		return append(dst, key...)
	}
	return AppendBinaryError(dst, opcode, opaque, BinaryStatusKeyNotFound)
}

// AppendBinaryCounterResponse appends the success response of Increment
// or Decrement: the counter's new value as an 8-byte big-endian body.
func AppendBinaryCounterResponse(dst []byte, opcode BinaryOpcode, opaque uint32, cas uint64, value uint64) []byte {
	dst = appendBinaryHeader(dst, BinaryMagicResponse, opcode, BinaryStatusNoError, opaque, cas, 0, 0, 8)
	return binary.BigEndian.AppendUint64(dst, value)
}

// AppendBinaryStatResponse appends one statistic of a Stat answer: a
// response with the name as key and the value as value. A Stat answer is
// a sequence of these ended by AppendBinaryStatEnd.
func AppendBinaryStatResponse(dst []byte, opaque uint32, name, value []byte) []byte {
	return AppendBinaryResponse(dst, BinaryOpStat, BinaryStatusNoError, opaque, 0, nil, name, value)
}

// AppendBinaryStatEnd appends the empty Stat response that ends a Stat
// answer.
func AppendBinaryStatEnd(dst []byte, opaque uint32) []byte {
	return appendBinaryHeader(dst, BinaryMagicResponse, BinaryOpStat, BinaryStatusNoError, opaque, 0, 0, 0, 0)
}

// AppendBinaryVersionResponse appends the answer to Version: the version
// string (e.g. "1.6.18") as the body.
func AppendBinaryVersionResponse(dst []byte, opaque uint32, version string) []byte {
	dst = appendBinaryHeader(dst, BinaryMagicResponse, BinaryOpVersion, BinaryStatusNoError, opaque, 0, 0, 0, len(version))
	return append(dst, version...)
}

// AppendBinaryOK appends an empty success response: no extras, key or
// value, with the item's new CAS unique for a successful Set, Add,
// Replace, Append, Prepend or Delete (0 for Delete, Flush, Noop and
// Quit, as memcached sends). memcached sends nothing for the quiet
// variants' successes; see BinaryOpcode.SuppressesResponse.
func AppendBinaryOK(dst []byte, opcode BinaryOpcode, opaque uint32, cas uint64) []byte {
	return appendBinaryHeader(dst, BinaryMagicResponse, opcode, BinaryStatusNoError, opaque, cas, 0, 0, 0)
}

// BinarySASLAuthenticated is the body of memcached's answer to a
// successful SASLAuth or SASLStep.
const BinarySASLAuthenticated = "Authenticated"

// AppendBinarySASLMechsResponse appends the answer to SASLListMechs: the
// mechanism names separated by spaces (e.g. "PLAIN") as the body.
func AppendBinarySASLMechsResponse(dst []byte, opaque uint32, mechs string) []byte {
	dst = appendBinaryHeader(dst, BinaryMagicResponse, BinaryOpSASLListMechs, BinaryStatusNoError, opaque, 0, 0, 0, len(mechs))
	return append(dst, mechs...)
}

// AppendBinarySASLAuthResponse appends the answer to a SASLAuth or
// SASLStep (opcode): with done set, success with the body
// "Authenticated"; otherwise AuthContinue with the mechanism's challenge
// as the body. A failure is AppendBinaryError with BinaryStatusAuthError.
func AppendBinarySASLAuthResponse(dst []byte, opcode BinaryOpcode, opaque uint32, done bool, challenge []byte) []byte {
	if done {
		dst = appendBinaryHeader(dst, BinaryMagicResponse, opcode, BinaryStatusNoError, opaque, 0, 0, 0, len(BinarySASLAuthenticated))
		return append(dst, BinarySASLAuthenticated...)
	}
	dst = appendBinaryHeader(dst, BinaryMagicResponse, opcode, BinaryStatusAuthContinue, opaque, 0, 0, 0, len(challenge))
	return append(dst, challenge...)
}
