package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/ratmemcache/ratmemcache/cli/internal/logging"
)

// forceExit ends the process when a second stop signal arrives; tests
// replace it.
var forceExit = func() { os.Exit(exitError) }

// notifyContext returns a context cancelled by the first stop signal
// (SIGTERM, SIGINT; Ctrl+C on Windows). A second stop signal forces the
// process to exit. SIGHUP, where it exists, reopens the log file.
func notifyContext(parent context.Context, logs *logging.Logs) (context.Context, func()) {
	ctx, cancel := context.WithCancel(parent)
	ch := make(chan os.Signal, 4)
	signal.Notify(ch, append(stopSignals, reopenSignals...)...)
	done := make(chan struct{})
	go func() {
		stopping := false
		for {
			select {
			case <-done:
				return
			case sig := <-ch:
				if isReopen(sig) {
					err := logs.Reopen()
					logs.Audit.Info("log file reopened", "signal", sig.String(), "err", err)
					if err != nil {
						logs.Main.Error("could not reopen the log file", "err", err)
					}
					continue
				}
				if stopping {
					logs.Main.Warn("second stop signal: exiting now", "signal", sig.String())
					forceExit()
					continue
				}
				stopping = true
				logs.Audit.Info("stop signal received", "signal", sig.String())
				logs.Main.Info("stop signal received; shutting down gracefully (send it again to force)", "signal", sig.String())
				cancel()
			}
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		close(done)
		cancel()
	}
}

func isReopen(sig os.Signal) bool {
	for _, s := range reopenSignals {
		if s == sig {
			return true
		}
	}
	return false
}
