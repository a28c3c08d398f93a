package serve

import (
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Blocking mode. A connection that is the only one open waits for its
// next request in a blocking read on its own thread: the kernel then wakes
// exactly that thread when the request arrives. Under the Go poller the
// same wait wakes the poller's thread, hands the goroutine over and puts
// threads back to sleep, twice the CPU per request of a lone client on
// this machine (a raw TCP loop answering 5 KB requests from wrk -c1: 23 µs
// blocking, 40–51 µs through the poller). The socket leaves the poller for
// it: setBlocking duplicates the descriptor, closes the poller's (which
// removes it from the poller's epoll set, whose edge events would
// otherwise still wake a poller thread on every request) and reads and
// writes the duplicate with plain system calls; going back wraps the
// descriptor in a new net.Conn.

// blockingTick is how often a blocking read or write wakes up to check
// its deadline and, while idle, whether other connections have opened or
// the server is closing; the socket's SO_RCVTIMEO and SO_SNDTIMEO.
func (c *conn) blockingTick() time.Duration {
	o := &c.f.s.opts
	return min(time.Second, o.ReadHeaderTimeout, o.ReadTimeout, o.WriteTimeout, o.IdleTimeout)
}

// setBlocking moves the socket into blocking mode (on) or back under the
// poller. A connection that cannot enter blocking mode stays under the
// poller; it reports false only if the socket is lost on the way back,
// and the connection must then end.
func (c *conn) setBlocking(on bool) bool {
	if on == c.blocking {
		return true
	}
	if on {
		tc, ok := c.nc.(*net.TCPConn)
		if !ok {
			return true
		}
		rc, err := tc.SyscallConn()
		if err != nil {
			return true
		}
		fd := -1
		if rc.Control(func(s uintptr) { fd, err = unix.FcntlInt(s, unix.F_DUPFD_CLOEXEC, 0) }) != nil || err != nil {
			return true
		}
		tv := syscall.NsecToTimeval(int64(c.blockingTick()))
		if syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &tv) != nil ||
			syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, syscall.SO_SNDTIMEO, &tv) != nil ||
			syscall.SetNonblock(fd, false) != nil {
			syscall.SetNonblock(fd, true) // shared with nc's descriptor
			syscall.Close(fd)
			return true
		}
		c.fdMu.Lock()
		old := c.nc
		c.nc, c.fd, c.blocking = nil, fd, true
		c.fdMu.Unlock()
		old.Close()
		return true
	}
	fd := c.fd
	var nc net.Conn
	err := syscall.SetNonblock(fd, true)
	f := os.NewFile(uintptr(fd), "")
	if err == nil {
		nc, err = net.FileConn(f) // its own duplicate, under the poller
	}
	c.fdMu.Lock()
	c.nc, c.fd, c.blocking = nc, -1, false
	c.fdMu.Unlock()
	f.Close()
	return err == nil
}

// errLeaveBlocking asks fill to continue through the poller: another
// connection has opened (or the server is closing) while this one waited
// idle in blocking mode.
var errLeaveBlocking = errors.New("serve: leave blocking mode")

// blockingRead reads into p in blocking mode, waking every blockingTick
// to check the deadline and, while idle, whether to leave blocking mode.
func (c *conn) blockingRead(p []byte, idle bool, deadline time.Time) (int, error) {
	for {
		n, err := syscall.Read(c.fd, p)
		switch {
		case err == syscall.EINTR:
		case err == syscall.EAGAIN: // SO_RCVTIMEO expired
			if time.Now().After(deadline) {
				return 0, os.ErrDeadlineExceeded
			}
			if idle && (c.f.open.Load() > 1 || c.f.closing.Load()) {
				return 0, errLeaveBlocking
			}
		case err != nil:
			return 0, err
		case n == 0:
			return 0, io.EOF
		default:
			return n, nil
		}
	}
}

// blockingWrite writes b whole in blocking mode before deadline.
func (c *conn) blockingWrite(b []byte, deadline time.Time) error {
	for len(b) > 0 {
		n, err := syscall.Write(c.fd, b)
		switch {
		case err == syscall.EINTR:
		case err == syscall.EAGAIN: // SO_SNDTIMEO expired
			if time.Now().After(deadline) {
				return os.ErrDeadlineExceeded
			}
		case err != nil:
			return err
		default:
			b = b[n:]
		}
	}
	return nil
}

// shutdownSocket shuts the socket down for reading, or in both directions
// (both), which wakes a read blocked in the kernel as well as one parked
// in the poller; the connection's goroutine then closes it. After a
// shutdown for reading, reads return the bytes already received, then
// end of file; writes still work.
func (c *conn) shutdownSocket(both bool) {
	how := syscall.SHUT_RD
	if both {
		how = syscall.SHUT_RDWR
	}
	c.fdMu.Lock()
	defer c.fdMu.Unlock()
	if c.fd >= 0 {
		syscall.Shutdown(c.fd, how)
		return
	}
	if tc, ok := c.nc.(*net.TCPConn); ok {
		if rc, err := tc.SyscallConn(); err == nil {
			rc.Control(func(s uintptr) { syscall.Shutdown(int(s), how) })
			return
		}
	}
	if c.nc != nil {
		c.nc.Close()
	}
}

// closeSocket closes the connection's socket, in either mode.
func (c *conn) closeSocket() {
	c.fdMu.Lock()
	defer c.fdMu.Unlock()
	if c.fd >= 0 {
		syscall.Close(c.fd)
		c.fd, c.blocking = -1, false
		return
	}
	if c.nc != nil {
		c.nc.Close()
	}
}
