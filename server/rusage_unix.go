//go:build unix

package server

import (
	"runtime"
	"syscall"
	"time"
)

// rusage returns the process's user and system CPU time.
func rusage() (user, sys time.Duration) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, 0
	}
	return time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano())
}

func runtimeThreads() int { return runtime.GOMAXPROCS(0) }
