package main

import (
	"fmt"
	"testing"
	"time"

	"github.com/ratmemcache/ratmemcache/cli/internal/config"
	"github.com/ratmemcache/ratmemcache/persist"
)

func TestPersistOptions(t *testing.T) {
	cfg := config.Default()
	o, err := persistOptions(cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := persist.Options{
		Durability: persist.DurabilityInterval, SyncInterval: time.Second, MaxBatchBytes: 4 << 20,
		CompressionThreshold: 1 << 10, MaxDiskSize: 1 << 30, CleanupInterval: time.Minute,
	}
	if fmt.Sprintf("%+v", o) != fmt.Sprintf("%+v", want) {
		t.Errorf("defaults:\n got %+v\nwant %+v", o, want)
	}
	for _, tc := range []struct {
		durability string
		want       persist.Durability
	}{{"sync", persist.DurabilitySync}, {"always", persist.DurabilitySync}, {"none", persist.DurabilityNone}, {"interval", persist.DurabilityInterval}} {
		cfg.L2.Durability = tc.durability
		if o, err := persistOptions(cfg); err != nil || o.Durability != tc.want {
			t.Errorf("durability %q: %v %v, want %v", tc.durability, o.Durability, err, tc.want)
		}
	}
	cfg.L2.Durability = "fsync"
	if _, err := persistOptions(cfg); err == nil {
		t.Error("durability \"fsync\" accepted")
	}
	cfg = config.Default()
	cfg.Compression.EnableLZ4 = false
	cfg.Compression.CompressionThreshold = 0
	cfg.Compression.CompressionLevel = 9
	cfg.L2.ClearOnStartup = true
	cfg.TTL.CleanupInterval = 0
	o, _ = persistOptions(cfg)
	if !o.DisableCompression || o.CompressionThreshold != 1 || o.CompressionLevel != 9 || !o.ClearOnStartup || o.CleanupInterval >= 0 {
		t.Errorf("options %+v", o)
	}
}
