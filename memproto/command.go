package memproto

// Command identifies the command of a text or meta request.
type Command uint8

// Commands of the text protocol (classic and meta). The zero value, CmdNone,
// is never returned for a parsed request.
const (
	CmdNone Command = iota

	// Storage commands; they carry a data block.
	CmdSet
	CmdAdd
	CmdReplace
	CmdAppend
	CmdPrepend
	CmdCas

	// Retrieval commands.
	CmdGet
	CmdGets
	CmdGat
	CmdGats

	CmdDelete
	CmdIncr
	CmdDecr
	CmdTouch

	// Administrative commands.
	CmdFlushAll
	CmdVersion
	CmdVerbosity
	CmdQuit
	CmdStats
	CmdShutdown
	CmdCacheMemlimit
	CmdLruCrawler
	// CmdSlabs is "slabs automove|reassign ...": Args holds the words
	// after "slabs"; NoReply is set when the last one is "noreply".
	CmdSlabs

	// CmdStreamingGet is the RatMemCache extension
	// "streaming_get <key> <chunk_size>"; see docs/protocol.md.
	CmdStreamingGet

	// Meta commands.
	CmdMetaGet        // mg
	CmdMetaSet        // ms
	CmdMetaDelete     // md
	CmdMetaArithmetic // ma
	CmdMetaNoop       // mn
	CmdMetaDebug      // me

	// CmdWatch is "watch [fetchers|mutations|evictions|connevents|...]":
	// the connection turns into a stream of log lines. Args holds the
	// words after "watch".
	CmdWatch

	numCommands
)

var commandNames = [numCommands]string{
	CmdNone:           "",
	CmdSet:            "set",
	CmdAdd:            "add",
	CmdReplace:        "replace",
	CmdAppend:         "append",
	CmdPrepend:        "prepend",
	CmdCas:            "cas",
	CmdGet:            "get",
	CmdGets:           "gets",
	CmdGat:            "gat",
	CmdGats:           "gats",
	CmdDelete:         "delete",
	CmdIncr:           "incr",
	CmdDecr:           "decr",
	CmdTouch:          "touch",
	CmdFlushAll:       "flush_all",
	CmdVersion:        "version",
	CmdVerbosity:      "verbosity",
	CmdQuit:           "quit",
	CmdStats:          "stats",
	CmdShutdown:       "shutdown",
	CmdCacheMemlimit:  "cache_memlimit",
	CmdLruCrawler:     "lru_crawler",
	CmdSlabs:          "slabs",
	CmdStreamingGet:   "streaming_get",
	CmdMetaGet:        "mg",
	CmdMetaSet:        "ms",
	CmdMetaDelete:     "md",
	CmdMetaArithmetic: "ma",
	CmdMetaNoop:       "mn",
	CmdMetaDebug:      "me",
	CmdWatch:          "watch",
}

// String returns the command's name as it appears on the wire ("get",
// "flush_all", "mg", ...), or "" for CmdNone and unknown values.
func (c Command) String() string {
	if c >= numCommands {
		return ""
	}
	return commandNames[c]
}

// IsStorage reports whether c is a classic storage command (set, add,
// replace, append, prepend, cas), which is followed by a data block.
func (c Command) IsStorage() bool { return c >= CmdSet && c <= CmdCas }

// IsRetrieval reports whether c is get, gets, gat or gats.
func (c Command) IsRetrieval() bool { return c >= CmdGet && c <= CmdGats }

// IsMeta reports whether c is a meta command (mg, ms, md, ma, mn, me).
func (c Command) IsMeta() bool { return c >= CmdMetaGet && c <= CmdMetaDebug }

// lookupCommand maps a command token to its Command without allocating.
// It returns CmdNone for an unknown token.
func lookupCommand(tok []byte) Command {
	switch len(tok) {
	case 2:
		if tok[0] != 'm' {
			return CmdNone
		}
		switch tok[1] {
		case 'g':
			return CmdMetaGet
		case 's':
			return CmdMetaSet
		case 'd':
			return CmdMetaDelete
		case 'a':
			return CmdMetaArithmetic
		case 'n':
			return CmdMetaNoop
		case 'e':
			return CmdMetaDebug
		}
		return CmdNone
	}
	// Switching on string(tok) does not allocate.
	switch string(tok) {
	case "get":
		return CmdGet
	case "gets":
		return CmdGets
	case "gat":
		return CmdGat
	case "gats":
		return CmdGats
	case "set":
		return CmdSet
	case "add":
		return CmdAdd
	case "replace":
		return CmdReplace
	case "append":
		return CmdAppend
	case "prepend":
		return CmdPrepend
	case "cas":
		return CmdCas
	case "delete":
		return CmdDelete
	case "incr":
		return CmdIncr
	case "decr":
		return CmdDecr
	case "touch":
		return CmdTouch
	case "flush_all":
		return CmdFlushAll
	case "version":
		return CmdVersion
	case "verbosity":
		return CmdVerbosity
	case "quit":
		return CmdQuit
	case "stats":
		return CmdStats
	case "shutdown":
		return CmdShutdown
	case "cache_memlimit":
		return CmdCacheMemlimit
	case "lru_crawler":
		return CmdLruCrawler
	case "slabs":
		return CmdSlabs
	case "streaming_get":
		return CmdStreamingGet
	case "watch":
		return CmdWatch
	}
	return CmdNone
}
