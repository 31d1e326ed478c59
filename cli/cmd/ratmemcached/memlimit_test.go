package main

import (
	"runtime/debug"
	"testing"
)

// TestApplySoftMemoryLimit: the runtime's soft limit follows max_memory
// (a quarter more, plus room for connections), unless GOMEMLIMIT chose
// one.
func TestApplySoftMemoryLimit(t *testing.T) {
	old := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(old) })
	t.Setenv("GOMEMLIMIT", "")
	if got := applySoftMemoryLimit(64 << 20); got != 112<<20 || debug.SetMemoryLimit(-1) != 112<<20 {
		t.Errorf("-m 64: soft limit %d (runtime %d), want %d", got, debug.SetMemoryLimit(-1), 112<<20)
	}
	if got := applySoftMemoryLimit(1 << 30); got != 1<<30+1<<28+32<<20 {
		t.Errorf("-m 1024: soft limit %d", got)
	}
	debug.SetMemoryLimit(12345 << 20)
	t.Setenv("GOMEMLIMIT", "12345MiB")
	if got := applySoftMemoryLimit(64 << 20); got != -1 || debug.SetMemoryLimit(-1) != 12345<<20 {
		t.Errorf("with GOMEMLIMIT set: %d, runtime %d", got, debug.SetMemoryLimit(-1))
	}
}
