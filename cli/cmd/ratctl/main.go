// Command ratctl is the administration tool of RatMemCache: statistics,
// key inspection, single-key operations, dumps and loads, and health
// checks, against ratmemcached or any memcached 1.6 compatible server.
//
// See docs/ratctl.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/alecthomas/kong"

	"github.com/ratmemcache/ratmemcache/cli/internal/client"
)

// version is the ratctl release, set with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

// Exit codes.
const (
	exitOK       = 0
	exitError    = 1 // connection, timeout, server or file errors; unhealthy
	exitUsage    = 2 // bad command line
	exitNotFound = 3 // the key (or one of the keys) is not in the cache

	exitInterrupted = 130 // dump or load stopped by an interrupt
)

const description = `Administer a ratmemcached or memcached server.

Exit status: 0 success, 1 error (connection, timeout, authentication,
server or file), 2 bad usage, 3 key not found.`

// cli is the command line.
type cli struct {
	Globals

	Stats   statsCmd   `cmd:"" help:"Show server statistics (general, settings, items, slabs, conns)."`
	Get     getCmd     `cmd:"" help:"Print the value stored under a key."`
	Set     setCmd     `cmd:"" help:"Store a value (from an argument, --file or stdin)."`
	Delete  deleteCmd  `cmd:"" help:"Delete keys."`
	Touch   touchCmd   `cmd:"" help:"Change the expiration time of keys."`
	Incr    incrCmd    `cmd:"" help:"Increment a counter."`
	Decr    decrCmd    `cmd:"" help:"Decrement a counter (stops at 0)."`
	Flush   flushCmd   `cmd:"" help:"Invalidate every item (flush_all), now or after --delay."`
	Version versionCmd `cmd:"" help:"Print the version of each server."`
	Keys    keysCmd    `cmd:"" help:"List keys with size and expiry (lru_crawler metadump)."`
	Dump    dumpCmd    `cmd:"" help:"Save every item (key, value, flags, TTL) to a dump file."`
	Load    loadCmd    `cmd:"" help:"Store every item of a dump file into a server."`
	Ping    pingCmd    `cmd:"" help:"Measure the round-trip time to each server."`
	Health  healthCmd  `cmd:"" help:"Exit 0 when every server answers within --timeout, 1 with a reason otherwise."`
	Watch   watchCmd   `cmd:"" help:"Stream the server's live log lines (memcached's watch): fetches, stores, evictions, connections."`
}

// env is what commands get besides the flags: the process's streams and
// clock, so tests can run commands in-process.
type env struct {
	ctx    context.Context
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	// stdoutTTY and stderrTTY say whether the streams are terminals
	// (redrawn --watch screens, progress bars).
	stdoutTTY, stderrTTY bool
	// release, when not nil, gives an interrupt back its default effect
	// (killing the process); run calls it for commands that do not watch
	// ctx.
	release func()
}

// interruptible is implemented by the commands that stop cleanly when
// env.ctx is cancelled (on an interrupt).
type interruptible interface {
	handlesInterrupt() bool
}

// exitError carries an exit code other than exitError with an error.
type codeError struct {
	code int
	err  error
}

func (e *codeError) Error() string { return e.err.Error() }
func (e *codeError) Unwrap() error { return e.err }

// errExit unwinds kong when it calls its exit function (--help).
type exitPanic struct{ code int }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	e := &env{ctx: ctx, stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr,
		stdoutTTY: isTerminal(os.Stdout), stderrTTY: isTerminal(os.Stderr), release: stop}
	os.Exit(run(os.Args[1:], e))
}

// run parses args, runs the command and returns the exit code; every
// error is reported as one line on e.stderr.
func run(args []string, e *env) (code int) {
	if e.ctx == nil {
		e.ctx = context.Background()
	}
	var c cli
	defer func() {
		if r := recover(); r != nil {
			ep, ok := r.(exitPanic)
			if !ok {
				panic(r)
			}
			code = ep.code
		}
	}()
	parser, err := kong.New(&c,
		kong.Name("ratctl"),
		kong.Description(description),
		kong.Writers(e.stdout, e.stderr),
		kong.Exit(func(code int) { panic(exitPanic{code}) }),
		kong.Vars{"version": "ratctl " + version},
		kong.ConfigureHelp(kong.HelpOptions{Compact: true}),
	)
	if err != nil {
		fmt.Fprintln(e.stderr, "ratctl:", err)
		return exitError
	}
	kctx, err := parser.Parse(args)
	if err != nil {
		fmt.Fprintf(e.stderr, "ratctl: %v (see ratctl --help)\n", err)
		return exitUsage
	}
	if err := c.Globals.validate(); err != nil {
		fmt.Fprintf(e.stderr, "ratctl: %v\n", err)
		return exitUsage
	}
	if ic, ok := kctx.Selected().Target.Addr().Interface().(interruptible); (!ok || !ic.handlesInterrupt()) && e.release != nil {
		e.release()
	}
	err = kctx.Run(&c.Globals, e)
	if err == nil {
		return exitOK
	}
	fmt.Fprintln(e.stderr, "ratctl:", oneLine(err))
	var ce *codeError
	switch {
	case errors.As(err, &ce):
		return ce.code
	case errors.Is(err, client.ErrNotFound):
		return exitNotFound
	}
	return exitError
}

// oneLine flattens an error message to one line.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// formatTTL renders seconds of remaining lifetime, 0 being "never".
func formatTTL(sec int64) string {
	if sec <= 0 {
		return "never"
	}
	return (time.Duration(sec) * time.Second).String()
}
