package memproto

// MetaFlag is one flag of a meta command or meta response: its letter and
// the token that follows the letter on the wire (empty for flags without
// an argument). In parsed requests and responses Token aliases the parsed
// buffer and is valid as long as that buffer is.
type MetaFlag struct {
	Flag  byte
	Token []byte
}

// Meta holds the flags of a parsed meta request (mg, ms, md, ma, mn, me):
// the raw flags in wire order and the typed values a server acts on.
//
// Typed fields are meaningful only when the flag was sent: check with
// [Meta.Has]. Byte slices alias the request line like the rest of
// [Request]. A Meta is reused through [Request.Reset]; it is not safe for
// concurrent use. The zero value is an empty flag set.
type Meta struct {
	// Flags lists the request's flags in wire order, as sent. For me it
	// holds only the 'b' flag, the one flag memcached looks at.
	Flags []MetaFlag

	// Opaque is the argument of the O flag, without the 'O' (at most 31
	// bytes: memcached counts the letter in its 32-byte limit).
	Opaque []byte
	// TTL is the argument of T: the new expiration time of ms, the touch
	// of mg, md (with I) and ma. It is memcached's exptime: 0 never
	// expires, up to 30 days is relative, more is a unix time, negative is
	// already expired. Like memcached, values beyond int32 wrap.
	TTL int32
	// VivifyTTL is the argument of N (vivify on miss, mg and ma), in the
	// same convention as TTL.
	VivifyTTL int32
	// RecacheTTL is the argument of R (mg): win the recache token when
	// the item's remaining TTL is below it.
	RecacheTTL int32
	// ClientFlags is the argument of F (ms); like memcached, values beyond
	// uint32 wrap.
	ClientFlags uint32
	// CAS is the argument of C: compare-and-swap value (ms, md, ma).
	// As in memcached, C0 compares (and fails against a live item) for
	// md and for ms in set and replace mode, but means "no compare" for
	// ma and for ms in append and prepend mode.
	CAS uint64
	// Mode is the character of M, or 0 without M: for ms 'E' (add), 'A'
	// (append), 'P' (prepend), 'R' (replace), 'S' (set); for ma 'I' or
	// '+' (incr), 'D' or '-' (decr). Case matters, as in memcached 1.6.18.
	// See [Meta.SetMode] and [Meta.Decr].
	Mode byte
	// Delta is the argument of D (ma); 1 when D is absent.
	Delta uint64
	// Initial is the argument of J (ma): the value an N-vivified item
	// starts from; 0 when absent.
	Initial uint64

	// seen has bit c set for every flag byte c (< 128) in the request.
	seen [2]uint64
	// keyBuf holds the decoded key of a base64 ('b') request; Request.Key
	// points into it. Reused across requests.
	keyBuf []byte
}

func (m *Meta) reset() {
	*m = Meta{Flags: m.Flags[:0], keyBuf: m.keyBuf[:0], Delta: 1}
}

// Has reports whether the request carried flag c, e.g. m.Has('v').
func (m *Meta) Has(c byte) bool {
	return c < 128 && m.seen[c>>6]&(1<<(c&63)) != 0
}

// mark records flag c as seen and reports whether it was already.
func (m *Meta) mark(c byte) (dup bool) {
	bit := uint64(1) << (c & 63)
	dup = m.seen[c>>6]&bit != 0
	m.seen[c>>6] |= bit
	return dup
}

// Quiet reports whether the q flag (noreply semantics) was sent; see
// [SuppressInQuiet] for which replies it hides.
func (m *Meta) Quiet() bool { return m.Has('q') }

// Base64 reports whether the b flag was sent: the key on the wire was
// base64 and Request.Key holds the decoded binary key, which the server
// stores marked as binary and returns base64-encoded with the k flag.
func (m *Meta) Base64() bool { return m.Has('b') }

// SetMode returns the storage command an ms request performs: CmdSet,
// CmdAdd, CmdAppend, CmdPrepend or CmdReplace from the M flag, upgraded to
// CmdCas when a C flag comes with set or replace mode, as memcached does
// (append and prepend keep their mode and check C themselves). It returns
// CmdSet when M is absent; parseMeta has already refused other modes.
func (m *Meta) SetMode() Command {
	cmd := CmdSet
	switch m.Mode {
	case 'E':
		cmd = CmdAdd
	case 'A':
		cmd = CmdAppend
	case 'P':
		cmd = CmdPrepend
	case 'R':
		cmd = CmdReplace
	}
	if m.Has('C') && (cmd == CmdSet || cmd == CmdReplace) {
		cmd = CmdCas
	}
	return cmd
}

// Decr reports whether an ma request decrements (M with 'D' or '-');
// otherwise it increments.
func (m *Meta) Decr() bool { return m.Mode == 'D' || m.Mode == '-' }
