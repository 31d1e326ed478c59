package memproto

// Limits bound what a parser accepts. The zero value means memcached 1.6's
// defaults (see the Default constants); a negative field is invalid.
type Limits struct {
	// MaxItemSize is the largest value accepted in a storage command; a
	// larger one is refused with ErrTooLarge and its data swallowed.
	// memcached's -I; default DefaultMaxItemSize.
	MaxItemSize int
	// MaxLineLength bounds a request line (without its data block).
	// memcached closes a connection whose line has no "\n" within 2048
	// bytes unless it is a get or gets; default DefaultMaxLineLength.
	MaxLineLength int
	// MaxGetLineLength bounds the line of a get or gets, which memcached
	// lets grow without limit for large multi-gets; default
	// DefaultMaxGetLineLength.
	MaxGetLineLength int
}

// Default limits, as in memcached 1.6.
const (
	DefaultMaxItemSize      = 1 << 20
	DefaultMaxLineLength    = 2048
	DefaultMaxGetLineLength = 1 << 20
	// MaxKeyLength is the longest key memcached accepts, in bytes.
	MaxKeyLength = 250
)

func (l Limits) maxItemSize() int {
	if l.MaxItemSize > 0 {
		return l.MaxItemSize
	}
	return DefaultMaxItemSize
}

func (l Limits) maxLineLength() int {
	if l.MaxLineLength > 0 {
		return l.MaxLineLength
	}
	return DefaultMaxLineLength
}

func (l Limits) maxGetLineLength() int {
	if l.MaxGetLineLength > 0 {
		return l.MaxGetLineLength
	}
	return DefaultMaxGetLineLength
}

// Request is one parsed text-protocol or meta-protocol request.
//
// Byte-slice fields (Key, Keys, Value, Args and the meta tokens) alias the
// buffer the request was parsed from: they stay valid until that buffer is
// modified or, for a Reader, until the next call to ReadRequest. Copy
// them to keep them longer. A Request is reused across calls to avoid
// allocation; Reset clears it while keeping its slices' capacity.
type Request struct {
	Command Command

	// Key is the request's key (the first key of a multi-key get).
	Key []byte
	// Keys holds every key of get, gets, gat and gats, in order.
	Keys [][]byte

	// Flags are the client flags of a storage command.
	Flags uint32
	// Exptime is the expiration time as sent, not yet interpreted: 0
	// means never, up to 30 days is relative, larger is a unix time,
	// negative is already expired. For flush_all it is the delay.
	Exptime int64
	// CAS is the compare-and-swap unique of a cas command.
	CAS uint64
	// Delta is the amount of incr and decr.
	Delta uint64
	// Number is the numeric argument of verbosity (level) and
	// cache_memlimit (megabytes), and the chunk size of streaming_get.
	Number uint64
	// Value is the data block of a storage command or ms, without the
	// trailing "\r\n".
	Value []byte
	// NoReply is set when the request ends with "noreply".
	NoReply bool
	// Args holds the arguments of stats, shutdown and lru_crawler, after
	// the command name.
	Args [][]byte

	// Meta holds the flags of a meta command.
	Meta Meta

	// hasData and dataLen frame the data block that follows the request
	// line of a storage command or ms: set by the command's line parser,
	// read by the framing code that then fills Value.
	hasData bool
	dataLen int

	// toks is the reusable token buffer of the text tokenizer; its
	// entries alias the request line.
	toks [][]byte
}

// Reset clears r for reuse, keeping the capacity of its slices.
func (r *Request) Reset() {
	keys, args, toks := r.Keys[:0], r.Args[:0], r.toks[:0]
	meta := r.Meta
	meta.reset()
	*r = Request{Keys: keys, Args: args, Meta: meta, toks: toks}
}

// ValidKey reports whether key is a key memcached's text protocol accepts:
// 1 to 250 bytes, none of them a space, a control character or DEL.
func ValidKey(key []byte) bool {
	if len(key) == 0 || len(key) > MaxKeyLength {
		return false
	}
	for _, c := range key {
		if c <= ' ' || c == 0x7f {
			return false
		}
	}
	return true
}
