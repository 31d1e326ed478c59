package engine

// L2Entry is one item as an [L2] store sees it: plain types, no engine
// internals. Expiry is absolute Unix seconds (0 = never); CAS is the
// unique the L1 assigned.
type L2Entry struct {
	Key    string
	Value  []byte
	Flags  uint32
	Expiry int64
	CAS    uint64
}

// L2 is the port through which a Cache will use a second, larger and
// usually persistent tier (the persist module implements it with bbolt).
// The engine works without one; [Tiered] puts a Cache in front of one.
//
// Implementations must be safe for concurrent use. The engine never calls
// an L2 with a shard lock held.
type L2 interface {
	// Get returns the entry of key; ok is false if it is absent or
	// expired. The returned Value is owned by the caller.
	Get(key string) (e L2Entry, ok bool, err error)
	// PutBatch stores entries, replacing existing ones with the same key.
	// It may return before the entries are durable, as its documentation
	// says; it must not retain the entries' Value slices, nor their Key
	// strings (which may alias a caller's buffer) after it returns.
	PutBatch(entries []L2Entry) error
	// Delete removes key; deleting an absent key is not an error.
	Delete(key string) error
	// Clear removes every entry.
	Clear() error
	// Range calls fn for each live entry in no particular order until fn
	// returns false. The entry's Value is valid only during the call.
	Range(fn func(e L2Entry) bool) error
	// Close flushes pending writes and releases the store.
	Close() error
}

// L2HotKeys is an optional interface of an [L2] that can keep the hot
// set across a restart: the keys L1 held when [Tiered.Close] ran, which
// the eviction policy had chosen to keep. [Tiered.WarmUp] loads them
// before it walks L2. An L2 without it is fine: the warm-up then loads
// entries in L2's walk order.
type L2HotKeys interface {
	// SaveHotKeys replaces the saved hot keys with keys, most valuable
	// first or in any order. It may keep only a prefix of a long list.
	SaveHotKeys(keys []string) error
	// HotKeys returns the saved hot keys, nil if none are saved. Clear
	// drops them.
	HotKeys() ([]string, error)
}
