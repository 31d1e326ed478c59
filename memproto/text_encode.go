package memproto

import "strconv"

// Server-side encoders of text-protocol replies. They append to dst and
// return the extended slice, like strconv.Append*, and never allocate
// when dst has room.

// The fixed reply lines of the text protocol, each with its "\r\n".
// Append them with append(dst, ReplyStored...).
const (
	ReplyEnd       = "END\r\n"        // ends a get/gets/gat/gats, stats or metadump reply
	ReplyStored    = "STORED\r\n"     // storage command succeeded
	ReplyNotStored = "NOT_STORED\r\n" // add/replace/append/prepend condition not met
	ReplyExists    = "EXISTS\r\n"     // cas: the item changed since it was fetched
	ReplyNotFound  = "NOT_FOUND\r\n"  // no such item (cas, delete, incr, decr, touch)
	ReplyDeleted   = "DELETED\r\n"    // delete succeeded
	ReplyTouched   = "TOUCHED\r\n"    // touch succeeded
	ReplyOK        = "OK\r\n"         // flush_all, verbosity, cache_memlimit, lru_crawler
	ReplyError     = "ERROR\r\n"      // unknown command
	// ReplyShutdownDisabled is memcached's answer to shutdown when it was
	// not started with -A: any arguments are then ignored.
	ReplyShutdownDisabled = "ERROR: shutdown not enabled\r\n"
	// ReplyBadShutdownMode answers shutdown with arguments other than
	// nothing or "graceful" when shutdown is enabled.
	ReplyBadShutdownMode = "CLIENT_ERROR invalid shutdown mode\r\n"
	// ReplyNonNumeric answers incr or decr of a value that is not a
	// decimal number.
	ReplyNonNumeric = "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n"
)

// AppendValue appends one item of a get reply, "VALUE <key> <flags>
// <bytes>\r\n<value>\r\n", to dst.
func AppendValue(dst, key []byte, flags uint32, value []byte) []byte {
	dst = AppendValueHeader(dst, key, flags, len(value), 0, false)
	dst = append(dst, value...)
	return append(dst, "\r\n"...)
}

// AppendValueCAS appends one item of a gets reply, "VALUE <key> <flags>
// <bytes> <cas>\r\n<value>\r\n", to dst.
func AppendValueCAS(dst, key []byte, flags uint32, value []byte, cas uint64) []byte {
	dst = AppendValueHeader(dst, key, flags, len(value), cas, true)
	dst = append(dst, value...)
	return append(dst, "\r\n"...)
}

// AppendValueHeader appends only the line "VALUE <key> <flags> <n>[
// <cas>]\r\n"; the caller writes the n value bytes and "\r\n" itself, so a
// large value need not be copied into dst.
func AppendValueHeader(dst, key []byte, flags uint32, n int, cas uint64, withCAS bool) []byte {
	dst = append(dst, "VALUE "...)
	dst = append(dst, key...)
	dst = append(dst, ' ')
	dst = strconv.AppendUint(dst, uint64(flags), 10)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, int64(n), 10)
	if withCAS {
		dst = append(dst, ' ')
		dst = strconv.AppendUint(dst, cas, 10)
	}
	return append(dst, "\r\n"...)
}

// AppendNumber appends the reply of a successful incr or decr, the new
// value in decimal, "<v>\r\n".
func AppendNumber(dst []byte, v uint64) []byte {
	dst = strconv.AppendUint(dst, v, 10)
	return append(dst, "\r\n"...)
}

// AppendVersionReply appends "VERSION <version>\r\n".
func AppendVersionReply(dst []byte, version string) []byte {
	dst = append(dst, "VERSION "...)
	dst = append(dst, version...)
	return append(dst, "\r\n"...)
}

// AppendStat appends one line of a stats reply, "STAT <name> <value>\r\n".
func AppendStat(dst []byte, name, value string) []byte {
	dst = append(dst, "STAT "...)
	dst = append(dst, name...)
	dst = append(dst, ' ')
	dst = append(dst, value...)
	return append(dst, "\r\n"...)
}

// AppendStatUint appends "STAT <name> <v>\r\n" for a counter.
func AppendStatUint(dst []byte, name string, v uint64) []byte {
	dst = append(dst, "STAT "...)
	dst = append(dst, name...)
	dst = append(dst, ' ')
	dst = strconv.AppendUint(dst, v, 10)
	return append(dst, "\r\n"...)
}

// AppendClientError appends "CLIENT_ERROR <msg>\r\n". msg must not hold
// "\r" or "\n".
func AppendClientError(dst []byte, msg string) []byte {
	dst = append(dst, "CLIENT_ERROR "...)
	dst = append(dst, msg...)
	return append(dst, "\r\n"...)
}

// AppendServerError appends "SERVER_ERROR <msg>\r\n". msg must not hold
// "\r" or "\n".
func AppendServerError(dst []byte, msg string) []byte {
	dst = append(dst, "SERVER_ERROR "...)
	dst = append(dst, msg...)
	return append(dst, "\r\n"...)
}

// AppendMetadumpItem appends one line of an "lru_crawler metadump" reply
// as memcached 1.6 prints it (note: "\n" only, no "\r"):
// "key=<uri-encoded key> exp=<exp> la=<last access> cas=<cas>
// fetch=<yes|no> cls=<class> size=<bytes>\n". exp is -1 for items that
// never expire; times are unix seconds. The reply ends with ReplyEnd.
func AppendMetadumpItem(dst, key []byte, exp, lastAccess int64, cas uint64, fetched bool, class int, size int) []byte {
	dst = append(dst, "key="...)
	dst = appendURIEncoded(dst, key)
	dst = append(dst, " exp="...)
	dst = strconv.AppendInt(dst, exp, 10)
	dst = append(dst, " la="...)
	dst = strconv.AppendInt(dst, lastAccess, 10)
	dst = append(dst, " cas="...)
	dst = strconv.AppendUint(dst, cas, 10)
	if fetched {
		dst = append(dst, " fetch=yes"...)
	} else {
		dst = append(dst, " fetch=no"...)
	}
	dst = append(dst, " cls="...)
	dst = strconv.AppendInt(dst, int64(class), 10)
	dst = append(dst, " size="...)
	dst = strconv.AppendInt(dst, int64(size), 10)
	return append(dst, '\n')
}

// appendURIEncoded percent-encodes every byte of key other than ASCII
// letters, digits and "-._~", as memcached's uriencode does.
func appendURIEncoded(dst, key []byte) []byte {
	const hex = "0123456789ABCDEF"
	for _, c := range key {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9',
			c == '-', c == '.', c == '_', c == '~':
			dst = append(dst, c)
		default:
			dst = append(dst, '%', hex[c>>4], hex[c&15])
		}
	}
	return dst
}
