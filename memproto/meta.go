package memproto

// MetaFlag is one flag of a meta command: its letter and the token that
// follows it on the wire (empty for flags without an argument). Token
// aliases the parsed buffer.
type MetaFlag struct {
	Flag  byte
	Token []byte
}

// Meta holds the flags of a meta request (mg, ms, md, ma, mn, me).
type Meta struct {
	// Flags lists the request's flags in wire order.
	Flags []MetaFlag
}

func (m *Meta) reset() {
	*m = Meta{Flags: m.Flags[:0]}
}
