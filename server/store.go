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
	// Meta runs a meta command (mg ms md ma me) with memcached's
	// semantics: stale items, recache tokens, vivification. A MetaGet
	// with WantValue appends the value to dst; the extended dst is
	// returned.
	Meta(dst, key []byte, op *MetaOp) ([]byte, MetaResult)
}

// A ViewStore is a Store that can return a large value without copying
// it. When view is true, v is the store's own immutable copy rather than
// dst extended: the server writes it and drops it, never modifies it nor
// keeps it as scratch. Otherwise GetView is Get.
type ViewStore interface {
	GetView(dst, key []byte) (v []byte, info ItemInfo, view bool, status Status)
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
	// ValueLen is the length of the value in bytes (Range only).
	ValueLen int
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

// MetaCommand is the meta command a [MetaOp] runs.
type MetaCommand uint8

const (
	MetaGet    MetaCommand = iota // mg
	MetaSet                       // ms
	MetaDelete                    // md
	MetaArith                     // ma
	MetaDebug                     // me
)

// MetaOp is one meta request for [Store.Meta], its flags decoded.
// Exptimes are passed as the client sent them.
type MetaOp struct {
	Command MetaCommand
	// Mode is the storage mode of MetaSet (ModeCAS for ms with C in set
	// or replace mode).
	Mode Mode
	// Value and Flags are MetaSet's data block and client flags.
	Value []byte
	Flags uint32
	// Exptime is MetaSet's item exptime (T), and the new exptime of
	// MetaGet, MetaArith and (with Invalidate) MetaDelete when Touch.
	Exptime int64
	Touch   bool
	// Vivify (N) creates a missing item with VivifyExptime (mg, ma).
	// N and T apply in request order: VivifyLast (N after T) gives the
	// created item VivifyExptime rather than Exptime.
	Vivify        bool
	VivifyExptime int64
	VivifyLast    bool
	// RecacheTTL (mg R, when not 0): win the recache token when the item
	// expires sooner.
	// RecacheAfterTouch (R after T) compares with the touched expiry.
	RecacheTTL        int64
	RecacheAfterTouch bool
	// CAS (C) is compared as memcached does: always by ModeCAS, when not
	// 0 by append, prepend and ma, when CompareCAS by md.
	CAS        uint64
	CompareCAS bool
	// Invalidate is I: ms with an older CAS stores a stale value; md marks
	// the item stale instead of removing it.
	Invalidate bool
	// BinaryKey (b) marks the item MetaSet stores as having a binary key.
	BinaryKey bool
	// NoBump (u) leaves the fetched bit, access time and LRU alone.
	NoBump bool
	// WantValue (v) makes MetaGet append the value to dst.
	WantValue bool
	// Decr, Delta (D) and Initial (J) drive MetaArith.
	Decr           bool
	Delta, Initial uint64
}

// MetaResult is what a meta operation found and did. TTLs are remaining
// seconds, -1 for an item that never expires.
type MetaResult struct {
	// Status is StatusOK, StatusNotFound, StatusNotStored, StatusExists,
	// StatusNonNumeric, StatusTooLarge or StatusNoMemory.
	Status Status
	Flags  uint32
	// CAS is the item's CAS unique after the operation.
	CAS uint64
	// TTL is the remaining TTL before the request, TouchedTTL after its
	// Touch, VivifiedTTL after Vivify created the item.
	TTL, TouchedTTL, VivifiedTTL int64
	// LastAccess is the number of seconds since the last access.
	LastAccess int64
	// Fetched: the item had been read before this request.
	Fetched bool
	// BinaryKey: the item was stored with a binary key.
	BinaryKey bool
	// Stale, TokenSent and Won are mg's X, Z and W.
	Stale, TokenSent, Won bool
	// Vivified: the request created the item.
	Vivified bool
	// Size is the value length (mg), or the item's size in bytes (me).
	Size int
	// Number is the new value of an ma.
	Number uint64
	// Class is the item's slab class (me).
	Class int
}
