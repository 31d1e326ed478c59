package main

// The dump file format, version 1.
//
//	file    = magic header record* trailer
//	magic   = "RATMEMCACHE-DUMP 1\n"           (19 bytes)
//	header  = uvarint(created)                 Unix seconds when the dump began
//	record  = 'I' uvarint(len(key)) key        1 to 250 bytes
//	          uvarint(flags)                   client flags, < 2^32
//	          varint(ttl)                      remaining seconds at created; 0 = never expires
//	          uvarint(len(value)) value        at most 1 GiB
//	trailer = 'E' uvarint(count) crc32         count of records; CRC-32 (IEEE),
//	                                           4 bytes big-endian, of every byte before it
//
// uvarint and varint are Go's encoding/binary variable-length integers.
// A reader rejects a file that ends before the trailer, a count or CRC
// that does not match, and bytes after the trailer. The version is the
// number in the magic line; a new version gets a new number.

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"

	"github.com/ratmemcache/ratmemcache/memproto"
)

const (
	dumpMagic    = "RATMEMCACHE-DUMP 1\n"
	maxDumpValue = 1 << 30
	tagItem      = 'I'
	tagEnd       = 'E'
)

// errBadDump is wrapped by every format error of a dump file.
var errBadDump = errors.New("not a valid ratctl dump file")

// dumpItem is one record of a dump file.
type dumpItem struct {
	Key   string
	Value []byte
	Flags uint32
	// TTL is the remaining lifetime in seconds when the dump was
	// created; 0 means the item never expires.
	TTL int64
}

// dumpWriter writes a dump file.
type dumpWriter struct {
	w     *bufio.Writer
	crc   hash.Hash32
	count uint64
	buf   []byte
}

func newDumpWriter(w io.Writer, created int64) (*dumpWriter, error) {
	d := &dumpWriter{w: bufio.NewWriterSize(w, 256<<10), crc: crc32.NewIEEE()}
	d.buf = append(d.buf[:0], dumpMagic...)
	d.buf = binary.AppendUvarint(d.buf, uint64(max(created, 0)))
	return d, d.flushBuf()
}

func (d *dumpWriter) flushBuf() error {
	d.crc.Write(d.buf)
	_, err := d.w.Write(d.buf)
	return err
}

// Write appends one item.
func (d *dumpWriter) Write(it *dumpItem) error {
	if len(it.Key) == 0 || len(it.Key) > memproto.MaxKeyLength || len(it.Value) > maxDumpValue || it.TTL < 0 {
		return fmt.Errorf("dump: item %q cannot be written", it.Key)
	}
	d.buf = append(d.buf[:0], tagItem)
	d.buf = binary.AppendUvarint(d.buf, uint64(len(it.Key)))
	d.buf = append(d.buf, it.Key...)
	d.buf = binary.AppendUvarint(d.buf, uint64(it.Flags))
	d.buf = binary.AppendVarint(d.buf, it.TTL)
	d.buf = binary.AppendUvarint(d.buf, uint64(len(it.Value)))
	if err := d.flushBuf(); err != nil {
		return err
	}
	d.crc.Write(it.Value)
	if _, err := d.w.Write(it.Value); err != nil {
		return err
	}
	d.count++
	return nil
}

// Close writes the trailer and flushes; it does not close the
// underlying writer.
func (d *dumpWriter) Close() error {
	d.buf = append(d.buf[:0], tagEnd)
	d.buf = binary.AppendUvarint(d.buf, d.count)
	if err := d.flushBuf(); err != nil {
		return err
	}
	if _, err := d.w.Write(binary.BigEndian.AppendUint32(nil, d.crc.Sum32())); err != nil {
		return err
	}
	return d.w.Flush()
}

// dumpReader reads a dump file.
type dumpReader struct {
	r       *bufio.Reader
	crc     hash.Hash32
	created int64
	count   uint64
	done    bool
	// n counts the bytes read, for progress.
	n int64
}

