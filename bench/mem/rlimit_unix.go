//go:build unix

package mem

import (
	"fmt"
	"syscall"
)

// RaiseFileLimit makes sure this process may hold at least n open file
// descriptors, raising its soft RLIMIT_NOFILE up to the hard limit if
// needed; it fails with a message saying what to do when the hard limit
// is too low.
func RaiseFileLimit(n int) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Errorf("mem: getrlimit: %w", err)
	}
	need := uint64(n)
	if lim.Cur >= need {
		return nil
	}
	if lim.Max < need {
		return fmt.Errorf("mem: %d connections need %d file descriptors but the hard limit (ulimit -Hn) is %d: raise it or ask for fewer connections", n-fileSlack, n, lim.Max)
	}
	lim.Cur = need
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Errorf("mem: raising the soft file limit to %d (hard %d): %w", need, lim.Max, err)
	}
	return nil
}
