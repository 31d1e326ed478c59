//go:build unix

package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
)

// daemonEnv marks the detached child; its value is the readiness pipe's fd.
const daemonEnv = "RATMEMCACHED_DAEMON_CHILD"

func isDaemonChild() bool { return os.Getenv(daemonEnv) != "" }

// daemonize starts this program again, detached: a new session, no
// controlling terminal, standard streams on /dev/null. It returns once the
// child reports that it is listening, or with the child's start-up error.
func daemonize() error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("daemon: %w", err)
	}
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("daemon: %w", err)
	}
	defer null.Close()
	r, w, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("daemon: %w", err)
	}
	defer r.Close()
	cmd := exec.Command(exe, os.Args[1:]...)
	cmd.Env = append(os.Environ(), daemonEnv+"=3")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = null, null, null
	cmd.ExtraFiles = []*os.File{w} // fd 3
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		w.Close()
		return fmt.Errorf("daemon: %w", err)
	}
	w.Close()
	line, err := bufio.NewReader(r).ReadString('\n')
	line = strings.TrimSpace(line)
	switch {
	case line == "ready":
		_ = cmd.Process.Release()
		return nil
	case strings.HasPrefix(line, "error: "):
		_ = cmd.Wait()
		return errors.New(strings.TrimPrefix(line, "error: "))
	default:
		_ = cmd.Wait()
		return fmt.Errorf("daemon: the background process exited during start-up (%v); run without -d to see why", err)
	}
}

// daemonReady returns the function run calls once listening (or failing)
// in a daemon child: it tells the waiting parent and closes the pipe.
// Outside a daemon child it does nothing.
func daemonReady() func(error) {
	if !isDaemonChild() {
		return func(error) {}
	}
	f := os.NewFile(3, "daemon-ready")
	return func(err error) {
		if f == nil {
			return
		}
		if err != nil {
			fmt.Fprintf(f, "error: %s\n", strings.ReplaceAll(err.Error(), "\n", "; "))
		} else {
			fmt.Fprintln(f, "ready")
		}
		_ = f.Close()
		f = nil
	}
}
