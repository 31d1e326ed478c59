package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// writePidFile writes this process's id to path. It refuses when path
// names a live process other than this one (another instance).
func writePidFile(path string) error {
	if b, err := os.ReadFile(path); err == nil {
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 0 &&
			pid != os.Getpid() && processAlive(pid) {
			return fmt.Errorf("pid file %s: process %d is running; is another ratmemcached using it?", path, pid)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("pid file: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		return fmt.Errorf("pid file: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("pid file: %w", err)
	}
	return nil
}

// removePidFile removes path if it still holds this process's id.
func removePidFile(path string) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if strings.TrimSpace(string(b)) != strconv.Itoa(os.Getpid()) {
		return nil // not ours any more
	}
	return os.Remove(path)
}
