package main

import (
	"github.com/ratmemcache/ratmemcache/cli/internal/config"
	"github.com/ratmemcache/ratmemcache/cli/internal/logging"
	"github.com/ratmemcache/ratmemcache/cli/internal/mapstore"
	"github.com/ratmemcache/ratmemcache/server"
)

// newStore builds the cache the server serves from, and its closer.
//
// This is the seam where the engine (through server/enginestore) and the
// persist L2 are wired in. Until they are, it returns the stand-in
// mapstore, which honours l1.max_memory, server.max_item_size and
// l1.disable_evictions.
func newStore(cfg *config.Config, logs *logging.Logs) (server.Store, func() error, error) {
	logs.Main.Warn("using the stand-in in-memory store; the sharded engine is not wired into this build yet",
		"ignored", "l1.max_entries, l1.shards, l1.eviction_strategy (always LRU), ttl.*")
	s := mapstore.New(int64(cfg.L1.MaxMemory), int(cfg.Server.MaxItemSize), cfg.L1.DisableEvictions)
	return s, func() error { return nil }, nil
}
