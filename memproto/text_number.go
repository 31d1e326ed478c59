package memproto

import "bytes"

// The number parsers below reproduce memcached's safe_strtoul,
// safe_strtol and safe_strtoull (util.c) on a 64-bit build, because
// compatibility includes the odd corners:
//
//   - leading C white space (tab, \v, \f, \r) and a sign are accepted,
//     as by strtoul(3); a token is never split on those bytes;
//   - the number may be followed by C white space and then anything
//     ("5\tjunk" is 5);
//   - an unsigned value is negated by a leading '-' ("-0" is 0) and only
//     refused when the result is negative as a signed number and the
//     token holds a '-';
//   - the 32-bit variants parse 64 bits and then truncate: flags
//     4294967297 are stored as 1, a length of 4294967301 reads 5 bytes.
//
// None of them allocates.

// isCSpace reports whether c is white space for isspace(3) in the C locale.
func isCSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// scanDecimal parses [space*][sign]digits[space-then-anything] and
// returns the magnitude. ok is false when there are no digits, the
// magnitude overflows 64 bits or a non-space byte follows the digits.
func scanDecimal(tok []byte) (mag uint64, neg, ok bool) {
	i := 0
	for i < len(tok) && isCSpace(tok[i]) {
		i++
	}
	if i < len(tok) && (tok[i] == '+' || tok[i] == '-') {
		neg = tok[i] == '-'
		i++
	}
	start := i
	overflow := false
	for ; i < len(tok) && tok[i] >= '0' && tok[i] <= '9'; i++ {
		d := uint64(tok[i] - '0')
		if mag > (^uint64(0)-d)/10 {
			overflow = true
			continue
		}
		mag = mag*10 + d
	}
	if i == start || overflow {
		return 0, false, false
	}
	if i < len(tok) && !isCSpace(tok[i]) {
		return 0, false, false
	}
	return mag, neg, true
}

// parseUint64 is memcached's safe_strtoull.
func parseUint64(tok []byte) (uint64, bool) {
	mag, neg, ok := scanDecimal(tok)
	if !ok {
		return 0, false
	}
	v := mag
	if neg {
		v = -mag
	}
	if int64(v) < 0 && bytes.IndexByte(tok, '-') >= 0 {
		return 0, false
	}
	return v, true
}

// parseUint32 is memcached's safe_strtoul into a uint32 (truncating).
func parseUint32(tok []byte) (uint32, bool) {
	v, ok := parseUint64(tok)
	return uint32(v), ok
}

// parseInt32 is memcached's safe_strtol into an int32: the value must
// fit in 64 signed bits and is then truncated to 32.
func parseInt32(tok []byte) (int32, bool) {
	mag, neg, ok := scanDecimal(tok)
	if !ok {
		return 0, false
	}
	if neg {
		if mag > 1<<63 {
			return 0, false
		}
		return int32(-int64(mag)), true
	}
	if mag > 1<<63-1 {
		return 0, false
	}
	return int32(mag), true
}

// parseStrictUint accepts only plain decimal digits (no sign, no spaces),
// for the RatMemCache extensions and the client side, where there is no
// legacy to reproduce.
func parseStrictUint(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if v > (^uint64(0)-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	return v, true
}
