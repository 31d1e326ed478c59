package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/ratmemcache/ratmemcache/cli/internal/config"
	"github.com/ratmemcache/ratmemcache/cli/internal/logging"
	"github.com/ratmemcache/ratmemcache/engine"
	"github.com/ratmemcache/ratmemcache/persist"
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

// persistOptions maps the [l2], [compression] and [ttl] keys onto the
// L2 store's options.
func persistOptions(cfg *config.Config) (persist.Options, error) {
	d := cfg.L2.Durability
	if d == "always" {
		d = "sync" // the older spelling
	}
	dur, err := persist.ParseDurability(d)
	if err != nil {
		return persist.Options{}, err
	}
	o := persist.Options{
		Durability:           dur,
		SyncInterval:         cfg.L2.SyncInterval.D(),
		MaxBatchBytes:        int(cfg.L2.WriteBufferSize),
		DisableCompression:   !cfg.L2.EnableCompression || !cfg.Compression.EnableLZ4,
		CompressionThreshold: int(cfg.Compression.CompressionThreshold),
		CompressionLevel:     cfg.Compression.CompressionLevel,
		MaxDiskSize:          int64(cfg.L2.MaxDiskSize),
		ClearOnStartup:       cfg.L2.ClearOnStartup,
		CleanupInterval:      cfg.TTL.CleanupInterval.D(),
	}
	if o.CompressionThreshold == 0 {
		o.CompressionThreshold = 1 // ours: 0 compresses every value; persist's: the default
	}
	if o.CleanupInterval == 0 {
		o.CleanupInterval = -1
	}
	return o, nil
}

// newStore builds the cache the server serves from, and its closer: the
// engine through server/enginestore, tiered over the persist L2 in the
// data directory when L2 is enabled. With L2 it starts the warm-up of L1
// in the background; the closer stops it and closes L1 and L2.
// newStore builds the store the configuration describes. onEvict, when
// not nil, is told of every item L1 evicts (watch evictions).
func newStore(cfg *config.Config, logs *logging.Logs, onEvict func(key []byte, info engine.RangeInfo)) (server.Store, func() error, error) {
	log := logs.Main
	ec := engineConfig(cfg)
	ec.OnEvict = onEvict
	if cfg.L1.DisableEvictions {
		if cfg.L2.EnableL2Cache {
			// An item L1 evicts stays in L2: nothing is lost, so refusing
			// stores would only make the cache worse.
			log.Warn("l1.disable_evictions (-M) has no effect with L2 enabled: L1 evicts only to L2, where the item stays")
		} else {
			ec.DisableEvictions = true
		}
	}
	c, err := engine.New(ec)
	if err != nil {
		return nil, nil, err
	}
	if !cfg.L2.EnableL2Cache {
		log.Info("L2 disabled: serving from memory only")
		return enginestore.New(c), c.Close, nil
	}
	dir, err := filepath.Abs(cfg.L2.DataDir)
	if err != nil {
		c.Close()
		return nil, nil, fmt.Errorf("l2.data_dir %q: %w", cfg.L2.DataDir, err)
	}
	o, err := persistOptions(cfg)
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	l2, err := persist.Open(dir, o)
	if err != nil {
		c.Close()
		return nil, nil, l2OpenError(dir, err)
	}
	t, err := engine.NewTiered(c, l2, &engine.TierOptions{
		LargeValueThreshold: int(cfg.Performance.LargeValueThreshold),
	})
	if err != nil {
		l2.Close()
		c.Close()
		return nil, nil, err
	}
	log.Info("L2 data directory", "data_dir", dir, "file", filepath.Join(dir, persist.DefaultFileName),
		"durability", o.Durability.String(), "max_disk_size", cfg.L2.MaxDiskSize.String())

	ctx, cancel := context.WithCancel(context.Background())
	warmed := make(chan struct{})
	go func() {
		defer close(warmed)
		start := time.Now()
		if err := t.WarmUp(ctx); err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, engine.ErrClosed) {
			log.Warn("L2 warm-up failed", "err", err)
			return
		}
		st := t.Stats().Tier
		log.Info("L2 warm-up done", "loaded", st.WarmUpLoaded, "scanned", st.WarmUpScanned, "took", time.Since(start).Round(time.Millisecond))
	}()
	closeAll := func() error {
		cancel()
		<-warmed
		return t.Close() // waits for operations in flight, closes L1 then L2
	}
	extra := func() []server.Stat {
		st := l2.Stats()
		return []server.Stat{
			{Name: "ratmemcache_l2_queue_depth", Value: uint64(st.QueueDepth)},
			{Name: "ratmemcache_l2_items", Value: uint64(max(st.Items, 0))},
			{Name: "ratmemcache_l2_live_bytes", Value: uint64(max(st.LiveBytes, 0))},
			{Name: "ratmemcache_l2_file_bytes", Value: uint64(max(st.FileBytes, 0))},
			{Name: "ratmemcache_l2_evictions", Value: st.Evictions},
			{Name: "ratmemcache_l2_transactions", Value: st.Transactions},
		}
	}
	return enginestore.NewTiered(t, extra), closeAll, nil
}

// l2OpenError explains a failure to open the L2 store. persist's errors
// already name the file and carry a hint; the way out common to all is
// added.
func l2OpenError(dir string, err error) error {
	return fmt.Errorf("L2 data directory %s: %w (or pass --no-l2 to serve from memory only)", dir, err)
}
