package persist

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Compare with [errors.Is]: most are wrapped in an
// [*Error] that names the file and the operation.
var (
	// ErrClosed: the store has been closed.
	ErrClosed = errors.New("persist: store closed")
	// ErrDirMissing: the data directory does not exist and
	// [Options.MustExist] forbids creating it.
	ErrDirMissing = errors.New("persist: data directory does not exist")
	// ErrNotDir: the data directory path names something that is not a
	// directory.
	ErrNotDir = errors.New("persist: data directory path is not a directory")
	// ErrReadOnly: the data directory or the database file cannot be
	// written (permissions, or a read-only file system).
	ErrReadOnly = errors.New("persist: data directory is not writable")
	// ErrLocked: another process (or another Store in this process) holds
	// the database file open; Open waited [Options.LockTimeout] for it.
	ErrLocked = errors.New("persist: database is locked by another process")
	// ErrDiskFull: the file system has no space left (ENOSPC); the write
	// that saw it was not stored.
	ErrDiskFull = errors.New("persist: disk full")
	// ErrUnknownFormat: the file (or one record) was written by a newer
	// format version than this build reads. The file is left untouched.
	ErrUnknownFormat = errors.New("persist: unknown format version")
	// ErrCorrupt: the file is not a RatMemCache database, or a record
	// cannot be decoded.
	ErrCorrupt = errors.New("persist: corrupt data")
	// ErrQueueFull: the write queue stayed full for [Options.EnqueueTimeout];
	// the batch was not queued and nothing of it was stored.
	ErrQueueFull = errors.New("persist: write queue full")
	// ErrInvalidKey: the key is empty or longer than [MaxKeySize].
	ErrInvalidKey = errors.New("persist: invalid key")
	// ErrTooLarge: one entry alone is larger than [Options.MaxDiskSize]
	// or than [MaxValueSize].
	ErrTooLarge = errors.New("persist: entry too large")
	// ErrInvalidOptions: an [Options] field has an unusable value.
	ErrInvalidOptions = errors.New("persist: invalid options")
)

// Error carries the context of a failure: the operation, the path it
// concerns (if any), a hint for the operator, and the cause. It unwraps to
// both a sentinel above (Kind) and the underlying error (Err), so
// errors.Is works with either, e.g. errors.Is(err, syscall.ENOSPC).
type Error struct {
	Op   string // "open", "put", "compact", …
	Path string // file or directory concerned, "" if none
	Kind error  // one of the sentinels
	Err  error  // the cause, may be nil
	Hint string // what the operator can do, may be ""
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Kind.Error())
	if e.Path != "" {
		b.WriteString(": ")
		b.WriteString(e.Path)
	}
	if e.Op != "" {
		b.WriteString(" (")
		b.WriteString(e.Op)
		b.WriteString(")")
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	if e.Hint != "" {
		b.WriteString("; ")
		b.WriteString(e.Hint)
	}
	return b.String()
}

// Unwrap returns the sentinel and the cause.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// wrapIO classifies an I/O error from bbolt or the OS: disk full and
// permission problems get their sentinel, anything else is returned as
// "persist: <op> <path>: err".
func wrapIO(op, path string, err error) error {
	if err == nil {
		return nil
	}
	var pe *Error
	if errors.As(err, &pe) {
		return err
	}
	switch {
	case isDiskFull(err):
		return &Error{Op: op, Path: path, Kind: ErrDiskFull, Err: err,
			Hint: "free space on that file system or lower max_disk_size"}
	case isReadOnly(err):
		return &Error{Op: op, Path: path, Kind: ErrReadOnly, Err: err,
			Hint: "check the permissions and that the file system is mounted read-write"}
	}
	return fmt.Errorf("persist: %s %s: %w", op, path, err)
}
