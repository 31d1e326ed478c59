package memproto

import "bytes"

// This file parses the request line of memcached 1.6's text protocol
// (proto_text.c: try_read_command_ascii, tokenize_command and
// process_command_ascii) and frames the data block that follows a storage
// command. ParseRequest and Reader share everything here.
//
// # Keys
//
// memcached's tokenizer splits only on spaces, and the only key check of
// the classic commands is the length (at most 250 bytes). A key may
// therefore hold tabs, "\r" or other control characters, and memcached
// stores and returns it ("get a\tb" looks up the key "a\tb"). We do the
// same, for compatibility; clients should still use ValidKey. A NUL byte
// ends the line for memcached (it works on C strings), so everything from
// the first NUL to the end of the line is ignored here as well.

// maxTokens mirrors memcached's MAX_TOKENS: when it looks for an "HTTP/"
// token it considers the last of the first maxTokens-1 tokens.
const maxTokens = 24

// ParseRequest parses one complete text-protocol request (its line and,
// for a storage command or ms, its data block) from the start of buf into
// req, which it resets first, and returns the number of bytes consumed.
//
// A line ends at "\n", optionally preceded by "\r"; a data block must end
// in "\r\n". Key, Keys, Value and Args alias buf.
//
// Results:
//   - n > 0, err == nil: req holds the request.
//   - n == 0, err == ErrIncomplete: buf does not hold the whole request
//     yet; call again with more bytes (and the same start).
//   - err is an *Error: a request memcached refuses. n is the length of
//     the request line (line plus data block for ErrBadDataChunk, which
//     needs the block to be known). The server writes e.Reply unless
//     req.NoReply is set (memcached suppresses even error replies of a
//     classic command that ends in noreply), then skips e.Swallow more
//     bytes (a refused data block, which may not be in buf yet) and closes
//     the connection if e.Close. n is 0 when e.Close is set.
//
// A multi-key get with an invalid key (longer than 250 bytes) anywhere
// fails as a whole with ErrBadFormat: memcached discards the values it
// had already found for earlier keys of the same request and sends only
// the CLIENT_ERROR line (verified against memcached 1.6.18).
//
// Lines longer than lim's MaxLineLength (MaxGetLineLength for get and
// gets) fail with ErrLineTooLong. memcached only applies its 2048-byte
// limit while the newline has not arrived yet, so it may accept a longer
// line that arrives in one read; the limit here does not depend on how
// the bytes were cut, and only lines that memcached would refuse anyway
// are that long.
func ParseRequest(buf []byte, req *Request, lim Limits) (n int, err error) {
	req.Reset()
	i := bytes.IndexByte(buf, '\n')
	if i < 0 {
		if err := checkPartialLine(buf, lim); err != nil {
			return 0, err
		}
		return 0, ErrIncomplete
	}
	if i > lineLimit(buf[:i], lim) {
		return 0, ErrLineTooLong
	}
	lineLen := i + 1
	if err := parseLine(req, buf[:i], lim); err != nil {
		if e, ok := err.(*Error); ok && e.Close {
			return 0, err
		}
		return lineLen, err
	}
	if !req.hasData {
		return lineLen, nil
	}
	end := lineLen + req.dataLen + 2
	if len(buf) < end {
		req.Reset()
		return 0, ErrIncomplete
	}
	if err := setValue(req, buf[lineLen:end]); err != nil {
		return end, err
	}
	return end, nil
}

// checkPartialLine reports ErrLineTooLong when buf, which holds no "\n",
// is already longer than any acceptable line.
func checkPartialLine(buf []byte, lim Limits) error {
	if len(buf) > lineLimit(buf, lim) {
		return ErrLineTooLong
	}
	return nil
}

// lineLimit returns the longest line lim allows for a line starting with
// start. Like memcached, only "get " and "gets " after at most 100
// leading spaces qualify for the longer multi-get limit.
func lineLimit(start []byte, lim Limits) int {
	max := lim.maxLineLength()
	if len(start) <= max {
		return max
	}
	i := 0 // bounded, so that re-checking a growing line stays linear
	for i <= 100 && i < len(start) && start[i] == ' ' {
		i++
	}
	if i > 100 {
		return max
	}
	rest := start[i:]
	if bytes.HasPrefix(rest, []byte("get ")) || bytes.HasPrefix(rest, []byte("gets ")) {
		if g := lim.maxGetLineLength(); g > max {
			return g
		}
	}
	return max
}

