package memproto

import "strconv"

// Client-side encoders of text-protocol requests. They append one request,
// with its "\r\n" (and data block), to dst and return the extended slice.
// They do not validate keys: use ValidKey first, since a key holding a
// space or a line end would change the meaning of the request.

// AppendGet appends "<cmd> <key> <key>...\r\n" where cmd is CmdGet or
// CmdGets (any other command is encoded as get).
func AppendGet(dst []byte, cmd Command, keys ...[]byte) []byte {
	if cmd == CmdGets {
		dst = append(dst, "gets"...)
	} else {
		dst = append(dst, "get"...)
	}
	return appendKeys(dst, keys)
}

// AppendGat appends "<cmd> <exptime> <key>...\r\n" where cmd is CmdGat or
// CmdGats (any other command is encoded as gat).
func AppendGat(dst []byte, cmd Command, exptime int64, keys ...[]byte) []byte {
	if cmd == CmdGats {
		dst = append(dst, "gats "...)
	} else {
		dst = append(dst, "gat "...)
	}
	dst = strconv.AppendInt(dst, exptime, 10)
	return appendKeys(dst, keys)
}

func appendKeys(dst []byte, keys [][]byte) []byte {
	for _, k := range keys {
		dst = append(dst, ' ')
		dst = append(dst, k...)
	}
	return append(dst, "\r\n"...)
}

// AppendStore appends a storage request, "<cmd> <key> <flags> <exptime>
// <bytes>[ <cas>][ noreply]\r\n<value>\r\n". cmd is one of CmdSet, CmdAdd,
// CmdReplace, CmdAppend, CmdPrepend and CmdCas (anything else is encoded
// as set); cas is only sent for CmdCas.
func AppendStore(dst []byte, cmd Command, key []byte, flags uint32, exptime int64, value []byte, cas uint64, noreply bool) []byte {
	if !cmd.IsStorage() {
		cmd = CmdSet
	}
	dst = append(dst, cmd.String()...)
	dst = append(dst, ' ')
	dst = append(dst, key...)
	dst = append(dst, ' ')
	dst = strconv.AppendUint(dst, uint64(flags), 10)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, exptime, 10)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, int64(len(value)), 10)
	if cmd == CmdCas {
		dst = append(dst, ' ')
		dst = strconv.AppendUint(dst, cas, 10)
	}
	dst = appendNoreply(dst, noreply)
	dst = append(dst, value...)
	return append(dst, "\r\n"...)
}

// appendNoreply ends a request line, with " noreply" if asked.
func appendNoreply(dst []byte, noreply bool) []byte {
	if noreply {
		dst = append(dst, " noreply"...)
	}
	return append(dst, "\r\n"...)
}

// AppendDelete appends "delete <key>[ noreply]\r\n".
func AppendDelete(dst, key []byte, noreply bool) []byte {
	dst = append(dst, "delete "...)
	dst = append(dst, key...)
	return appendNoreply(dst, noreply)
}

// AppendIncr appends "incr <key> <delta>[ noreply]\r\n".
func AppendIncr(dst, key []byte, delta uint64, noreply bool) []byte {
	return appendArith(dst, "incr ", key, delta, noreply)
}

// AppendDecr appends "decr <key> <delta>[ noreply]\r\n".
func AppendDecr(dst, key []byte, delta uint64, noreply bool) []byte {
	return appendArith(dst, "decr ", key, delta, noreply)
}

func appendArith(dst []byte, verb string, key []byte, delta uint64, noreply bool) []byte {
	dst = append(dst, verb...)
	dst = append(dst, key...)
	dst = append(dst, ' ')
	dst = strconv.AppendUint(dst, delta, 10)
	return appendNoreply(dst, noreply)
}

// AppendTouch appends "touch <key> <exptime>[ noreply]\r\n".
func AppendTouch(dst, key []byte, exptime int64, noreply bool) []byte {
	dst = append(dst, "touch "...)
	dst = append(dst, key...)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, exptime, 10)
	return appendNoreply(dst, noreply)
}

// AppendFlushAll appends "flush_all[ <delay>][ noreply]\r\n"; a zero delay
// is left out (it means "now" either way).
func AppendFlushAll(dst []byte, delay int64, noreply bool) []byte {
	dst = append(dst, "flush_all"...)
	if delay != 0 {
		dst = append(dst, ' ')
		dst = strconv.AppendInt(dst, delay, 10)
	}
	return appendNoreply(dst, noreply)
}

