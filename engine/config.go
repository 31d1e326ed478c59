package engine

import (
	"math/bits"
	"runtime"
	"strconv"
	"time"
)

// Defaults used for zero fields of [Config].
const (
	// DefaultMaxMemory is memcached's default -m (64 MiB).
	DefaultMaxMemory = 64 << 20
	// DefaultMaxItemSize is memcached's default -I (1 MiB).
	DefaultMaxItemSize = 1 << 20
	// DefaultEvictionPolicy is the policy used when Config.EvictionPolicy is "".
	DefaultEvictionPolicy = "lru"
	// DefaultCleanupInterval is how often the background cleaner runs.
	DefaultCleanupInterval = time.Minute
	// MaxShards is the largest accepted Config.Shards.
	MaxShards = 1 << 12
	// MaxKeyLength is the longest key the engine accepts. The memcached
	// protocols allow 250 bytes; the server enforces that, the engine
	// only this.
	MaxKeyLength = 1<<16 - 1
	// maxShardMemory bounds one shard: slot addresses hold a 16-bit page
	// number and pages are at most 1 MiB.
	maxShardMemory = 1 << 16 << 20
	// minShardPages is the least number of slab pages a shard is given
	// (pages shrink down to minPageSize for that).
	minShardPages = 512
	minPageSize   = 4 << 10
)

// Config configures a [Cache]. The zero value is valid and means
// "defaults"; [New] never modifies the Config it is given. Each field
// documents its zero value.
type Config struct {
	// MaxMemory is the hard limit, in bytes, on the memory the cache
	// accounts for: slab pages (item headers, keys, values, rounding), large
	// item buffers and a fixed per-item index overhead (see the package
	// documentation, "Memory"). Split evenly among shards. 0 means
	// DefaultMaxMemory.
	MaxMemory int64
	// MaxEntries limits the number of items; it is split evenly among
	// shards (each holds at most MaxEntries/Shards, at least 1). 0 means
	// no limit other than memory.
	MaxEntries int64
	// MaxItemSize is the largest item (ItemHeaderSize + key + value) that
	// can be stored. 0 means DefaultMaxItemSize.
	MaxItemSize int
	// EvictionPolicy names the eviction policy of every shard, one of
	// PolicyNames(). "" means DefaultEvictionPolicy.
	EvictionPolicy string
	// DisableEvictions makes a store that needs room fail with
	// ErrNoMemory instead of evicting a live item (memcached -M). Expired
	// and flushed items are still reclaimed to make room.
	DisableEvictions bool
	// OnEvict, when set, is called for every live item evicted to make
	// room (not for expired or flushed items reclaimed, deletions or
	// overwrites), with its key and metadata; key is valid only during
	// the call. It runs under the shard's lock: it must return quickly
	// and must not call the Cache. ratmemcached uses it for memcached's
	// "watch evictions".
	OnEvict func(key []byte, info RangeInfo)
	// Shards is the number of independently locked shards, a power of
	// two. 0 picks one from GOMAXPROCS and MaxMemory.
	Shards int
	// DefaultTTL is applied to items stored with exptime 0. 0 means items
	// without exptime never expire.
	DefaultTTL time.Duration
	// MaxTTL caps every item's lifetime. 0 means no cap.
	MaxTTL time.Duration
	// CleanupInterval is the period of the background cleaner that removes
	// expired and flushed items. 0 means DefaultCleanupInterval; negative
	// disables the cleaner (expiry is then only lazy, on access).
	CleanupInterval time.Duration
	// Clock is the time source. nil means the system clock read through a
	// coarse cache refreshed every 50 ms by a goroutine of the Cache (the
	// hot path then reads no clock; memcached refreshes its clock once a
	// second). Set SystemClock{} to read time.Now on every operation.
	Clock Clock
}

// settings is a validated Config with defaults filled in.
type settings struct {
	Config
	shardMemory  int64
	shardEntries int64 // 0 = unlimited
	pageSize     int
}