// trimLine turns the bytes before "\n" into the command line memcached
// sees: one trailing "\r" removed (unless the line is just "\r"), and the
// line cut at its first NUL.
func trimLine(line []byte) []byte {
	if len(line) > 1 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	if j := bytes.IndexByte(line, 0); j >= 0 {
		line = line[:j]
	}
	return line
}

// setValue checks the data block (value plus "\r\n") of a storage request
// and stores the value in req.
func setValue(req *Request, block []byte) error {
	v := block[:req.dataLen]
	if block[req.dataLen] != '\r' || block[req.dataLen+1] != '\n' {
		return ErrBadDataChunk
	}
	req.Value = v
	return nil
}

// tokenize splits line on spaces into toks (reused), as memcached's
// tokenize_command does; empty tokens are dropped. The tokens alias line
// and have no spare capacity, so appending to one never writes into line.
func tokenize(line []byte, toks [][]byte) [][]byte {
	toks = toks[:0]
	start := -1
	for i, c := range line {
		if c == ' ' {
			if start >= 0 {
				toks = append(toks, line[start:i:i])
				start = -1
			}
		} else if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		toks = append(toks, line[start:len(line):len(line)])
	}
	return toks
}

// parseLine parses the request line (without its "\n") into req. For a
// storage command or ms it sets req.hasData and req.dataLen, and refuses
// a block larger than lim allows.
func parseLine(req *Request, raw []byte, lim Limits) error {
	req.toks = tokenize(trimLine(raw), req.toks)
	toks := req.toks
	if len(toks) == 0 || len(toks[0]) < 2 {
		return ErrUnknownCommand
	}
	cmd := lookupCommand(toks[0])
	if cmd == CmdNone && string(toks[0]) == "bget" {
		cmd = CmdGet // memcached keeps the ancient "bget" as an alias of get
	}
	req.Command = cmd
	var err error
	switch {
	case cmd == CmdNone:
		err = unknownCommand(toks)
	case cmd.IsMeta():
		err = parseMeta(req, toks[1:])
	case cmd.IsStorage():
		err = parseStorage(req, toks)
	case cmd.IsRetrieval():
		err = parseRetrieval(req, toks)
	default:
		err = parseOther(req, toks)
	}
	if err != nil {
		return err
	}
	if req.hasData {
		if req.dataLen < 0 {
			return ErrBadFormat
		}
		if req.dataLen > lim.maxItemSize() {
			return tooLarge(req.dataLen)
		}
	}
	return nil
}

// unknownCommand returns ERROR, or ErrHTTPRequest when the last token
// memcached looks at starts with "HTTP/". memcached only makes that check
// in the last branch of its dispatch: unknown commands starting with one
// of "gsacidt", and unknown two-byte commands starting with 'm', get
// ERROR whatever their last token.
func unknownCommand(toks [][]byte) error {
	switch c := toks[0][0]; {
	case c == 'm' && len(toks[0]) == 2:
		return ErrUnknownCommand
	case bytes.IndexByte([]byte("gsacidt"), c) >= 0:
		return ErrUnknownCommand
	}
	last := toks[min(len(toks), maxTokens-1)-1]
	if bytes.HasPrefix(last, []byte("HTTP/")) {
		return ErrHTTPRequest
	}
	return ErrUnknownCommand
}

// isNoreply reports whether tok is exactly "noreply".
func isNoreply(tok []byte) bool { return string(tok) == "noreply" }

// setNoreply mirrors memcached's set_noreply_maybe: the last token decides.
func setNoreply(req *Request, toks [][]byte) {
	req.NoReply = isNoreply(toks[len(toks)-1])
}

// keyTooLong reports whether key exceeds memcached's key length limit.
func keyTooLong(key []byte) bool { return len(key) > MaxKeyLength }

