package main

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ratmemcache/ratmemcache/server"
)

type lockedBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestLogPerformance(t *testing.T) {
	var buf lockedBuf
	var mu sync.Mutex
	st := server.StoreStats{CurrItems: 3}
	stats := func() server.StoreStats {
		mu.Lock()
		defer mu.Unlock()
		s := st
		st.CmdGet += 10
		st.GetHits += 5
		return s
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		logPerformance(ctx, slog.New(slog.NewTextHandler(&buf, nil)), 20*time.Millisecond, stats)
		close(done)
	}()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(buf.String(), "hit_ratio=0.5") && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
	if got := buf.String(); !strings.Contains(got, "msg=performance") || !strings.Contains(got, "hit_ratio=0.5") || !strings.Contains(got, "items=3") {
		t.Fatalf("performance log:\n%s", got)
	}
}
