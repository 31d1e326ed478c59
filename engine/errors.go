package engine

import "errors"

// Sentinel errors returned by [Cache] methods. Compare with [errors.Is]:
// some are wrapped in a [*KeyError] or a [*ConfigError] that carries context.
var (
	// ErrNotFound: the key is absent, expired or flushed (memcached
	// NOT_FOUND, or a miss for reads).
	ErrNotFound = errors.New("engine: not found")
	// ErrNotStored: a conditional store did not happen (memcached
	// NOT_STORED): Add on a present key, Replace/Append/Prepend on an
	// absent key.
	ErrNotStored = errors.New("engine: not stored")
	// ErrExists: CompareAndSwap found the key with a different CAS unique
	// (memcached EXISTS).
	ErrExists = errors.New("engine: CAS unique mismatch")
	// ErrTooLarge: the item (header, key and value) is larger than
	// MaxItemSize or than a shard's memory (memcached SERVER_ERROR object
	// too large for cache).
	ErrTooLarge = errors.New("engine: object too large for cache")
	// ErrNotNumeric: Incr/Decr on a value that is not a decimal number
	// (memcached CLIENT_ERROR cannot increment or decrement non-numeric value).
	ErrNotNumeric = errors.New("engine: cannot increment or decrement non-numeric value")
	// ErrInvalidKey: the key is empty or longer than MaxKeyLength.
	ErrInvalidKey = errors.New("engine: invalid key")
	// ErrClosed: the cache has been closed.
	ErrClosed = errors.New("engine: cache closed")
	// ErrInvalidConfig: a Config field has an unusable value; the
	// returned error is a [*ConfigError] naming the field.
	ErrInvalidConfig = errors.New("engine: invalid config")
	// ErrNoMemory: the item could not be placed even after evicting
	// everything evictable (memcached SERVER_ERROR out of memory storing
	// object). It does not happen for items that pass the size checks.
	ErrNoMemory = errors.New("engine: out of memory storing object")
)

// ConfigError reports an invalid [Config] field. It unwraps to
// [ErrInvalidConfig].
type ConfigError struct {
	Field  string // the Config field, e.g. "MaxMemory"
	Reason string // what is wrong with it
}

func (e *ConfigError) Error() string {
	return "engine: invalid config: " + e.Field + ": " + e.Reason
}

// Unwrap returns [ErrInvalidConfig].
func (e *ConfigError) Unwrap() error { return ErrInvalidConfig }

// KeyError reports the failure of one key of a batch operation
// ([Cache.SetMulti]). It unwraps to the sentinel that describes the failure.
type KeyError struct {
	Key string
	Err error
}

func (e *KeyError) Error() string { return "engine: key " + quoteKey(e.Key) + ": " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e *KeyError) Unwrap() error { return e.Err }

func quoteKey(k string) string {
	if len(k) > 64 {
		k = k[:64] + "..."
	}
	return "\"" + k + "\""
}