// parseStorage parses "set|add|replace|append|prepend <key> <flags>
// <exptime> <bytes> [noreply]" and "cas <key> <flags> <exptime> <bytes>
// <cas> [noreply]".
func parseStorage(req *Request, toks [][]byte) error {
	base := 5
	if req.Command == CmdCas {
		base = 6
	}
	if len(toks) != base && len(toks) != base+1 {
		return ErrUnknownCommand
	}
	setNoreply(req, toks)
	req.Key = toks[1]
	if keyTooLong(req.Key) {
		return ErrBadFormat
	}
	flags, ok1 := parseUint32(toks[2])
	exp, ok2 := parseInt32(toks[3])
	vlen, ok3 := parseInt32(toks[4])
	if !ok1 || !ok2 || !ok3 {
		return ErrBadFormat
	}
	req.Flags, req.Exptime = flags, int64(exp)
	if req.Command == CmdCas {
		cas, ok := parseUint64(toks[5])
		if !ok {
			return ErrBadFormat
		}
		req.CAS = cas
	}
	// memcached refuses vlen > INT_MAX-2 too, as vlen+2 would overflow.
	if vlen < 0 || vlen > 1<<31-3 {
		return ErrBadFormat
	}
	req.hasData, req.dataLen = true, int(vlen)
	return nil
}

// parseRetrieval parses "get|gets <key>*" and "gat|gats <exptime> <key>*".
func parseRetrieval(req *Request, toks [][]byte) error {
	if len(toks) < 2 {
		return ErrUnknownCommand
	}
	keys := toks[1:]
	if req.Command == CmdGat || req.Command == CmdGats {
		exp, ok := parseInt32(toks[1])
		if !ok {
			return ErrBadExptime
		}
		req.Exptime = int64(exp)
		keys = toks[2:] // memcached answers "gat <exptime>" alone with END
	}
	for _, k := range keys {
		if keyTooLong(k) {
			req.Keys = req.Keys[:0]
			return ErrBadFormat
		}
	}
	req.Keys = append(req.Keys[:0], keys...)
	if len(keys) > 0 {
		req.Key = keys[0]
	}
	return nil
}

// parseOther parses the commands that are neither storage, retrieval nor
// meta.
func parseOther(req *Request, toks [][]byte) error {
	switch req.Command {
	case CmdDelete:
		return parseDelete(req, toks)
	case CmdIncr, CmdDecr:
		return parseArith(req, toks)
	case CmdTouch:
		return parseTouch(req, toks)
	case CmdFlushAll:
		return parseFlushAll(req, toks)
	case CmdVersion, CmdQuit:
		return nil // memcached ignores any further tokens
	case CmdVerbosity:
		return parseVerbosity(req, toks)
	case CmdStats, CmdShutdown:
		req.Args = append(req.Args[:0], toks[1:]...)
		return nil
	case CmdCacheMemlimit:
		return parseMemlimit(req, toks)
	case CmdLruCrawler:
		return parseLruCrawler(req, toks)
	case CmdSlabs:
		req.Args = append(req.Args[:0], toks[1:]...)
		req.NoReply = len(toks) > 1 && string(toks[len(toks)-1]) == "noreply"
		return nil
	case CmdWatch:
		req.Args = append(req.Args[:0], toks[1:]...)
		return nil
	case CmdStreamingGet:
		return parseStreamingGet(req, toks)
	}
	return ErrUnknownCommand
}

// parseDelete parses "delete <key> [0] [noreply]". memcached accepts a
// time argument only if it is exactly "0" (a remnant of the removed
// delete-with-hold) and refuses any other with ErrBadDelete.
func parseDelete(req *Request, toks [][]byte) error {
	if len(toks) < 2 || len(toks) > 4 {
		return ErrUnknownCommand
	}
	if len(toks) > 2 {
		holdIsZero := string(toks[2]) == "0"
		setNoreply(req, toks)
		valid := (len(toks) == 3 && (holdIsZero || req.NoReply)) ||
			(len(toks) == 4 && holdIsZero && req.NoReply)
		if !valid {
			return ErrBadDelete
		}
	}
	req.Key = toks[1]
	if keyTooLong(req.Key) {
		return ErrBadFormat
	}
	return nil
}

