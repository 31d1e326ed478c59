package memproto_test

// Golden conversations: request bytes and the exact reply bytes recorded
// from a real memcached 1.6, in testdata/golden/*.golden.
//
// TestGolden replays every conversation against a freshly started
// memcached (when one is installed; CI installs it) and requires the same
// bytes back, so the expected replies are memcached's, not our guess.
// The server module replays the same files against ratmemcached.
//
// Re-record after adding an exchange:  go test -run TestGolden -update ./memproto

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/ratmemcache/ratmemcache/memproto/golden"
	"github.com/ratmemcache/ratmemcache/memproto/memcachedtest"
)

var update = flag.Bool("update", false, "re-record testdata/golden/*.golden from the real memcached")

func TestGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "golden", "*.golden"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			conv, err := golden.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			srv := memcachedtest.Start(t, conv.ServerArgs...)
			if *update {
				if err := conv.Record(srv.Addr); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, conv.Marshal(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			for _, d := range conv.Replay(srv.Addr) {
				t.Error(d)
			}
		})
	}
}
