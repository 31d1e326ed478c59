package main

import (
	"os"
	"runtime/debug"
)

// softMemoryLimit is the Go runtime's soft memory limit for a cache of
// maxMemory bytes: the cache itself (its pages, the items kept in buffers
// of their own, its indexes: what max_memory accounts), a quarter more,
// and 32 MiB for connections and the runtime. The engine's memory is Go
// heap; without a limit the collector lets the heap grow to twice what is
// live before it runs, so a workload that replaces large items (each a
// buffer of its own) could hold twice max_memory, garbage included. Near
// the limit the collector runs more often instead.
func softMemoryLimit(maxMemory int64) int64 {
	return maxMemory + maxMemory/4 + 32<<20
}

// applySoftMemoryLimit sets the runtime's soft memory limit for a cache of
// maxMemory bytes, unless GOMEMLIMIT set one; it reports the limit in
// force (-1: GOMEMLIMIT's).
func applySoftMemoryLimit(maxMemory int64) int64 {
	if os.Getenv("GOMEMLIMIT") != "" {
		return -1
	}
	n := softMemoryLimit(maxMemory)
	debug.SetMemoryLimit(n)
	return n
}
