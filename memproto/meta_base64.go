package memproto

import "encoding/base64"

// Base64 keys of the meta protocol (the b flag).
//
// memcached's decoder is lenient in ways encoding/base64 is not, and a
// server must accept exactly the keys memcached accepts: bytes outside the
// alphabet are skipped, the remaining symbols must be a non-empty multiple
// of four, '=' decodes as zero and marks padding, and decoding stops after
// the first block holding padding (one '=' drops one output byte, two drop
// two, more is an error). "Z!m9v" thus decodes to "foo" and "Zm=v" to two
// bytes. The encoder is standard padded base64, as memcached's.

// b64dec maps a byte to its 6-bit value, 0 for '=', or b64skip.
var b64dec = func() (t [256]byte) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := range t {
		t[i] = b64skip
	}
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = byte(i)
	}
	t['='] = 0
	return t
}()

const b64skip = 0x80

// appendBase64Key decodes src the way memcached 1.6 decodes a b-flag key
// and appends the result to dst. ok is false where memcached fails ("error
// decoding key"); a successful decoding is never empty.
func appendBase64Key(dst, src []byte) (out []byte, ok bool) {
	symbols := 0
	for _, c := range src {
		if b64dec[c] != b64skip {
			symbols++
		}
	}
	if symbols == 0 || symbols%4 != 0 {
		return dst, false
	}
	start := len(dst)
	var block [4]byte
	n, pad := 0, 0
	for _, c := range src {
		v := b64dec[c]
		if v == b64skip {
			continue
		}
		if c == '=' {
			pad++
		}
		block[n] = v
		n++
		if n < 4 {
			continue
		}
		dst = append(dst,
			block[0]<<2|block[1]>>4,
			block[1]<<4|block[2]>>2,
			block[2]<<6|block[3])
		n = 0
		if pad > 0 {
			if pad > 2 {
				return dst[:start], false
			}
			dst = dst[:len(dst)-pad]
			break
		}
	}
	return dst, true
}

// appendBase64 appends the padded standard base64 encoding of src to dst.
func appendBase64(dst, src []byte) []byte {
	return base64.StdEncoding.AppendEncode(dst, src)
}
