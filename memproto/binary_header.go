package memproto

import "encoding/binary"

// Magic bytes of memcached's binary protocol: the first byte of every
// packet.
const (
	// BinaryMagicRequest starts every request packet (client to server).
	BinaryMagicRequest byte = 0x80
	// BinaryMagicResponse starts every response packet (server to client).
	BinaryMagicResponse byte = 0x81
)

// BinaryHeaderLen is the length of a binary packet header, in bytes.
const BinaryHeaderLen = 24

// BinaryDataTypeRaw is the only data type memcached defines and sends
// (raw bytes); memcached ignores the field in requests.
const BinaryDataTypeRaw byte = 0x00

// IsBinaryMagic reports whether b, the first byte a client sends on a new
// connection, selects the binary protocol (memcached's per-connection
// protocol detection: 0x80 means binary, anything else text or meta).
func IsBinaryMagic(b byte) bool { return b == BinaryMagicRequest }

// BinaryHeader is the fixed 24-byte header of a binary request or
// response. All multi-byte fields are big endian on the wire. Its zero
// value is a valid (empty) header; it holds no references.
type BinaryHeader struct {
	// Magic is BinaryMagicRequest or BinaryMagicResponse.
	Magic byte
	// Opcode is the command.
	Opcode BinaryOpcode
	// KeyLength is the length of the key, which follows the extras.
	KeyLength uint16
	// ExtrasLength is the length of the command-specific extras, which
	// follow the header.
	ExtrasLength uint8
	// DataType is reserved; always BinaryDataTypeRaw.
	DataType uint8
	// Status is the response status. In a request the same two bytes
	// hold a vbucket id (memcached ignores it); see VBucket.
	Status BinaryStatus
	// BodyLength is the length of extras, key and value together.
	BodyLength uint32
	// Opaque is copied unchanged from a request to its response.
	Opaque uint32
	// CAS is the compare-and-swap unique (0 for none).
	CAS uint64
}

// VBucket returns the vbucket id of a request header (the bytes that hold
// the status in a response).
func (h BinaryHeader) VBucket() uint16 { return uint16(h.Status) }

// ValueLength returns BodyLength minus the extras and key lengths, or -1
// when extras and key do not fit in the body.
func (h BinaryHeader) ValueLength() int {
	v := int(h.BodyLength) - int(h.ExtrasLength) - int(h.KeyLength)
	if v < 0 {
		return -1
	}
	return v
}

// ParseBinaryHeader decodes the first BinaryHeaderLen bytes of buf. It
// returns ErrIncomplete when buf is shorter; it checks nothing else (not
// even the magic), so it decodes requests and responses alike.
func ParseBinaryHeader(buf []byte) (BinaryHeader, error) {
	if len(buf) < BinaryHeaderLen {
		return BinaryHeader{}, ErrIncomplete
	}
	_ = buf[23]
	return BinaryHeader{
		Magic:        buf[0],
		Opcode:       BinaryOpcode(buf[1]),
		KeyLength:    binary.BigEndian.Uint16(buf[2:]),
		ExtrasLength: buf[4],
		DataType:     buf[5],
		Status:       BinaryStatus(binary.BigEndian.Uint16(buf[6:])),
		BodyLength:   binary.BigEndian.Uint32(buf[8:]),
		Opaque:       binary.BigEndian.Uint32(buf[12:]),
		CAS:          binary.BigEndian.Uint64(buf[16:]),
	}, nil
}

// AppendBinaryHeader appends the 24-byte wire form of h to dst.
func AppendBinaryHeader(dst []byte, h BinaryHeader) []byte {
	dst = append(dst, h.Magic, byte(h.Opcode))
	dst = binary.BigEndian.AppendUint16(dst, h.KeyLength)
	dst = append(dst, h.ExtrasLength, h.DataType)
	dst = binary.BigEndian.AppendUint16(dst, uint16(h.Status))
	dst = binary.BigEndian.AppendUint32(dst, h.BodyLength)
	dst = binary.BigEndian.AppendUint32(dst, h.Opaque)
	return binary.BigEndian.AppendUint64(dst, h.CAS)
}
