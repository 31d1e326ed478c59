package persist

import (
	"encoding/binary"
	"errors"

	"github.com/ratmemcache/ratmemcache/engine"
	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Hot keys ([engine.L2HotKeys]): the keys L1 held at a graceful
// shutdown, saved so that the next warm-up loads them first. They live in
// their own bucket, outside the items and their accounting, as one
// record under keyHotKeys:
//
//	byte 0      format version (hotKeysVersion)
//	uvarint     number of keys
//	per key     uvarint length (1 to MaxKeySize), then the key's bytes
//
// Varints are in their shortest form and nothing may follow the last
// key, so a record has one encoding. A record is at most maxHotKeysBytes
// long; SaveHotKeys keeps the longest prefix of its list that fits.
const (
	hotKeysVersion  = 1
	maxHotKeysBytes = 16 << 20
)

var (
	bucketHotKeys = []byte("hotkeys")
	keyHotKeys    = []byte("keys")
)

var _ engine.L2HotKeys = (*Store)(nil)

// encodeHotKeys builds the record of keys, leaving out invalid keys and
// those past the size bound.
func encodeHotKeys(keys []string) []byte {
	n, size := 0, 1+binary.MaxVarintLen64
	for _, k := range keys {
		if validKey(k) != nil {
			continue
		}
		l := uvarintLen(uint64(len(k))) + len(k)
		if size+l > maxHotKeysBytes {
			break
		}
		n, size = n+1, size+l
	}
	rec := make([]byte, 0, size)
	rec = append(rec, hotKeysVersion)
	rec = binary.AppendUvarint(rec, uint64(n))
	for _, k := range keys {
		if n == 0 {
			break
		}
		if validKey(k) != nil {
			continue
		}
		rec = binary.AppendUvarint(rec, uint64(len(k)))
		rec = append(rec, k...)
		n--
	}
	return rec
}

// decodeHotKeys parses a hot keys record; the keys never alias rec.
func decodeHotKeys(rec []byte) ([]string, error) {
	if len(rec) == 0 {
		return nil, recordError(ErrCorrupt, "empty hot keys record")
	}
	if rec[0] != hotKeysVersion {
		return nil, recordError(ErrUnknownFormat, "hot keys record version %d (this build reads %d)", rec[0], hotKeysVersion)
	}
	if len(rec) > maxHotKeysBytes {
		return nil, recordError(ErrCorrupt, "hot keys record of %d bytes", len(rec))
	}
	p := rec[1:]
	count, n := binary.Uvarint(p)
	// Each key takes at least 2 bytes: this bounds the allocation.
	if n <= 0 || n != uvarintLen(count) || count > uint64(len(p)-n)/2 {
		return nil, recordError(ErrCorrupt, "bad hot keys count")
	}
	p = p[n:]
	keys := make([]string, 0, count)
	for range count {
		l, n := binary.Uvarint(p)
		if n <= 0 || n != uvarintLen(l) || l == 0 || l > MaxKeySize || l > uint64(len(p)-n) {
			return nil, recordError(ErrCorrupt, "bad hot key length")
		}
		keys = append(keys, string(p[n:n+int(l)]))
		p = p[n+int(l):]
	}
	if len(p) != 0 {
		return nil, recordError(ErrCorrupt, "%d bytes after the last hot key", len(p))
	}
	return keys, nil
}

// SaveHotKeys replaces the saved hot keys with keys (most valuable
// first), in one transaction; it keeps the longest prefix of valid keys
// that fits a record of 16 MiB. It is an [engine.L2HotKeys] method:
// [engine.Tiered] calls it on Close.
func (s *Store) SaveHotKeys(keys []string) error {
	rec := encodeHotKeys(keys)
	return s.do(&op{kind: opHotKeys, hot: rec, size: len(rec)})
}

// HotKeys returns the hot keys saved by [Store.SaveHotKeys], nil if there
// are none. [Store.Clear] and [Options.ClearOnStartup] drop them.
func (s *Store) HotKeys() ([]string, error) {
	var keys []string
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketHotKeys)
		if b == nil {
			return nil
		}
		rec := b.Get(keyHotKeys)
		if rec == nil {
			return nil
		}
		var err error
		keys, err = decodeHotKeys(rec)
		var re *Error
		if errors.As(err, &re) {
			return &Error{Op: "hot keys", Path: s.path, Kind: re.Kind, Err: re.Err}
		}
		return err
	})
	return keys, err
}

// putHotKeys stores the hot keys record in tx.
func putHotKeys(tx *bolt.Tx, rec []byte) error {
	b, err := tx.CreateBucketIfNotExists(bucketHotKeys)
	if err != nil {
		return err
	}
	return b.Put(keyHotKeys, rec)
}

// dropHotKeys removes the hot keys from tx.
func dropHotKeys(tx *bolt.Tx) error {
	if err := tx.DeleteBucket(bucketHotKeys); err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
		return err
	}
	return nil
}

func uvarintLen(x uint64) int {
	var b [binary.MaxVarintLen64]byte
	return binary.PutUvarint(b[:], x)
}
