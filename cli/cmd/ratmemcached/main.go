// Command ratmemcached is a memcached 1.6 compatible server with an
// optional persistent L2 tier.
//
// It accepts memcached's command-line flags with the same letters and
// meanings, its own long flags, and a TOML configuration file; see
// docs/configuration.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"

	"github.com/ratmemcache/ratmemcache/cli/internal/config"
	"github.com/ratmemcache/ratmemcache/cli/internal/logging"
)

// version is the ratmemcached release, set with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

// Exit codes, as memcached uses them where it has one.
const (
	exitOK     = 0
	exitError  = 1
	exitConfig = 64 // EX_USAGE
)

func main() {
	os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr))
}

// realMain runs the command and returns the process exit code.
func realMain(args []string, stdout, stderr io.Writer) int {
	if code, handled := platformCommand(args, stdout, stderr); handled {
		return code
	}
	return runMain(context.Background(), args, stdout, stderr)
}

// runMain is realMain without platform subcommands; cancelling parent
// stops the server like SIGTERM (the Windows service uses it).
func runMain(parent context.Context, args []string, stdout, stderr io.Writer) int {
	exitCode := -1
	c, set, err := parseArgs(args, func(code int) { exitCode = code; panic(exitPanic{}) }, stdout, stderr)
	if errors.Is(err, errExited) {
		return exitCode
	}
	if err != nil {
		fmt.Fprintln(stderr, "ratmemcached:", err)
		return exitConfig
	}
	switch {
	case c.Version:
		fmt.Fprintf(stdout, "ratmemcached %s (memcached %s compatible, %s)\n", version, memcachedVersion, runtime.Version())
		return exitOK
	case c.License:
		fmt.Fprint(stdout, licence)
		return exitOK
	}
	cfg, file, keys, notes, err := buildConfig(c, set)
	if err == nil {
		err = file.Locate(cfg.Validate(), func(k string) bool { return keys[k] })
	}
	if c.PrintConfig {
		if cfg != nil {
			fmt.Fprintf(stdout, "# ratmemcached %s effective configuration\n", version)
			if e := config.Encode(stdout, cfg); e != nil {
				fmt.Fprintln(stderr, "ratmemcached:", e)
				return exitError
			}
		}
		if err != nil {
			fmt.Fprintln(stderr, "ratmemcached: invalid configuration:\n"+indent(err))
			return exitError
		}
		return exitOK
	}
	if c.CheckConfig {
		if err != nil {
			fmt.Fprintln(stderr, "ratmemcached: invalid configuration:\n"+indent(err))
			return exitError
		}
		fmt.Fprintln(stdout, "configuration OK")
		return exitOK
	}
	if err != nil {
		fmt.Fprintln(stderr, "ratmemcached: invalid configuration:\n"+indent(err))
		return exitConfig
	}

	if cfg.Server.Daemon && !isDaemonChild() {
		if err := daemonize(); err != nil {
			fmt.Fprintln(stderr, "ratmemcached:", err)
			return exitError
		}
		return exitOK
	}

	logs, err := logging.New(cfg.Logging, stderr, stdout)
	if err != nil {
		fmt.Fprintln(stderr, "ratmemcached: logging:", err)
		return exitConfig
	}
	defer logs.Close()
	for _, n := range notes {
		logs.Main.Info(n.msg)
	}
	if file != nil {
		logs.Audit.Info("configuration loaded", "file", file.Path)
	}
	logs.Main.Debug("effective configuration", "preset", cfg.Preset, "server", cfg.Server, "l1", cfg.L1,
		"l2", cfg.L2, "ttl", cfg.TTL, "performance", cfg.Performance, "logging", cfg.Logging)
	ctx, stop := notifyContext(parent, logs)
	defer stop()
	if err := run(ctx, cfg, logs, daemonReady()); err != nil {
		logs.Main.Error("ratmemcached stopped with an error", "err", err)
		return exitError
	}
	return exitOK
}

// buildConfig applies defaults < preset < file < flags. It returns the
// configuration, the file (or nil), the keys set by flags, and notices.
func buildConfig(c *cli, set map[string]bool) (*config.Config, *config.File, map[string]bool, []notice, error) {
	cfg := config.Default()
	var f *config.File
	if c.Config != "" {
		var err error
		if f, err = config.ReadFile(c.Config); err != nil {
			return nil, nil, nil, nil, err
		}
	}
	preset := c.Preset
	if !set["preset"] && f != nil {
		preset = f.Preset()
	}
	if preset != "" {
		if !config.ApplyPreset(cfg, preset) {
			return nil, nil, nil, nil, fmt.Errorf("unknown preset %q; expected one of %v", preset, config.PresetNames())
		}
		cfg.Preset = preset
	}
	if f != nil {
		if err := f.Decode(cfg); err != nil {
			return nil, nil, nil, nil, err
		}
	}
	keys, notes, err := c.apply(cfg, set)
	return cfg, f, keys, notes, err
}

func indent(err error) string {
	var b []byte
	for _, line := range splitLines(err.Error()) {
		b = append(b, "  "...)
		b = append(b, line...)
		b = append(b, '\n')
	}
	return string(b[:max(len(b)-1, 0)])
}

func splitLines(s string) []string {
	var out []string
	start := 0
	for i := range len(s) {
		if s[i] == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

const licence = `ratmemcached is free software: you can redistribute it and/or modify it
under the terms of the GNU Lesser General Public License as published by the
Free Software Foundation, either version 3 of the License, or (at your option)
any later version. It is distributed WITHOUT ANY WARRANTY; see the files
LICENSE (LGPL-3.0) and COPYING (GPL-3.0) for details.
`
