//go:build !linux

package server

import "errors"

// parker holds idle connections without their goroutines; only on Linux
// (park_linux.go). Elsewhere idle connections keep their goroutines.
type parker struct{}

func newParker() (*parker, error) { return nil, errors.New("parking idle connections needs Linux") }

func (*parker) park(*conn) bool { return false }
func (*parker) wakeAll()        {}
func (*parker) stop()           {}
func (*parker) parked() int     { return 0 }

func (*parker) parkedTotal() uint64 { return 0 }

func (*parker) kickIdle(int64) {}