func (c *Config) resolve() (settings, error) {
	s := settings{Config: *c}
	if s.MaxMemory < 0 {
		return s, &ConfigError{"MaxMemory", "negative"}
	}
	if s.MaxMemory == 0 {
		s.MaxMemory = DefaultMaxMemory
	}
	if s.MaxEntries < 0 {
		return s, &ConfigError{"MaxEntries", "negative"}
	}
	if s.MaxItemSize < 0 {
		return s, &ConfigError{"MaxItemSize", "negative"}
	}
	if s.MaxItemSize == 0 {
		s.MaxItemSize = DefaultMaxItemSize
	}
	if s.MaxItemSize < ItemHeaderSize+2 {
		return s, &ConfigError{"MaxItemSize", "smaller than an item header (" + strconv.Itoa(ItemHeaderSize) + " bytes) plus a key"}
	}
	if s.MaxItemSize > 1<<30 {
		return s, &ConfigError{"MaxItemSize", "larger than 1 GiB"}
	}
	if s.EvictionPolicy == "" {
		s.EvictionPolicy = DefaultEvictionPolicy
	}
	if _, err := NewPolicy(s.EvictionPolicy, 1); err != nil {
		return s, &ConfigError{"EvictionPolicy", err.Error()}
	}
	if s.DefaultTTL < 0 {
		return s, &ConfigError{"DefaultTTL", "negative"}
	}
	if s.MaxTTL < 0 {
		return s, &ConfigError{"MaxTTL", "negative"}
	}
	if s.CleanupInterval == 0 {
		s.CleanupInterval = DefaultCleanupInterval
	}
	if s.Clock == nil {
		s.Clock = SystemClock{}
	}
	// An item must fit in one shard with room to spare: twice the largest
	// item plus a page.
	minShard := 2*int64(s.MaxItemSize) + 1<<20
	switch {
	case s.Shards < 0:
		return s, &ConfigError{"Shards", "negative"}
	case s.Shards == 0:
		n := 1 << bits.Len(uint(4*runtime.GOMAXPROCS(0)-1))
		for n > 1 && s.MaxMemory/int64(n) < minShard {
			n /= 2
		}
		for n < MaxShards && s.MaxMemory/int64(n) > maxShardMemory {
			n *= 2
		}
		s.Shards = n
	case s.Shards&(s.Shards-1) != 0:
		return s, &ConfigError{"Shards", strconv.Itoa(s.Shards) + " is not a power of two"}
	case s.Shards > MaxShards:
		return s, &ConfigError{"Shards", "more than " + strconv.Itoa(MaxShards)}
	}
	s.shardMemory = s.MaxMemory / int64(s.Shards)
	if s.shardMemory > maxShardMemory {
		return s, &ConfigError{"Shards", "MaxMemory/Shards exceeds 64 GiB; use more shards"}
	}
	if s.shardMemory < int64(s.MaxItemSize)+itemOverhead {
		return s, &ConfigError{"MaxMemory", "each of the " + strconv.Itoa(s.Shards) +
			" shards gets " + strconv.FormatInt(s.shardMemory, 10) +
			" bytes, less than MaxItemSize plus overhead; raise MaxMemory or lower Shards or MaxItemSize"}
	}
	if s.MaxEntries > 0 {
		s.shardEntries = max(s.MaxEntries/int64(s.Shards), 1)
	}
	// Pages: 1 MiB like memcached, smaller for smaller shards so that a
	// shard holds at least minShardPages of them. Every slab class in use
	// needs pages of its own, and a class gives a page back only once it
	// has a page's worth of free chunks, so a shard strands up to a page
	// per class: with 16 pages per shard (8 shards of -m 64) and values of
	// 100 to 2,000 bytes over 25 classes, evicting in the policy's order
	// emptied the cache to 232 items before any class could give a page.
	s.pageSize = 1 << 20
	for s.pageSize > minPageSize && int64(s.pageSize)*minShardPages > s.shardMemory {
		s.pageSize /= 2
	}
	return s, nil
}
