//go:build !unix

package mem

// RaiseFileLimit does nothing where there is no RLIMIT_NOFILE.
func RaiseFileLimit(int) error { return nil }