// parseArith parses "incr|decr <key> <delta> [noreply]".
func parseArith(req *Request, toks [][]byte) error {
	if len(toks) != 3 && len(toks) != 4 {
		return ErrUnknownCommand
	}
	setNoreply(req, toks)
	req.Key = toks[1]
	if keyTooLong(req.Key) {
		return ErrBadFormat
	}
	d, ok := parseUint64(toks[2])
	if !ok {
		return ErrBadDelta
	}
	req.Delta = d
	return nil
}

// parseTouch parses "touch <key> <exptime> [noreply]".
func parseTouch(req *Request, toks [][]byte) error {
	if len(toks) != 3 && len(toks) != 4 {
		return ErrUnknownCommand
	}
	setNoreply(req, toks)
	req.Key = toks[1]
	if keyTooLong(req.Key) {
		return ErrBadFormat
	}
	exp, ok := parseInt32(toks[2])
	if !ok {
		return ErrBadExptime
	}
	req.Exptime = int64(exp)
	return nil
}

// parseFlushAll parses "flush_all [delay] [noreply]" into Exptime.
// Like memcached, "flush_all <delay> <anything>" ignores the third token.
func parseFlushAll(req *Request, toks [][]byte) error {
	if len(toks) > 3 {
		return ErrUnknownCommand
	}
	setNoreply(req, toks)
	plain := 1
	if req.NoReply {
		plain = 2
	}
	if len(toks) != plain {
		exp, ok := parseInt32(toks[1])
		if !ok {
			return ErrBadExptime
		}
		req.Exptime = int64(exp)
	}
	return nil
}

// parseVerbosity parses "verbosity <level> [noreply]" into Number.
func parseVerbosity(req *Request, toks [][]byte) error {
	return parseNumberArg(req, toks, ErrBadFormat)
}

// parseMemlimit parses "cache_memlimit <megabytes> [noreply]" into
// Number. memcached answers a bad number with a bare ERROR. The range
// checks (MEMLIMIT_TOO_SMALL below 8, MEMLIMIT_ADJUST_FAILED above 1e9)
// are the server's, as they depend on its memory.
func parseMemlimit(req *Request, toks [][]byte) error {
	return parseNumberArg(req, toks, ErrUnknownCommand)
}

// parseNumberArg parses "<command> <uint32> [noreply]" into Number;
// badNumber is memcached's reply to a number it cannot read.
func parseNumberArg(req *Request, toks [][]byte, badNumber error) error {
	if len(toks) != 2 && len(toks) != 3 {
		return ErrUnknownCommand
	}
	setNoreply(req, toks)
	v, ok := parseUint32(toks[1])
	if !ok {
		return badNumber
	}
	req.Number = uint64(v)
	return nil
}

// parseLruCrawler parses "lru_crawler <subcommand> [arg]": crawl, metadump
// and mgdump take one argument (class ids, "all" or "hash"), tocrawl and
// sleep a number (stored in Number), enable and disable none. Args holds
// the subcommand and its argument. mgdump is not in memcached 1.6.18
// (added in later 1.6 releases); we accept it.
func parseLruCrawler(req *Request, toks [][]byte) error {
	switch len(toks) {
	case 2:
		switch string(toks[1]) {
		case "enable", "disable":
			req.Args = append(req.Args[:0], toks[1])
			return nil
		}
	case 3:
		switch string(toks[1]) {
		case "crawl", "metadump", "mgdump":
			req.Args = append(req.Args[:0], toks[1], toks[2])
			return nil
		case "tocrawl", "sleep":
			v, ok := parseUint32(toks[2])
			if !ok {
				return ErrBadFormat
			}
			if string(toks[1]) == "sleep" && v > 1000000 {
				return ErrCrawlerSleep
			}
			req.Number = uint64(v)
			req.Args = append(req.Args[:0], toks[1], toks[2])
			return nil
		}
	}
	return ErrUnknownCommand
}
