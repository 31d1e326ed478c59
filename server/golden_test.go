package server_test

// Replays the golden conversations recorded from memcached 1.6.18
// (memproto/testdata/golden) against a Server over the real engine: the
// same request bytes must get the same reply bytes.

import (
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/ratmemcache/ratmemcache/engine"
	"github.com/ratmemcache/ratmemcache/memproto/golden"
	"github.com/ratmemcache/ratmemcache/server"
	"github.com/ratmemcache/ratmemcache/server/enginestore"
)

// startEngineServer serves a fresh engine cache on a loopback port,
// configured from memcached-style arguments (only -I and -m matter here).
func startEngineServer(t *testing.T, args []string) string {
	t.Helper()
	return startEngineServerTier(t, args, false)
}

// startEngineServerTier is startEngineServer over an engine.Tiered with
// an in-memory L2 when tiered is set.
func startEngineServerTier(t *testing.T, args []string, tiered bool) string {
	t.Helper()
	cfg := engine.Config{}
	srv := &server.Server{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for i := 0; i+1 < len(args); i++ {
		switch args[i] {
		case "-I":
			n, err := strconv.Atoi(args[i+1])
			if err != nil {
				t.Fatalf("bad -I %q", args[i+1])
			}
			srv.MaxItemSize = n
			cfg.MaxItemSize = n + 512 // the engine counts its item header too
		case "-m":
			n, _ := strconv.Atoi(args[i+1])
			cfg.MaxMemory = int64(n) << 20
		}
	}
	c, err := engine.New(&cfg)
	if err != nil {
		t.Fatal(err)
	}
	closeStore := c.Close
	srv.Store = enginestore.New(c)
	if tiered {
		tc, err := engine.NewTiered(c, newMapL2(), nil)
		if err != nil {
			t.Fatal(err)
		}
		closeStore = tc.Close
		srv.Store = enginestore.NewTiered(tc, nil)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() {
		srv.Close()
		closeStore()
	})
	return l.Addr().String()
}

func TestGoldenAgainstServer(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "memproto", "testdata", "golden", "*.golden"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			conv, err := golden.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			addr := startEngineServer(t, conv.ServerArgs)
			for _, d := range conv.Replay(addr) {
				t.Error(d)
			}
		})
	}
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
