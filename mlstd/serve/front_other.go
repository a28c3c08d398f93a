//go:build !linux

package serve

import (
	"errors"
	"net"
	"time"
)

// Blocking mode (front_linux.go) is Linux-only: elsewhere every connection
// waits in the Go network poller, and the blocking functions are never
// reached.

func (c *conn) setBlocking(on bool) bool { return true }

var errLeaveBlocking = errors.ErrUnsupported

func (c *conn) blockingRead(p []byte, idle bool, deadline time.Time) (int, error) {
	return 0, errors.ErrUnsupported
}

func (c *conn) blockingWrite(b []byte, deadline time.Time) error { return errors.ErrUnsupported }

// shutdownSocket wakes a read parked in the poller by shutting the socket
// down for reading, or in both directions (both); the connection's
// goroutine then closes it. (Whether reads still return the bytes
// received before a shutdown for reading depends on the system: Linux
// returns them, see front_linux.go.)
func (c *conn) shutdownSocket(both bool) {
	if tc, ok := c.nc.(*net.TCPConn); ok {
		tc.CloseRead()
		if both {
			tc.CloseWrite()
		}
		return
	}
	c.nc.Close()
}

func (c *conn) closeSocket() { c.nc.Close() }
