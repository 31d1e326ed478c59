package main

import (
	"github.com/ratmemcache/ratmemcache/cli/internal/config"
	"github.com/ratmemcache/ratmemcache/cli/internal/logging"
	"github.com/ratmemcache/ratmemcache/engine"
	"github.com/ratmemcache/ratmemcache/server"
	"github.com/ratmemcache/ratmemcache/server/enginestore"
)

// engineConfig maps the configuration onto the engine's.
func engineConfig(cfg *config.Config) *engine.Config {
	ec := &engine.Config{
		MaxMemory:       int64(cfg.L1.MaxMemory),
		MaxEntries:      cfg.L1.MaxEntries,
		MaxItemSize:     int(cfg.Server.MaxItemSize),
		EvictionPolicy:  cfg.L1.EvictionStrategy,
		Shards:          cfg.L1.Shards,
		DefaultTTL:      cfg.TTL.DefaultTTL.D(),
		MaxTTL:          cfg.TTL.MaxTTL.D(),
		CleanupInterval: cfg.TTL.CleanupInterval.D(),
	}
	if ec.CleanupInterval == 0 {
		ec.CleanupInterval = -1 // ours: 0 disables the cleaner; the engine's: negative
	}
	return ec
}

// newStore builds the cache the server serves from, and its closer: the
// engine through server/enginestore. This is where the persist L2 will be
// attached to the engine once it exists.
func newStore(cfg *config.Config, logs *logging.Logs) (server.Store, func() error, error) {
	if cfg.L1.DisableEvictions {
		logs.Main.Warn("l1.disable_evictions (-M) is not supported by the engine yet; items are evicted when memory is full")
	}
	c, err := engine.New(engineConfig(cfg))
	if err != nil {
		return nil, nil, err
	}
	return enginestore.New(c), c.Close, nil
}
