package engine

import (
	"sort"
	"time"
)

// PresetDevelopment returns a small configuration for local development:
// 64 MiB, short cleanup interval, 1-day maximum TTL so stale data does not
// linger.
func PresetDevelopment() *Config {
	return &Config{
		MaxMemory:       64 << 20,
		CleanupInterval: 10 * time.Second,
		MaxTTL:          24 * time.Hour,
	}
}

// PresetProduction returns a configuration for a dedicated cache process:
// 1 GiB, memcached's 1 MiB item limit, cleaner every minute.
func PresetProduction() *Config {
	return &Config{
		MaxMemory:       1 << 30,
		MaxItemSize:     1 << 20,
		CleanupInterval: time.Minute,
	}
}

// PresetLowMemory returns a configuration for constrained hosts: 16 MiB,
// 256 KiB items, few shards (less memory stranded per shard).
func PresetLowMemory() *Config {
	return &Config{
		MaxMemory:       16 << 20,
		MaxItemSize:     256 << 10,
		Shards:          4,
		CleanupInterval: 30 * time.Second,
	}
}

// PresetHighThroughput returns a configuration for many cores and heavy
// concurrency: 4 GiB, 256 shards, cleaner every 5 seconds so that each
// tick does little work.
func PresetHighThroughput() *Config {
	return &Config{
		MaxMemory:       4 << 30,
		Shards:          256,
		CleanupInterval: 5 * time.Second,
	}
}

var presets = map[string]func() *Config{
	"development":     PresetDevelopment,
	"production":      PresetProduction,
	"low-memory":      PresetLowMemory,
	"high-throughput": PresetHighThroughput,
}

// Preset returns a new Config for a preset name ("development",
// "production", "low-memory", "high-throughput"); ok is false for an
// unknown name. Each call returns a fresh Config the caller may modify.
func Preset(name string) (cfg *Config, ok bool) {
	f, ok := presets[name]
	if !ok {
		return nil, false
	}
	return f(), true
}

// PresetNames lists the names Preset accepts, sorted.
func PresetNames() []string {
	names := make([]string, 0, len(presets))
	for n := range presets {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
