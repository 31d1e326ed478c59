//go:build !unix

package main

import (
	"errors"
	"runtime"
)

func isDaemonChild() bool { return false }

// daemonize is not available: on Windows, run ratmemcached as a service
// ("ratmemcached service install") instead.
func daemonize() error {
	if runtime.GOOS == "windows" {
		return errors.New("-d/--daemon is not supported on Windows; install a service with 'ratmemcached service install' instead")
	}
	return errors.New("-d/--daemon is not supported on " + runtime.GOOS)
}

func daemonReady() func(error) { return func(error) {} }
