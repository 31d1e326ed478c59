//go:build windows

package persist

import (
	"errors"
	"syscall"
)

// Windows system error codes (winerror.h).
const (
	errorHandleDiskFull = syscall.Errno(39)  // ERROR_HANDLE_DISK_FULL
	errorDiskFull       = syscall.Errno(112) // ERROR_DISK_FULL
	errorWriteProtect   = syscall.Errno(19)  // ERROR_WRITE_PROTECT
)

func isDiskFull(err error) bool {
	return errors.Is(err, errorDiskFull) || errors.Is(err, errorHandleDiskFull) ||
		errors.Is(err, syscall.ENOSPC)
}

func isReadOnly(err error) bool {
	return errors.Is(err, syscall.ERROR_ACCESS_DENIED) || errors.Is(err, errorWriteProtect) ||
		errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EPERM)
}
