//go:build !windows

package main

import "io"

// platformCommand handles platform-specific subcommands; there are none
// outside Windows.
func platformCommand([]string, io.Writer, io.Writer) (int, bool) { return 0, false }