// newDumpReader reads the magic and the header.
func newDumpReader(r io.Reader) (*dumpReader, error) {
	d := &dumpReader{r: bufio.NewReaderSize(r, 256<<10), crc: crc32.NewIEEE()}
	magic := make([]byte, len(dumpMagic))
	if err := d.full(magic); err != nil {
		return nil, badDump("no magic line", err)
	}
	if string(magic) != dumpMagic {
		if string(magic[:17]) == dumpMagic[:17] {
			return nil, fmt.Errorf("%w: format version %q, this ratctl reads version 1", errBadDump, magic[17:len(magic)-1])
		}
		return nil, fmt.Errorf("%w: bad magic line", errBadDump)
	}
	created, err := d.uvarint()
	if err != nil || created > 1<<40 {
		return nil, badDump("bad header", err)
	}
	d.created = int64(created)
	return d, nil
}

func badDump(what string, err error) error {
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: %s (truncated?)", errBadDump, what)
	}
	return fmt.Errorf("%w: %s: %v", errBadDump, what, err)
}

// ReadByte implements io.ByteReader for binary.ReadUvarint, hashing
// every byte.
func (d *dumpReader) ReadByte() (byte, error) {
	b, err := d.r.ReadByte()
	if err == nil {
		d.crc.Write([]byte{b})
		d.n++
	}
	return b, err
}

func (d *dumpReader) full(p []byte) error {
	n, err := io.ReadFull(d.r, p)
	d.crc.Write(p[:n])
	d.n += int64(n)
	return err
}

func (d *dumpReader) uvarint() (uint64, error) { return binary.ReadUvarint(d) }

// Next returns the next item, or io.EOF after a valid trailer.
func (d *dumpReader) Next() (*dumpItem, error) {
	if d.done {
		return nil, io.EOF
	}
	tag, err := d.ReadByte()
	if err != nil {
		return nil, badDump("no trailer", err)
	}
	switch tag {
	case tagEnd:
		return nil, d.trailer()
	case tagItem:
	default:
		return nil, fmt.Errorf("%w: unknown record tag 0x%02x after %d items", errBadDump, tag, d.count)
	}
	it := &dumpItem{}
	klen, err := d.uvarint()
	if err != nil || klen == 0 || klen > memproto.MaxKeyLength {
		return nil, badDump(fmt.Sprintf("bad key length in item %d", d.count+1), err)
	}
	key := make([]byte, klen)
	if err := d.full(key); err != nil {
		return nil, badDump("short key", err)
	}
	it.Key = string(key)
	flags, err := d.uvarint()
	if err != nil || flags > 1<<32-1 {
		return nil, badDump(fmt.Sprintf("bad flags of %q", key), err)
	}
	it.Flags = uint32(flags)
	it.TTL, err = binary.ReadVarint(d)
	if err != nil || it.TTL < 0 {
		return nil, badDump(fmt.Sprintf("bad TTL of %q", key), err)
	}
	vlen, err := d.uvarint()
	if err != nil || vlen > maxDumpValue {
		return nil, badDump(fmt.Sprintf("bad value length of %q", key), err)
	}
	// Grow the value as bytes arrive, so a bogus length in a damaged
	// file costs memory only up to the file's real size.
	const step = 1 << 20
	it.Value = make([]byte, 0, min(vlen, step))
	for uint64(len(it.Value)) < vlen {
		n := min(vlen-uint64(len(it.Value)), step)
		it.Value = append(it.Value, make([]byte, n)...)
		if err := d.full(it.Value[len(it.Value)-int(n):]); err != nil {
			return nil, badDump(fmt.Sprintf("short value of %q", key), err)
		}
	}
	d.count++
	return it, nil
}

func (d *dumpReader) trailer() error {
	count, err := d.uvarint()
	if err != nil {
		return badDump("bad trailer", err)
	}
	want := d.crc.Sum32()
	var sum [4]byte
	if _, err := io.ReadFull(d.r, sum[:]); err != nil {
		return badDump("short trailer", err)
	}
	d.n += 4
	if count != d.count {
		return fmt.Errorf("%w: trailer counts %d items, the file holds %d", errBadDump, count, d.count)
	}
	if got := binary.BigEndian.Uint32(sum[:]); got != want {
		return fmt.Errorf("%w: checksum mismatch (file %08x, computed %08x)", errBadDump, got, want)
	}
	if _, err := d.r.ReadByte(); err != io.EOF {
		return fmt.Errorf("%w: data after the trailer", errBadDump)
	}
	d.done = true
	return io.EOF
}
