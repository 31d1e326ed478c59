package logging

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ratmemcache/ratmemcache/cli/internal/config"
)

func TestLevelsStreamsAndTimestamps(t *testing.T) {
	cfg := config.Default().Logging
	cfg.Level, cfg.ShowTimestamp, cfg.EnableAuditLogs = "warn", false, true
	var buf bytes.Buffer
	l, err := New(cfg, &buf, nil)
	if err != nil {
		t.Fatal(err)
	}
	l.Main.Info("hidden")
	l.Main.Warn("shown")
	l.Audit.Warn("audited")
	l.Cache.Warn("cache stream off")
	out := buf.String()
	if strings.Contains(out, "hidden") || strings.Contains(out, "cache stream off") || strings.Contains(out, "time=") {
		t.Errorf("unexpected output:\n%s", out)
	}
	if !strings.Contains(out, "msg=shown") || !strings.Contains(out, "msg=audited log=audit") {
		t.Errorf("missing records:\n%s", out)
	}
}

func TestDisabledAndJSON(t *testing.T) {
	cfg := config.Default().Logging
	cfg.EnableLogging = false
	var buf bytes.Buffer
	l, err := New(cfg, &buf, nil)
	if err != nil {
		t.Fatal(err)
	}
	l.Main.Error("nothing")
	if buf.Len() != 0 {
		t.Errorf("disabled logging wrote %q", buf.String())
	}
	cfg = config.Default().Logging
	cfg.Format = "json"
	if l, err = New(cfg, &buf, nil); err != nil {
		t.Fatal(err)
	}
	l.Main.Info("x", "k", 1)
	if !strings.HasPrefix(buf.String(), "{") || !strings.Contains(buf.String(), `"k":1`) {
		t.Errorf("json: %q", buf.String())
	}
}

func TestAsyncDeliversAndCountsDrops(t *testing.T) {
	cfg := config.Default().Logging
	cfg.EnableAsync, cfg.BufferSize, cfg.BatchSize = true, 4, 2
	var buf bytes.Buffer
	l, err := New(cfg, &buf, nil)
	if err != nil {
		t.Fatal(err)
	}
	for range 1000 {
		l.Main.Info("record")
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	written := strings.Count(buf.String(), "msg=record")
	if uint64(written)+l.Dropped() != 1000 {
		t.Errorf("written %d + dropped %d != 1000", written, l.Dropped())
	}
	if l.Dropped() > 0 && !strings.Contains(buf.String(), "dropped") {
		t.Error("drops not reported at close")
	}
	l.Main.Info("after close") // must not panic
}

func TestReopen(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "r.log")
	cfg := config.Default().Logging
	cfg.Output = path
	l, err := New(cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	l.Main.Info("one")
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	if err := l.Reopen(); err != nil {
		t.Fatal(err)
	}
	l.Main.Info("two")
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(path + ".1")
	b, _ := os.ReadFile(path)
	if !strings.Contains(string(a), "msg=one") || !strings.Contains(string(b), "msg=two") || strings.Contains(string(b), "msg=one") {
		t.Errorf("rotated %q, new %q", a, b)
	}
}

func TestColorWriter(t *testing.T) {
	var buf bytes.Buffer
	w := &colorWriter{w: &buf}
	if _, err := w.Write([]byte("time=x level=ERROR msg=boom\n")); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "\x1b[31mERROR\x1b[0m") {
		t.Errorf("%q", buf.String())
	}
}