// AppendVerbosity appends "verbosity <level>[ noreply]\r\n".
func AppendVerbosity(dst []byte, level uint32, noreply bool) []byte {
	dst = append(dst, "verbosity "...)
	dst = strconv.AppendUint(dst, uint64(level), 10)
	return appendNoreply(dst, noreply)
}

// AppendCacheMemlimit appends "cache_memlimit <megabytes>[ noreply]\r\n".
func AppendCacheMemlimit(dst []byte, megabytes uint32, noreply bool) []byte {
	dst = append(dst, "cache_memlimit "...)
	dst = strconv.AppendUint(dst, uint64(megabytes), 10)
	return appendNoreply(dst, noreply)
}

// AppendVersion appends "version\r\n".
func AppendVersion(dst []byte) []byte { return append(dst, "version\r\n"...) }

// AppendQuit appends "quit\r\n".
func AppendQuit(dst []byte) []byte { return append(dst, "quit\r\n"...) }

// AppendStats appends "stats[ <arg>...]\r\n" (e.g. "stats", "stats slabs",
// "stats reset").
func AppendStats(dst []byte, args ...[]byte) []byte {
	dst = append(dst, "stats"...)
	return appendKeys(dst, args)
}

// AppendShutdown appends "shutdown\r\n", or "shutdown graceful\r\n".
func AppendShutdown(dst []byte, graceful bool) []byte {
	if graceful {
		return append(dst, "shutdown graceful\r\n"...)
	}
	return append(dst, "shutdown\r\n"...)
}

// AppendLruCrawler appends "lru_crawler <arg>...\r\n", e.g. with args
// "crawl", "all" or "sleep", "100".
func AppendLruCrawler(dst []byte, args ...[]byte) []byte {
	dst = append(dst, "lru_crawler"...)
	return appendKeys(dst, args)
}

// AppendMetadump appends "lru_crawler metadump <what>\r\n", where what is
// "all", "hash" or a comma-separated list of slab class ids.
func AppendMetadump(dst []byte, what string) []byte {
	dst = append(dst, "lru_crawler metadump "...)
	dst = append(dst, what...)
	return append(dst, "\r\n"...)
}

// AppendRequest appends the wire form of a parsed classic request, so
// that a Request can be forwarded or re-encoded; parsing the result gives
// back an equal Request. Meta commands are not encoded here (dst is
// returned unchanged).
func AppendRequest(dst []byte, req *Request) []byte {
	switch c := req.Command; {
	case c.IsStorage():
		return AppendStore(dst, c, req.Key, req.Flags, req.Exptime, req.Value, req.CAS, req.NoReply)
	case c == CmdGet || c == CmdGets:
		return AppendGet(dst, c, req.Keys...)
	case c == CmdGat || c == CmdGats:
		return AppendGat(dst, c, req.Exptime, req.Keys...)
	case c == CmdDelete:
		return AppendDelete(dst, req.Key, req.NoReply)
	case c == CmdIncr:
		return AppendIncr(dst, req.Key, req.Delta, req.NoReply)
	case c == CmdDecr:
		return AppendDecr(dst, req.Key, req.Delta, req.NoReply)
	case c == CmdTouch:
		return AppendTouch(dst, req.Key, req.Exptime, req.NoReply)
	case c == CmdFlushAll:
		return AppendFlushAll(dst, req.Exptime, req.NoReply)
	case c == CmdVersion:
		return AppendVersion(dst)
	case c == CmdQuit:
		return AppendQuit(dst)
	case c == CmdVerbosity:
		return AppendVerbosity(dst, uint32(req.Number), req.NoReply)
	case c == CmdCacheMemlimit:
		return AppendCacheMemlimit(dst, uint32(req.Number), req.NoReply)
	case c == CmdStats:
		return AppendStats(dst, req.Args...)
	case c == CmdShutdown:
		dst = append(dst, "shutdown"...)
		return appendKeys(dst, req.Args)
	case c == CmdLruCrawler:
		return AppendLruCrawler(dst, req.Args...)
	case c == CmdSlabs:
		dst = append(dst, "slabs"...)
		return appendKeys(dst, req.Args)
	case c == CmdWatch:
		dst = append(dst, "watch"...)
		return appendKeys(dst, req.Args)
	case c == CmdStreamingGet:
		return AppendStreamingGet(dst, req.Key, int(req.Number))
	}
	return dst
}
