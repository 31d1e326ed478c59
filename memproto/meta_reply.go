package memproto

import "strconv"

// MetaItem is what a server knows about the item a meta request found,
// stored or changed, for the return flags of its reply. Fields a reply
// does not need may be left zero. It is read, never retained, by
// [Request.AppendMetaReply].
type MetaItem struct {
	// Value is the data block of a VA reply: the item's value for mg,
	// the new number in decimal for ma.
	Value []byte
	// Size is the value length returned by s (mg).
	Size int
	// CAS is returned by c: the item's CAS for mg and ma, the new CAS
	// for ms (memcached sends 0 when ms did not store).
	CAS uint64
	// ClientFlags is returned by f (mg).
	ClientFlags uint32
	// TTL is the remaining time to live in seconds before this request,
	// -1 for an item that never expires; returned by t (mg, ma).
	TTL int64
	// TouchedTTL is the remaining TTL after the request's T flag was
	// applied. memcached applies T while writing the reply, so a t that
	// follows T in the request reports TouchedTTL and one before it TTL.
	TouchedTTL int64
	// VivifiedTTL is the remaining TTL after N was applied to an item
	// this request created; like T, it shows only in a t after N.
	VivifiedTTL int64
	// LastAccess is the number of seconds since the item was last
	// accessed, before this request; returned by l (mg).
	LastAccess int64
	// Fetched tells whether the item had been fetched before this
	// request; returned by h as 1 or 0 (mg).
	Fetched bool
	// Key and KeyBinary are the key returned by k, base64-encoded and
	// followed by a b flag when KeyBinary. When Key is nil the request's
	// key and b flag are used, which is what memcached does except for an
	// mg hit, where it reports the stored item's key and binary mark.
	Key       []byte
	KeyBinary bool
	// Vivified is set when the request created the item (N on a miss);
	// it selects VivifiedTTL and exempts ma from quiet suppression.
	Vivified bool
	// Won, Stale and TokenSent add mg's W (this client won the recache
	// token), X (the item is stale) and Z (a token was already sent),
	// which memcached appends after all requested flags as Z, X, W.
	Won, Stale, TokenSent bool
}

// AppendMetaReply appends the reply to the meta request r with code to
// dst, exactly as memcached 1.6.18 lays it out, and returns the extended
// buffer. It appends nothing when r's q flag suppresses the reply (see
// [SuppressInQuiet]). It may be nil when the reply carries no item data.
//
// Return flags follow the request's flags in request order, and each
// command returns only what memcached returns:
//
//   - mg HD/VA: s t c f l h O k, then Z X W from it; VA adds it.Value.
//   - mg EN, md (any code), ma NF/NS/EX: O and k only.
//   - ms (any code): O k c.
//   - ma HD/VA: c t O k; VA adds it.Value.
//
// MN ignores it and the flags. Error replies are not meta replies: use
// [Error.AppendReply]; for me use [AppendMetaDebugReply].
func (r *Request) AppendMetaReply(dst []byte, code MetaCode, it *MetaItem) []byte {
	var none MetaItem
	if it == nil {
		it = &none
	}
	m := &r.Meta
	if code == MetaMN {
		return append(dst, "MN\r\n"...)
	}
	if m.Quiet() && SuppressInQuiet(r.Command, code, it.Vivified) {
		return dst
	}
	if code == MetaVA {
		dst = append(dst, "VA "...)
		dst = strconv.AppendInt(dst, int64(len(it.Value)), 10)
	} else {
		dst = append(dst, code.String()...)
	}
	// full: an mg or ma reply about an item, with its item flags.
	full := (code == MetaHD || code == MetaVA) &&
		(r.Command == CmdMetaGet || r.Command == CmdMetaArithmetic)
	get := full && r.Command == CmdMetaGet
	ttl := it.TTL
	for _, f := range m.Flags {
		switch f.Flag {
		case 'O':
			dst = append(dst, " O"...)
			dst = append(dst, f.Token...)
		case 'k':
			dst = r.appendMetaKeyFlag(dst, it)
		case 'c':
			if full || r.Command == CmdMetaSet {
				dst = appendMetaUint(dst, 'c', it.CAS)
			}
		case 't':
			if full {
				dst = appendMetaInt(dst, 't', ttl)
			}
		case 'T':
			if full {
				ttl = it.TouchedTTL
			}
		case 'N':
			if full && it.Vivified {
				ttl = it.VivifiedTTL
			}
		case 's':
			if get {
				dst = appendMetaInt(dst, 's', int64(it.Size))
			}
		case 'f':
			if get {
				dst = appendMetaUint(dst, 'f', uint64(it.ClientFlags))
			}
		case 'l':
			if get {
				dst = appendMetaInt(dst, 'l', it.LastAccess)
			}
		case 'h':
			if get {
				if it.Fetched {
					dst = append(dst, " h1"...)
				} else {
					dst = append(dst, " h0"...)
				}
			}
		}
	}
	if get {
		if it.TokenSent {
			dst = append(dst, " Z"...)
		}
		if it.Stale {
			dst = append(dst, " X"...)
		}
		if it.Won {
			dst = append(dst, " W"...)
		}
	}
	dst = append(dst, "\r\n"...)
	if code == MetaVA {
		dst = append(dst, it.Value...)
		dst = append(dst, "\r\n"...)
	}
	return dst
}

