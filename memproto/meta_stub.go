package memproto

// parseMeta is a temporary stand-in for the meta-protocol parser, which
// lives in meta.go on the meta branch; this file is deleted at merge.
func parseMeta(req *Request, args [][]byte) error { return ErrUnknownCommand }
