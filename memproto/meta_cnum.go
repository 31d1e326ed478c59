package memproto

import "math"

// Numeric tokens of the meta protocol, parsed exactly as memcached parses
// them: C's strtol/strtoul/strtoull (base 10, on an LP64 system) wrapped
// in memcached's safe_strto* checks. That means, unlike strconv:
//   - leading C white space (\t \n \v \f \r and space) is skipped and a
//     '+' or '-' sign is accepted;
//   - the digits may be followed by white space and anything after it
//     ("5\tx" is 5), or by a NUL byte (the end of a C string);
//   - a value outside the 64-bit range fails, but the 32-bit results are
//     the 64-bit value truncated ("T4294967301" is 5);
//   - the unsigned forms accept a minus sign and negate, and fail only
//     when the result is negative as a signed 64-bit value and the token
//     contains '-' ("-0" is 0, "-1" fails).

// cIsSpace reports whether c is white space for C's isspace in the C locale.
func cIsSpace(c byte) bool {
	return c == ' ' || (c >= '\t' && c <= '\r')
}

// cScan scans tok like strtoull: it returns the sign, the magnitude and
// whether the token is a well-formed number. overflow is set when the
// magnitude does not fit in 64 bits.
func cScan(tok []byte) (neg bool, mag uint64, overflow, ok bool) {
	i := 0
	for i < len(tok) && cIsSpace(tok[i]) {
		i++
	}
	if i < len(tok) && (tok[i] == '+' || tok[i] == '-') {
		neg = tok[i] == '-'
		i++
	}
	start := i
	for ; i < len(tok) && tok[i] >= '0' && tok[i] <= '9'; i++ {
		d := uint64(tok[i] - '0')
		if mag > (math.MaxUint64-d)/10 {
			overflow = true
		}
		mag = mag*10 + d
	}
	if i == start {
		return false, 0, false, false
	}
	if i < len(tok) && tok[i] != 0 && !cIsSpace(tok[i]) {
		return false, 0, false, false
	}
	return neg, mag, overflow, true
}

// hasMinus reports whether the C string in tok (up to a NUL) contains '-'.
func hasMinus(tok []byte) bool {
	for _, c := range tok {
		if c == 0 {
			return false
		}
		if c == '-' {
			return true
		}
	}
	return false
}

// cStrtol32 is memcached's safe_strtol: strtol into a long, stored in an
// int32.
func cStrtol32(tok []byte) (int32, bool) {
	neg, mag, overflow, ok := cScan(tok)
	if !ok || overflow {
		return 0, false
	}
	var v int64
	switch {
	case neg && mag <= 1<<63:
		v = int64(-mag) // wraps correctly for 1<<63
	case !neg && mag <= math.MaxInt64:
		v = int64(mag)
	default:
		return 0, false // ERANGE
	}
	return int32(v), true
}

// cStrtoull is memcached's safe_strtoull.
func cStrtoull(tok []byte) (uint64, bool) {
	neg, mag, overflow, ok := cScan(tok)
	if !ok || overflow {
		return 0, false
	}
	v := mag
	if neg {
		v = -mag
	}
	if int64(v) < 0 && hasMinus(tok) {
		return 0, false
	}
	return v, true
}

// cStrtoul32 is memcached's safe_strtoul: strtoul into an unsigned long,
// stored in a uint32.
func cStrtoul32(tok []byte) (uint32, bool) {
	v, ok := cStrtoull(tok)
	return uint32(v), ok
}