// appendMetaKeyFlag appends " k<key>", plus " b" for a binary key.
func (r *Request) appendMetaKeyFlag(dst []byte, it *MetaItem) []byte {
	key, binary := it.Key, it.KeyBinary
	if key == nil {
		key, binary = r.Key, r.Meta.Base64()
	}
	dst = append(dst, " k"...)
	if !binary {
		return append(dst, key...)
	}
	dst = appendBase64(dst, key)
	return append(dst, " b"...)
}

func appendMetaUint(dst []byte, flag byte, v uint64) []byte {
	dst = append(dst, ' ', flag)
	return strconv.AppendUint(dst, v, 10)
}

func appendMetaInt(dst []byte, flag byte, v int64) []byte {
	dst = append(dst, ' ', flag)
	return strconv.AppendInt(dst, v, 10)
}

// MetaDebug is the item metadata of an me reply.
type MetaDebug struct {
	// Exp is printed as exp=: memcached prints -1 for an item that never
	// expires and otherwise now minus the expiry time, so an item with
	// 100 seconds to live shows exp=-100.
	Exp int64
	// LastAccess is la=: seconds since the last access.
	LastAccess uint64
	// CAS is cas=.
	CAS uint64
	// Fetched is fetch=yes or fetch=no.
	Fetched bool
	// Class is cls=: the slab class id.
	Class uint32
	// Size is size=: the item's total size in bytes, header included.
	Size uint64
}

// AppendMetaDebugReply appends memcached's reply to a hit of "me <key>":
// "ME <key> exp=.. la=.. cas=.. fetch=yes|no cls=.. size=..\r\n", the key
// base64-encoded when binary (the item was stored with a b flag; memcached
// looks at the item, not at the request). A miss is "EN\r\n", for which
// use [Request.AppendMetaReply] or append it directly.
func AppendMetaDebugReply(dst, key []byte, binary bool, d *MetaDebug) []byte {
	dst = append(dst, "ME "...)
	if binary {
		dst = appendBase64(dst, key)
	} else {
		dst = append(dst, key...)
	}
	dst = append(dst, " exp="...)
	dst = strconv.AppendInt(dst, d.Exp, 10)
	dst = append(dst, " la="...)
	dst = strconv.AppendUint(dst, d.LastAccess, 10)
	dst = append(dst, " cas="...)
	dst = strconv.AppendUint(dst, d.CAS, 10)
	if d.Fetched {
		dst = append(dst, " fetch=yes"...)
	} else {
		dst = append(dst, " fetch=no"...)
	}
	dst = append(dst, " cls="...)
	dst = strconv.AppendUint(dst, uint64(d.Class), 10)
	dst = append(dst, " size="...)
	dst = strconv.AppendUint(dst, d.Size, 10)
	return append(dst, "\r\n"...)
}
