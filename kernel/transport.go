package kernel

import (
	"bufio"
	"context"
	"net"
	"strings"

	"github.com/go-zeromq/zmq4"
	"github.com/go-zeromq/zmq4/transport"
)

// zmq4 reads every frame of a message with separate read calls (its size
// header, then its body: twelve reads for an execute_request). The kernel
// binds its sockets through transports registered here, zmq4's own tcp and
// ipc transports whose connections read through a bufio.Reader, so that a
// request costs one or two reads. Writes are untouched (the connection
// types embed *net.TCPConn and *net.UnixConn, so zmq4's multipart sends
// stay one writev).
var bufferedSchemes = map[string]string{} // "tcp://" -> "gokernel-tcp://", when registered

func init() {
	for scheme, network := range map[string]string{"tcp": "tcp", "ipc": "unix"} {
		name := "gokernel-" + scheme
		if zmq4.RegisterTransport(name, bufTransport{network}) == nil {
			bufferedSchemes[scheme+"://"] = name + "://"
		}
	}
}

// bufferedEndpoint rewrites a tcp:// or ipc:// endpoint to the buffered
// transport; other endpoints are returned as they are.
func bufferedEndpoint(ep string) string {
	for from, to := range bufferedSchemes {
		if rest, ok := strings.CutPrefix(ep, from); ok {
			return to + rest
		}
	}
	return ep
}

// bufTransport is zmq4's net transport for network ("tcp" or "unix") with
// buffered reads on every connection.
type bufTransport struct{ network string }

func (t bufTransport) Dial(ctx context.Context, d transport.Dialer, addr string) (net.Conn, error) {
	c, err := d.DialContext(ctx, t.network, addr)
	if err != nil {
		return nil, err
	}
	return bufferReads(c), nil
}

// Listen binds plain TCP, not the multipath TCP listener Go uses by
// default: probing for MPTCP and creating MPTCP sockets cost the kernel's
// start-up five MPTCP listeners and the probe in the Linux kernel, for
// nothing a Jupyter client (plain TCP) can use.
func (t bufTransport) Listen(ctx context.Context, addr string) (net.Listener, error) {
	var lc net.ListenConfig
	lc.SetMultipathTCP(false)
	l, err := lc.Listen(ctx, t.network, addr)
	if err != nil {
		return nil, err
	}
	return bufListener{l}, nil
}

func (t bufTransport) Addr(ep string) (string, error) { return transport.New(t.network).Addr(ep) }

type bufListener struct{ net.Listener }

func (l bufListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return bufferReads(c), nil
}

// bufferReads wraps TCP and Unix connections; others are returned as is.
func bufferReads(c net.Conn) net.Conn {
	switch c := c.(type) {
	case *net.TCPConn:
		return &bufTCPConn{c, bufio.NewReader(c)}
	case *net.UnixConn:
		return &bufUnixConn{c, bufio.NewReader(c)}
	}
	return c
}

type bufTCPConn struct {
	*net.TCPConn
	r *bufio.Reader
}

func (c *bufTCPConn) Read(p []byte) (int, error) { return c.r.Read(p) }

type bufUnixConn struct {
	*net.UnixConn
	r *bufio.Reader
}

func (c *bufUnixConn) Read(p []byte) (int, error) { return c.r.Read(p) }
