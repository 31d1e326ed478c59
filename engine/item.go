package engine

import "encoding/binary"

// Item layout. Every item lives in one chunk of a slab page (or in its own
// buffer when larger than the largest slab class) as
//
//	offset size field
//	0      8    CAS unique
//	8      4    expiry, Unix seconds (0 = never)
//	12     4    time stored, Unix seconds (for flush_all)
//	16     4    client flags
//	20     4    value length
//	24     2    key length (0 marks a free chunk)
//	26     1    bits (itemFetched, itemStale, itemTokenSent, itemBinaryKey)
//	27     1    unused
//	28     -    key bytes, then value bytes
//
// The chunk is a window of a pointer-free []byte, so the garbage
// collector never looks inside.

// ItemHeaderSize is the size of the fixed header stored with every item.
const ItemHeaderSize = 28

// Item bits (byte 26 of the header).
const (
	itemFetched   = 1 << iota // the item has been read since it was stored
	itemStale                 // marked stale by meta invalidation (md I, ms I)
	itemTokenSent             // a meta recache token (W) was handed out
	itemBinaryKey             // stored by a meta command with a base64 (b) key
)

type hdr []byte // a chunk, at least ItemHeaderSize long

func (h hdr) cas() uint64         { return binary.LittleEndian.Uint64(h[0:8]) }
func (h hdr) exp() uint32         { return binary.LittleEndian.Uint32(h[8:12]) }
func (h hdr) stored() uint32      { return binary.LittleEndian.Uint32(h[12:16]) }
func (h hdr) flags() uint32       { return binary.LittleEndian.Uint32(h[16:20]) }
func (h hdr) vlen() int           { return int(binary.LittleEndian.Uint32(h[20:24])) }
func (h hdr) klen() int           { return int(binary.LittleEndian.Uint16(h[24:26])) }
func (h hdr) setExp(v uint32)     { binary.LittleEndian.PutUint32(h[8:12], v) }
func (h hdr) markFree()           { binary.LittleEndian.PutUint16(h[24:26], 0) }
func (h hdr) key() []byte         { return h[ItemHeaderSize : ItemHeaderSize+h.klen()] }
func (h hdr) value() []byte       { k := ItemHeaderSize + h.klen(); return h[k : k+h.vlen()] }
func (h hdr) size() int           { return ItemHeaderSize + h.klen() + h.vlen() }
func (h hdr) fetched() bool       { return h[26]&itemFetched != 0 }
func (h hdr) setFetched()         { h[26] |= itemFetched }
func (h hdr) bits() byte          { return h[26] }
func (h hdr) setBits(b byte)      { h[26] = b }
func (h hdr) setStored(v uint32)  { binary.LittleEndian.PutUint32(h[12:16], v) }
func (h hdr) setCAS(v uint64)     { binary.LittleEndian.PutUint64(h[0:8], v) }
func itemSize(klen, vlen int) int { return ItemHeaderSize + klen + vlen }

// meta is the header of an item being written.
type meta struct {
	cas    uint64
	exp    uint32
	stored uint32
	flags  uint32
	bits   byte // item bits (itemStale, ...); 0 for plain stores
}

// write fills a chunk with the header m, the key and the value made of the
// concatenation of v1 and v2 (append/prepend write both parts directly).
func (h hdr) write(m meta, key string, v1, v2 []byte) {
	binary.LittleEndian.PutUint64(h[0:8], m.cas)
	binary.LittleEndian.PutUint32(h[8:12], m.exp)
	binary.LittleEndian.PutUint32(h[12:16], m.stored)
	binary.LittleEndian.PutUint32(h[16:20], m.flags)
	binary.LittleEndian.PutUint32(h[20:24], uint32(len(v1)+len(v2)))
	binary.LittleEndian.PutUint16(h[24:26], uint16(len(key)))
	h[26], h[27] = m.bits, 0
	n := ItemHeaderSize
	n += copy(h[n:], key)
	n += copy(h[n:], v1)
	copy(h[n:], v2)
}

// rangeInfo is the item's metadata as Range, Peek and OnEvict report it.
func (h hdr) rangeInfo() RangeInfo {
	return RangeInfo{
		ItemInfo: ItemInfo{Flags: h.flags(), Expiry: int64(h.exp()), CAS: h.cas()},
		Stored:   int64(h.stored()),
		Fetched:  h.fetched(),
		Size:     h.size(),
	}
}
