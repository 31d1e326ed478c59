//go:build unix

package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/user"
	"strconv"
	"syscall"
)

// processAlive reports whether a process with this id exists.
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// dropPrivileges switches to the named user when running as root, as
// memcached -u does; otherwise it does nothing.
func dropPrivileges(name string, log *slog.Logger) error {
	if os.Geteuid() != 0 {
		log.Info("-u is ignored: not running as root", "user", name)
		return nil
	}
	u, err := user.Lookup(name)
	if err != nil {
		return fmt.Errorf("-u %s: %w", name, err)
	}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err1 != nil || err2 != nil {
		return fmt.Errorf("-u %s: non-numeric uid or gid", name)
	}
	if err := syscall.Setgroups([]int{gid}); err != nil {
		return fmt.Errorf("-u %s: setgroups: %w", name, err)
	}
	if err := syscall.Setgid(gid); err != nil {
		return fmt.Errorf("-u %s: setgid: %w", name, err)
	}
	if err := syscall.Setuid(uid); err != nil {
		return fmt.Errorf("-u %s: setuid: %w", name, err)
	}
	log.Info("switched user", "user", name, "uid", uid, "gid", gid)
	return nil
}

// setBacklog sets the length of l's queue of pending connections (memcached
// -b): listen(2) again on a listening socket changes only its backlog. Go
// listens with the system's maximum; memcached's default is 1024.
func setBacklog(l net.Listener, n int) error {
	sc, ok := l.(syscall.Conn)
	if !ok || n <= 0 {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return err
	}
	var lerr error
	if err := rc.Control(func(fd uintptr) { lerr = syscall.Listen(int(fd), n) }); err != nil {
		return err
	}
	return lerr
}
