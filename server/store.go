package server

// Store is what the server needs from a cache: memcached's operations with
// memcached's outcomes. The engine module satisfies it through the adapter
// in server/enginestore; tests may use any implementation.
//
// Keys passed to a Store alias the connection's read buffer: a Store must
// copy what it keeps. Expiration times are passed as the client sent them
// (memcached's exptime rule: 0 never, up to 30 days relative, larger an
// absolute unix time, negative already expired); the Store interprets them.
//
// Every method is called concurrently from many connections.
type Store interface {
	// Get appends the value of key to dst and returns it with the item's
	// metadata, or StatusNotFound.
	Get(dst, key []byte) ([]byte, ItemInfo, Status)
	// GetAndTouch is Get that also sets a new expiration time (gat).
	GetAndTouch(dst, key []byte, exptime int64) ([]byte, ItemInfo, Status)
	// Store writes key per mode; for ModeCAS, cas must match the item's
	// unique. It returns the new CAS unique on StatusStored.
	Store(mode Mode, key, value []byte, flags uint32, exptime int64, cas uint64) (uint64, Status)
	// Delete removes key; a non-zero cas must match the item's unique.
	Delete(key []byte, cas uint64) Status
	// Arith adds delta to (incr) or subtracts it from (decr) the decimal
	// number stored at key and returns the new number and CAS unique.
	Arith(key []byte, delta uint64, incr bool) (uint64, uint64, Status)
	// Touch sets a new expiration time.
	Touch(key []byte, exptime int64) Status
	// FlushAll invalidates every item stored up to now, or, with a
	// positive delay (same rule as exptime), up to that time.
	FlushAll(delay int64)
	// Stats returns a snapshot of the store's counters.
	Stats() StoreStats
	// ResetStats zeroes the counters that stats reset clears.
	ResetStats()
	// SetMemoryLimit changes the memory limit (cache_memlimit).
	SetMemoryLimit(bytes int64) error
	// Range calls fn for every live item until fn returns false; the key
	// is valid only during the call (lru_crawler metadump).
	Range(fn func(key []byte, info ItemInfo) bool)
}

// ItemInfo is an item's metadata.
type ItemInfo struct {
	Flags uint32
	CAS   uint64
	// Exptime is the absolute expiry in unix seconds; 0 means never.
	Exptime int64
	// LastAccess is the unix second of the last access.
	LastAccess int64
	// Fetched reports whether the item was read since it was stored.
	Fetched bool
	// Size is the number of bytes the store accounts to the item.
	Size int
}

// Mode selects a storage command.
type Mode uint8

const (
	ModeSet Mode = iota
	ModeAdd
	ModeReplace
	ModeAppend
	ModePrepend
	ModeCAS
)

// Status is the outcome of a Store operation, one per memcached reply.
type Status uint8

const (
	StatusOK         Status = iota // found, stored, deleted, touched
	StatusNotFound                 // NOT_FOUND, or a miss
	StatusNotStored                // NOT_STORED
	StatusExists                   // EXISTS (CAS mismatch)
	StatusTooLarge                 // SERVER_ERROR object too large for cache
	StatusNoMemory                 // SERVER_ERROR out of memory storing object
	StatusNonNumeric               // CLIENT_ERROR cannot increment or decrement non-numeric value
	StatusBadKey                   // a key the store refuses
)

// StatusStored is StatusOK for storage commands.
const StatusStored = StatusOK

// StoreStats are the counters memcached reports that a store owns, under
// memcached's names (see stats in memcached's protocol.txt).
type StoreStats struct {
	CmdGet, CmdSet, CmdFlush, CmdTouch         uint64
	GetHits, GetMisses, GetExpired, GetFlushed uint64
	DeleteHits, DeleteMisses                   uint64
	IncrHits, IncrMisses, DecrHits, DecrMisses uint64
	CasHits, CasMisses, CasBadval              uint64
	TouchHits, TouchMisses                     uint64
	Evictions, Reclaimed, Expired              uint64
	ExpiredUnfetched, EvictedUnfetched         uint64
	CurrItems, TotalItems                      uint64
	Bytes, LimitMaxbytes                       uint64
	// Extra holds store-specific counters (tiering, policy), reported
	// after memcached's own fields under their own names.
	Extra []Stat
}

// Stat is one named counter.
type Stat struct {
	Name  string
	Value uint64
}
