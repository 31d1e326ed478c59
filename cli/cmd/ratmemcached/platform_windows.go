//go:build windows

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/windows/svc"
	"golang.org/x/sys/windows/svc/eventlog"
	"golang.org/x/sys/windows/svc/mgr"
)

const serviceName = "ratmemcached"

// platformCommand runs ratmemcached as a Windows service when the service
// manager started it, and handles "ratmemcached service install [flags] |
// uninstall | start | stop".
func platformCommand(args []string, stdout, stderr io.Writer) (int, bool) {
	if isSvc, err := svc.IsWindowsService(); err == nil && isSvc {
		return runService(args), true
	}
	if len(args) == 0 || args[0] != "service" {
		return 0, false
	}
	if len(args) < 2 {
		fmt.Fprintln(stderr, "usage: ratmemcached service install [flags…] | uninstall | start | stop")
		return exitConfig, true
	}
	var err error
	switch args[1] {
	case "install":
		err = installService(args[2:])
	case "uninstall":
		err = uninstallService()
	case "start":
		err = controlService(func(s *mgr.Service) error { return s.Start() })
	case "stop":
		err = controlService(func(s *mgr.Service) error { _, err := s.Control(svc.Stop); return err })
	default:
		err = fmt.Errorf("unknown service command %q; expected install, uninstall, start or stop", args[1])
	}
	if err != nil {
		fmt.Fprintln(stderr, "ratmemcached service:", err)
		return exitError, true
	}
	fmt.Fprintf(stdout, "ratmemcached service %s: done\n", args[1])
	return exitOK, true
}

// installService registers the service to run this executable with args,
// starting automatically, and registers its event log source.
func installService(args []string) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	exe, err = filepath.Abs(exe)
	if err != nil {
		return err
	}
	// Check the flags now rather than when the service starts.
	if _, _, err := parseArgs(args, func(int) { panic(exitPanic{}) }, io.Discard, io.Discard); err != nil {
		return err
	}
	m, err := mgr.Connect()
	if err != nil {
		return err
	}
	defer m.Disconnect()
	if s, err := m.OpenService(serviceName); err == nil {
		s.Close()
		return fmt.Errorf("service %s already exists", serviceName)
	}
	s, err := m.CreateService(serviceName, exe, mgr.Config{
		DisplayName: "ratmemcached",
		Description: "memcached-compatible cache server (RatMemCache)",
		StartType:   mgr.StartAutomatic,
	}, args...)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := eventlog.InstallAsEventCreate(serviceName, eventlog.Error|eventlog.Warning|eventlog.Info); err != nil {
		_ = s.Delete()
		return fmt.Errorf("event log source: %w", err)
	}
	return nil
}

func uninstallService() error {
	m, err := mgr.Connect()
	if err != nil {
		return err
	}
	defer m.Disconnect()
	s, err := m.OpenService(serviceName)
	if err != nil {
		return fmt.Errorf("service %s is not installed", serviceName)
	}
	defer s.Close()
	if err := s.Delete(); err != nil {
		return err
	}
	_ = eventlog.Remove(serviceName)
	return nil
}

func controlService(fn func(*mgr.Service) error) error {
	m, err := mgr.Connect()
	if err != nil {
		return err
	}
	defer m.Disconnect()
	s, err := m.OpenService(serviceName)
	if err != nil {
		return fmt.Errorf("service %s is not installed", serviceName)
	}
	defer s.Close()
	return fn(s)
}

// runService runs the server under the service manager; its log goes to
// the Windows event log unless the configuration names a log file.
func runService(args []string) int {
	var w io.Writer = io.Discard
	if el, err := eventlog.Open(serviceName); err == nil {
		defer el.Close()
		w = &eventLogWriter{el: el}
	}
	h := &serviceHandler{args: args, log: w}
	if err := svc.Run(serviceName, h); err != nil {
		fmt.Fprintln(w, "level=ERROR msg=\"service failed\" err="+fmt.Sprintf("%q", err.Error()))
		return exitError
	}
	return h.code
}

type serviceHandler struct {
	args []string
	log  io.Writer
	code int
}

func (h *serviceHandler) Execute(_ []string, req <-chan svc.ChangeRequest, status chan<- svc.Status) (bool, uint32) {
	status <- svc.Status{State: svc.StartPending}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() { done <- runMain(ctx, h.args, h.log, h.log) }()
	status <- svc.Status{State: svc.Running, Accepts: svc.AcceptStop | svc.AcceptShutdown}
	for {
		select {
		case h.code = <-done:
			status <- svc.Status{State: svc.StopPending}
			return false, uint32(h.code)
		case c := <-req:
			switch c.Cmd {
			case svc.Interrogate:
				status <- c.CurrentStatus
			case svc.Stop, svc.Shutdown:
				status <- svc.Status{State: svc.StopPending, WaitHint: uint32((15 * time.Second).Milliseconds())}
				cancel()
			}
		}
	}
}

// eventLogWriter sends each log line to the event log at the level the
// line carries.
type eventLogWriter struct{ el *eventlog.Log }

func (w *eventLogWriter) Write(p []byte) (int, error) {
	msg := strings.TrimRight(string(p), "\r\n")
	var err error
	switch {
	case bytes.Contains(p, []byte("level=ERROR")) || bytes.Contains(p, []byte(`"level":"ERROR"`)):
		err = w.el.Error(1, msg)
	case bytes.Contains(p, []byte("level=WARN")) || bytes.Contains(p, []byte(`"level":"WARN"`)):
		err = w.el.Warning(1, msg)
	default:
		err = w.el.Info(1, msg)
	}
	if err != nil {
		return 0, errors.Join(errors.New("event log"), err)
	}
	return len(p), nil
}
