//go:build !linux || race

package server

import "net"

// rawIO is the raw-system-call socket I/O of rawio_linux.go; elsewhere
// connections use net.Conn's methods. Race-detector builds use them too:
// the detector learns that a write on one end of a socket happens before
// the read on the other end from annotations in net.Conn's methods, which
// raw system calls do not have, so client and server in one test process
// would look unsynchronised.
type rawIO struct{ waited bool }

func newRawIO(net.Conn) *rawIO { return nil }

func (*rawIO) Read([]byte) (int, error)                 { panic("unreachable") }
func (*rawIO) Write([]byte) (int, error)                { panic("unreachable") }
func (*rawIO) writeBuffers(*net.Buffers) (int64, error) { panic("unreachable") }
