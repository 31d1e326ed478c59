//go:build !unix

package server

import (
	"runtime"
	"time"
)

// rusage is not available on this platform; stats reports zero CPU time.
func rusage() (user, sys time.Duration) { return 0, 0 }

func runtimeThreads() int { return runtime.GOMAXPROCS(0) }
