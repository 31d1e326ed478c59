package persist

import (
	"encoding/binary"
	"fmt"
	"math"
	"sync"

	"github.com/pierrec/lz4/v4"
	bolt "go.etcd.io/bbolt"
)

// Record format, version 1. A record is the value stored under an item's
// key in the items bucket:
//
//	byte 0      format version (recordVersion)
//	byte 1      record flags: bit 0 = the payload is an LZ4 block;
//	            other bits are reserved and must be 0
//	bytes 2–9   write sequence number, big-endian (least-recently-written
//	            order; fixed width so the writer can stamp it in place)
//	uvarint     item flags (memcached client flags, ≤ 2^32-1)
//	varint      expiry, absolute Unix seconds, 0 = never
//	uvarint     CAS unique
//	uvarint     original value length
//	payload     the value, raw or as one LZ4 block (to the end)
//
// A reader rejects a version it does not know with [ErrUnknownFormat] and
// reserved flag bits with [ErrCorrupt], so a later release can add fields
// behind a new version number and old binaries fail loudly instead of
// misreading.
const (
	recordVersion   = 1
	recFlagLZ4      = 1 << 0
	recFlagsKnown   = recFlagLZ4
	recFixedHeader  = 10
	maxHeaderLength = recFixedHeader + 5 + 10 + 10 + 10
)

// Size limits of keys and values.
const (
	// MaxKeySize is the longest key bbolt accepts.
	MaxKeySize = bolt.MaxKeySize
	// MaxValueSize is the largest value stored (1 GiB).
	MaxValueSize = 1 << 30
)

// recordError is a decoding failure: kind is ErrCorrupt or ErrUnknownFormat.
func recordError(kind error, format string, args ...any) error {
	return &Error{Kind: kind, Err: fmt.Errorf(format, args...)}
}

// header is a decoded record header.
type header struct {
	flags      uint32
	expiry     int64
	cas        uint64
	seq        uint64
	origLen    int
	compressed bool
	payload    int // offset of the payload in the record
}

// decodeHeader parses the header of rec without touching the payload.
func decodeHeader(rec []byte) (header, error) {
	var h header
	if len(rec) < recFixedHeader {
		return h, recordError(ErrCorrupt, "record of %d bytes is shorter than its header", len(rec))
	}
	if rec[0] != recordVersion {
		return h, recordError(ErrUnknownFormat, "record version %d (this build reads %d)", rec[0], recordVersion)
	}
	if rec[1]&^recFlagsKnown != 0 {
		return h, recordError(ErrCorrupt, "record flags %#x", rec[1])
	}
	h.compressed = rec[1]&recFlagLZ4 != 0
	h.seq = binary.BigEndian.Uint64(rec[2:10])
	p := rec[recFixedHeader:]
	off := recFixedHeader
	fl, n := binary.Uvarint(p)
	if n <= 0 || fl > math.MaxUint32 {
		return h, recordError(ErrCorrupt, "bad flags field")
	}
	h.flags, p, off = uint32(fl), p[n:], off+n
	exp, n := binary.Varint(p)
	if n <= 0 {
		return h, recordError(ErrCorrupt, "bad expiry field")
	}
	h.expiry, p, off = exp, p[n:], off+n
	cas, n := binary.Uvarint(p)
	if n <= 0 {
		return h, recordError(ErrCorrupt, "bad CAS field")
	}
	h.cas, p, off = cas, p[n:], off+n
	ol, n := binary.Uvarint(p)
	if n <= 0 || ol > MaxValueSize {
		return h, recordError(ErrCorrupt, "bad length field")
	}
	p, off = p[n:], off+n
	h.origLen, h.payload = int(ol), off
	if h.compressed {
		// An LZ4 block expands at most ~255 times; anything more is a lie
		// that would make us allocate a huge buffer.
		if len(p) == 0 || h.origLen > 255*len(p)+64 {
			return h, recordError(ErrCorrupt, "compressed length %d for %d payload bytes", h.origLen, len(p))
		}
	} else if len(p) != h.origLen {
		return h, recordError(ErrCorrupt, "length %d but %d payload bytes", h.origLen, len(p))
	}
	return h, nil
}

// decodeRecord parses rec and returns its header and a copy of the value
// (never aliasing rec, which may live in bbolt's mmap).
func decodeRecord(rec []byte) (header, []byte, error) {
	h, err := decodeHeader(rec)
	if err != nil {
		return h, nil, err
	}
	v := make([]byte, h.origLen)
	if !h.compressed {
		copy(v, rec[h.payload:])
		return h, v, nil
	}
	n, err := lz4.UncompressBlock(rec[h.payload:], v)
	if err != nil || n != h.origLen {
		return h, nil, recordError(ErrCorrupt, "LZ4 block does not decode to %d bytes", h.origLen)
	}
	return h, v, nil
}

// codec encodes records, compressing values per the options. It is safe
// for concurrent use.
type codec struct {
	compress  bool
	threshold int
	level     int
	pool      sync.Pool // *compressor
}

type compressor struct {
	fast lz4.Compressor
	hc   lz4.CompressorHC
	buf  []byte
}

func newCodec(o *Options) *codec {
	c := &codec{compress: !o.DisableCompression, threshold: o.CompressionThreshold, level: o.CompressionLevel}
	c.pool.New = func() any {
		cp := &compressor{}
		if c.level > 0 {
			cp.hc.Level = lz4.Level1 << (c.level - 1)
		}
		return cp
	}
	return c
}

// encoded is one record ready for the writer.
type encoded struct {
	key        string
	rec        []byte
	expiry     int64
	origLen    int
	compressed bool
	stored     int // payload bytes (after compression)
}

// encode builds the record of one entry (seq left 0, stamped by the writer).
func (c *codec) encode(key string, value []byte, flags uint32, expiry int64, cas uint64) encoded {
	var hdr [maxHeaderLength]byte
	hdr[0] = recordVersion
	n := recFixedHeader
	n += binary.PutUvarint(hdr[n:], uint64(flags))
	n += binary.PutVarint(hdr[n:], expiry)
	n += binary.PutUvarint(hdr[n:], cas)
	n += binary.PutUvarint(hdr[n:], uint64(len(value)))
	e := encoded{key: key, expiry: expiry, origLen: len(value)}

	if c.compress && len(value) >= c.threshold && len(value) > 0 {
		cp := c.pool.Get().(*compressor)
		bound := lz4.CompressBlockBound(len(value))
		if cap(cp.buf) < bound {
			cp.buf = make([]byte, bound)
		}
		dst := cp.buf[:bound]
		var m int
		var err error
		if c.level > 0 {
			m, err = cp.hc.CompressBlock(value, dst)
		} else {
			m, err = cp.fast.CompressBlock(value, dst)
		}
		if err == nil && m > 0 && m < len(value) {
			hdr[1] = recFlagLZ4
			rec := make([]byte, n+m)
			copy(rec, hdr[:n])
			copy(rec[n:], dst[:m])
			e.rec, e.compressed, e.stored = rec, true, m
		}
		if cap(cp.buf) <= 1<<20 { // do not pin huge buffers in the pool
			c.pool.Put(cp)
		}
		if e.compressed {
			return e
		}
	}
	rec := make([]byte, n+len(value))
	copy(rec, hdr[:n])
	copy(rec[n:], value)
	e.rec, e.stored = rec, len(value)
	return e
}

// stampSeq writes the write sequence number into an encoded record.
func stampSeq(rec []byte, seq uint64) { binary.BigEndian.PutUint64(rec[2:10], seq) }
