package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/ratmemcache/ratmemcache/server"
)

// logPerformance writes a summary of the store's counters every interval
// until ctx ends: request rates over the interval, hit ratio, items and
// bytes. It is started only when performance logs are enabled.
func logPerformance(ctx context.Context, log *slog.Logger, every time.Duration, stats func() server.StoreStats) {
	if every <= 0 {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	prev, prevAt := stats(), time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			cur := stats()
			secs := now.Sub(prevAt).Seconds()
			gets := cur.CmdGet - prev.CmdGet
			hits := cur.GetHits - prev.GetHits
			ratio := 0.0
			if gets > 0 {
				ratio = float64(hits) / float64(gets)
			}
			log.Info("performance",
				"interval", now.Sub(prevAt).Round(time.Millisecond),
				"gets_per_sec", rate(gets, secs),
				"sets_per_sec", rate(cur.CmdSet-prev.CmdSet, secs),
				"hit_ratio", ratio,
				"evictions", cur.Evictions-prev.Evictions,
				"items", cur.CurrItems,
				"bytes", cur.Bytes,
				"limit_bytes", cur.LimitMaxbytes)
			prev, prevAt = cur, now
		}
	}
}

func rate(n uint64, secs float64) float64 {
	if secs <= 0 {
		return 0
	}
	return float64(n) / secs
}
