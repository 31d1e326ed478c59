//go:build !linux

package mem

// RSS returns ErrNoRSS: only Linux is supported.
func RSS(pid int) (int64, error) { return 0, ErrNoRSS }
