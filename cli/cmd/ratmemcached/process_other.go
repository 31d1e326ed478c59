//go:build !unix

package main

import (
	"log/slog"
	"net"
	"os"
)

// processAlive reports whether a process with this id exists. On Windows
// FindProcess opens the process, which fails when there is none.
func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	_ = p.Release()
	return true
}

// dropPrivileges: -u has no meaning here (services run as the account
// they are installed for).
func dropPrivileges(name string, log *slog.Logger) error {
	log.Info("-u is ignored on this platform", "user", name)
	return nil
}

// setBacklog does nothing here: Windows sets a listening socket's backlog
// only in its first listen call, which Go makes with the system's maximum.
func setBacklog(net.Listener, int) error { return nil }
