package memproto

import (
	"bufio"
	"encoding/binary"
)

// BinaryResponse is one parsed binary response (client side).
//
// Extras, Key and Value alias the buffer the response was parsed from:
// they stay valid until that buffer is modified or, for a
// BinaryResponseReader, until the next ReadResponse (or other read from
// its bufio.Reader). Copy them to keep them longer. Its zero value is
// ready for use; it is reused without allocation and is not safe for
// concurrent use.
type BinaryResponse struct {
	// Header is the response's header; Header.Status is the status and
	// Header.CAS the item's CAS unique (on a hit or a successful store).
	Header BinaryHeader
	// Extras are the raw extras.
	Extras []byte
	// Key is the key (GetK/GATK hits and misses, Stat names).
	Key []byte
	// Value is the body after extras and key: the item's value, the
	// error message of an error response, the version string, the 8-byte
	// counter of Increment/Decrement, a Stat value.
	Value []byte
	// Flags are the item's client flags, decoded from 4 bytes of extras
	// (the hits of the get and gat families); 0 otherwise.
	Flags uint32
}

// Status returns the response's status.
func (r *BinaryResponse) Status() BinaryStatus { return r.Header.Status }

// Counter returns the new value carried by a successful Increment or
// Decrement response (an 8-byte big-endian body), and whether the body
// has that form.
func (r *BinaryResponse) Counter() (uint64, bool) {
	if r.Header.Status != BinaryStatusNoError || len(r.Value) != 8 {
		return 0, false
	}
	return binary.BigEndian.Uint64(r.Value), true
}

// fill sets the slices of r from body (the packet after its header).
func (r *BinaryResponse) fill(body []byte) {
	ext, key := int(r.Header.ExtrasLength), int(r.Header.KeyLength)
	r.Extras = body[:ext:ext]
	r.Key = body[ext : ext+key : ext+key]
	if len(body) > ext+key {
		r.Value = body[ext+key : len(body) : len(body)]
	}
	if ext == 4 {
		r.Flags = binary.BigEndian.Uint32(r.Extras)
	}
}

// checkBinaryResponseHeader checks the magic and the framing.
func checkBinaryResponseHeader(h *BinaryHeader) error {
	if h.Magic != BinaryMagicResponse {
		return ErrBinaryResponseMagic
	}
	if uint32(h.ExtrasLength)+uint32(h.KeyLength) > h.BodyLength {
		return ErrBinaryResponseFraming
	}
	return nil
}

// ParseBinaryResponse parses one response from the start of buf into resp
// and returns the number of bytes it used; resp's slices alias buf. It
// returns ErrIncomplete, with n 0, when buf does not yet hold the whole
// packet, and ErrBinaryResponseMagic or ErrBinaryResponseFraming for
// bytes that are not a response (the connection is then unusable).
func ParseBinaryResponse(buf []byte, resp *BinaryResponse) (n int, err error) {
	if len(buf) < BinaryHeaderLen {
		return 0, ErrIncomplete
	}
	*resp = BinaryResponse{}
	resp.Header, _ = ParseBinaryHeader(buf)
	if err := checkBinaryResponseHeader(&resp.Header); err != nil {
		return 0, err
	}
	total := int64(BinaryHeaderLen) + int64(resp.Header.BodyLength)
	if int64(len(buf)) < total {
		return 0, ErrIncomplete
	}
	resp.fill(buf[BinaryHeaderLen:total])
	return int(total), nil
}

// BinaryResponseReader reads binary responses from a bufio.Reader (client
// side). Bodies that fit in the bufio.Reader's buffer are parsed in place,
// larger ones are read into a reused buffer of the reader's own. It is
// not safe for concurrent use.
type BinaryResponseReader struct {
	r BinaryReader
}

// NewBinaryResponseReader returns a reader of responses from br. A body
// longer than lim's MaxItemSize plus room for extras and key is refused
// with ErrBinaryResponseTooLarge without being read.
func NewBinaryResponseReader(br *bufio.Reader, lim Limits) *BinaryResponseReader {
	return &BinaryResponseReader{r: BinaryReader{br: br, lim: lim}}
}

// ReadResponse reads the next response into resp, whose slices stay valid
// until the next ReadResponse. It returns io.EOF when the stream ends
// between responses, io.ErrUnexpectedEOF inside one, and the errors of
// ParseBinaryResponse or ErrBinaryResponseTooLarge for a stream that is
// out of step.
func (rr *BinaryResponseReader) ReadResponse(resp *BinaryResponse) error {
	*resp = BinaryResponse{}
	r := &rr.r
	if _, err := r.br.Peek(1); err != nil {
		return err
	}
	hb, err := r.next(BinaryHeaderLen)
	if err != nil {
		return err
	}
	resp.Header, _ = ParseBinaryHeader(hb)
	if err := checkBinaryResponseHeader(&resp.Header); err != nil {
		return err
	}
	if int64(resp.Header.BodyLength) > int64(r.lim.maxItemSize())+binaryMaxPrefix {
		return ErrBinaryResponseTooLarge
	}
	body, err := r.next(int(resp.Header.BodyLength))
	if err != nil {
		return err
	}
	resp.fill(body)
	return nil
}
