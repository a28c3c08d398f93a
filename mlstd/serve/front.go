package serve

import (
	"bytes"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// front accepts the server's connections and serves the requests that
// carry the traffic itself: POST /v2/models/{name}/infer and the health
// probes, plain HTTP/1.1 with a Content-Length. It reads them straight
// into a per-connection buffer, parses the tensor data from there and
// writes the status line, headers and body in one write. Everything else
// (other endpoints, chunked bodies, Expect, HTTP/1.0, malformed heads,
// oversized heads or bodies) is handed to net/http with the bytes read so
// far, and net/http serves that connection from then on: the protocol's
// corners stay net/http's, and the hot path skips its per-request
// machinery (header maps, a background read goroutine per request, two
// deadline changes and a buffered writer flush), about half the CPU of an
// empty request on this machine.
//
// A connection that is the only one open waits for its next request in a
// blocking read on its own thread (blockingRead, Linux) instead of the Go
// network poller: a lone client then costs one wake-up per request instead
// of a poller wake-up, a hand-off to a spinning thread and a sleep. With
// two or more connections open every connection uses the poller.
type front struct {
	s       *Server
	ln      net.Listener
	handoff *connQueue // connections passed to net/http

	mu    sync.Mutex
	conns map[*conn]struct{}
	open  atomic.Int32 // connections served here now
	wg    sync.WaitGroup

	closing atomic.Bool // the listener is closed; connections close when idle

	inferPath string // "/v2/models/{name}/infer"
	infer     *endpoint
	live      *endpoint
	ready     *endpoint
}

func newFront(s *Server, ln net.Listener) *front {
	return &front{
		s: s, ln: ln, handoff: newConnQueue(ln.Addr()), conns: map[*conn]struct{}{},
		inferPath: "/v2/models/" + s.opts.Name + "/infer",
		infer:     s.endpoint("infer"), live: s.endpoint("live"), ready: s.endpoint("ready"),
	}
}

// serve accepts connections until the listener is closed; it returns the
// error that stopped it, nil after shutdown.
func (f *front) serve() error {
	var delay time.Duration
	for {
		nc, err := f.ln.Accept()
		if err != nil {
			if f.closing.Load() || errors.Is(err, net.ErrClosed) {
				return nil
			}
			var te interface{ Temporary() bool }
			if errors.As(err, &te) && te.Temporary() { // e.g. EMFILE: back off as net/http does
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				time.Sleep(delay)
				continue
			}
			return err
		}
		delay = 0
		c := &conn{f: f, nc: nc, fd: -1}
		f.mu.Lock()
		if f.closing.Load() {
			f.mu.Unlock()
			nc.Close()
			return nil
		}
		f.conns[c] = struct{}{}
		f.open.Add(1)
		f.wg.Add(1)
		f.mu.Unlock()
		go c.serve()
	}
}

// shutdown closes the listener, lets every connection answer what it has
// read and close at the next request boundary (an idle connection at
// once), and waits for them, or until done is closed: then it closes them
// too and fails.
func (f *front) shutdown(done <-chan struct{}) error {
	f.closing.Store(true)
	f.ln.Close()
	f.kick(false)
	finished := make(chan struct{})
	go func() { f.wg.Wait(); close(finished) }()
	select {
	case <-finished:
		return nil
	case <-done:
		f.kick(true)
		<-finished
		return errors.New("connections still busy")
	}
}

// close closes the listener and every connection now.
func (f *front) close() {
	f.closing.Store(true)
	f.ln.Close()
	f.kick(true)
	f.wg.Wait()
}

// kick wakes connections waiting to read. With all, it shuts every
// socket down in both directions (what was read is lost). Otherwise it
// shuts down reading on the idle ones only: a read then still returns the
// bytes already received, so a request that arrived just before (while
// the connection still looked idle) is answered, with Connection: close,
// and the read after it ends the connection. Each connection's goroutine
// closes its socket.
func (f *front) kick(all bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for c := range f.conns {
		switch {
		case all:
			c.shutdownSocket(true)
		case c.idle.Load():
			c.shutdownSocket(false)
		}
	}
}

// conn is one client connection served by front.
type conn struct {
	f     *front
	buf   []byte
	r     int // unread bytes are buf[r:w]
	w     int
	small []byte // the connection's own buffer while buf is a big one

	// The socket is nc under the Go poller, or, in blocking mode
	// (front_linux.go), the descriptor fd outside it. Only the connection's
	// goroutine changes them, holding fdMu; kick reads them holding fdMu.
	nc       net.Conn
	fd       int
	fdMu     sync.Mutex
	blocking bool

	idle   atomic.Bool // waiting for a request with nothing buffered (kick may shut reading down)
	readDL time.Time   // the read deadline last set on nc
}

func (c *conn) serve() {
	handedOff := false
	defer func() {
		if !handedOff {
			c.closeSocket()
		}
		if c.small != nil {
			big := c.buf[:0]
			bigPool.Put(&big)
			c.buf, c.small = c.small, nil
		}
		b := c.buf[:0]
		bodyPool.Put(&b)
		c.buf = nil
		f := c.f
		f.mu.Lock()
		delete(f.conns, c)
		f.open.Add(-1)
		f.mu.Unlock()
		f.wg.Done()
	}()
	c.buf = (*bodyPool.Get().(*[]byte))[:0]
	c.buf = c.buf[:cap(c.buf)]
	o := &c.f.s.opts
	for {
		if c.r == c.w {
			c.r, c.w = 0, 0
			c.idle.Store(true)
			if c.f.closing.Load() {
				// Shutting down: answer a request the client sent
				// before it saw the last response's Connection header
				// if it is already here, end the connection otherwise
				// (kick may have missed this connection while busy).
				c.shutdownSocket(false)
			} else if !c.setBlocking(c.f.open.Load() == 1) {
				return
			}
		}
		// Read the head: request line and headers up to the empty line.
		// A request starts with its first byte, which may have come with
		// the previous request (pipelining).
		start := time.Time{}
		if c.w > c.r {
			start = time.Now()
		}
		end := -1
		scan := c.r
		for {
			if i := bytes.Index(c.buf[scan:c.w], crlfcrlf); i >= 0 {
				end = scan + i + 4
				break
			}
			// Oversized heads (net/http answers 431) and heads with
			// bare LF line endings, which never have CRLFCRLF but which
			// net/http reads, go to net/http at once.
			if c.w-c.r > maxHeaderBytes || bareLF(c.buf[c.r:c.w], max(scan, c.r)-c.r) {
				handedOff = c.handOff()
				return
			}
			scan = max(c.r, c.w-3)
			// net/http's timeouts: IdleTimeout before a request's first
			// byte, ReadHeaderTimeout and ReadTimeout from it.
			idle, deadline := start.IsZero(), start.Add(o.ReadHeaderTimeout)
			if idle {
				deadline = time.Now().Add(o.IdleTimeout)
			}
			if err := c.fill(idle, deadline); err != nil {
				return
			}
			if start.IsZero() {
				start = time.Now()
				c.idle.Store(false)
			}
		}
		c.idle.Store(false)
		if end-c.r > maxHeaderBytes {
			handedOff = c.handOff()
			return
		}
		h, ok := parseHead(c.buf[c.r:end])
		if !ok || !c.fast(&h) {
			handedOff = c.handOff()
			return
		}
		// Read the body.
		need := end + h.contentLength
		if need > len(c.buf) {
			c.useBig(need - c.r)
			need -= c.r
			end -= c.r
			c.r = 0
		}
		for c.w < need {
			if err := c.fill(false, start.Add(o.ReadTimeout)); err != nil {
				return
			}
		}
		body := c.buf[end:need]
		c.r = need
		ok = c.respond(&h, body, start)
		c.releaseBig()
		if !ok {
			return
		}
	}
}

// useBig moves the unread bytes into a buffer of at least n bytes from
// bigPool, for a request larger than the connection's own buffer; the
// connection keeps its own in c.small meanwhile.
func (c *conn) useBig(n int) {
	var big []byte
	if bp, _ := bigPool.Get().(*[]byte); bp != nil && cap(*bp) >= n {
		big = (*bp)[:cap(*bp)]
	} else {
		big = make([]byte, (n+64<<10-1)&^(64<<10-1)) // whole 64 KiB: reused by similar sizes
	}
	if c.small == nil {
		c.small = c.buf
	}
	c.w = copy(big, c.buf[c.r:c.w])
	c.r = 0
	c.buf = big
}

// releaseBig returns a big request buffer to bigPool once the request no
// longer needs it (infer calls it right after parsing), moving bytes
// already read past the request (pipelining) back into the connection's
// own buffer when they fit.
func (c *conn) releaseBig() {
	if c.small == nil || c.w-c.r > len(c.small) {
		return
	}
	big := c.buf
	c.w = copy(c.small, c.buf[c.r:c.w])
	c.r = 0
	c.buf, c.small = c.small, nil
	if cap(big) <= 64<<20 {
		big = big[:0]
		bigPool.Put(&big)
	}
}

// bigPool holds buffers for requests larger than a connection's own 64 KiB;
// connections borrow them per request (see useBig), so memory follows the
// requests in flight, not the connections open.
var bigPool sync.Pool

var crlfcrlf = []byte("\r\n\r\n")

// bareLF reports whether b[from:] has a line feed without a carriage
// return before it (b[from-1] counts).
func bareLF(b []byte, from int) bool {
	for {
		i := bytes.IndexByte(b[from:], '\n')
		if i < 0 {
			return false
		}
		from += i
		if from == 0 || b[from-1] != '\r' {
			return true
		}
		from++
	}
}

// maxHeaderBytes bounds a request head, as http.Server.MaxHeaderBytes
// does for the requests net/http serves.
const maxHeaderBytes = 64 << 10

// fill reads more bytes into buf[w:], before deadline. It fails on EOF,
// errors, timeouts, and when the server shuts down while the connection
// is idle.
func (c *conn) fill(idle bool, deadline time.Time) error {
	if c.w == len(c.buf) { // full: grow (the head limit and Content-Length bound it)
		nb := make([]byte, 2*len(c.buf))
		copy(nb, c.buf[:c.w])
		c.buf = nb
	}
	if c.blocking {
		n, err := c.blockingRead(c.buf[c.w:], idle, deadline)
		c.w += n
		if err != errLeaveBlocking {
			return err
		}
		if !c.setBlocking(false) {
			return err
		}
		c.readDL = time.Time{}
	}
	if !deadline.Equal(c.readDL) {
		if err := c.nc.SetReadDeadline(deadline); err != nil {
			return err
		}
		c.readDL = deadline
	}
	n, err := c.nc.Read(c.buf[c.w:])
	c.w += n
	if n > 0 {
		return nil
	}
	if err == nil {
		err = errors.New("empty read")
	}
	return err
}

// head is what the fast path needs of a request head.
type head struct {
	method, target    []byte
	contentLength     int
	hasLength         bool
	close             bool   // Connection: close
	inferHeaderLength string // Inference-Header-Content-Length
	other             bool   // a header the fast path does not handle
	hasHost           bool
}

// parseHead parses an HTTP/1.1 request head strictly; ok is false for
// anything else (other protocol versions, malformed lines, control
// characters), which net/http then answers.
func parseHead(b []byte) (h head, ok bool) {
	line, rest, found := bytes.Cut(b, crlf)
	if !found {
		return h, false
	}
	m, line, ok1 := bytes.Cut(line, sp)
	t, proto, ok2 := bytes.Cut(line, sp)
	if !ok1 || !ok2 || len(m) == 0 || len(t) == 0 || string(proto) != "HTTP/1.1" || !isToken(m) || !isFieldValue(t) {
		return h, false
	}
	h.method, h.target = m, t
	for {
		line, rest, found = bytes.Cut(rest, crlf)
		if !found {
			return h, false
		}
		if len(line) == 0 {
			return h, true
		}
		name, value, colon := bytes.Cut(line, []byte(":"))
		if !colon || len(name) == 0 || !isToken(name) || !isFieldValue(value) {
			return h, false
		}
		value = bytes.Trim(value, " \t")
		switch {
		case asciiEqualFold(name, "content-length"):
			n, err := strconv.ParseUint(string(value), 10, 63)
			if err != nil || h.hasLength || len(value) == 0 || value[0] == '+' {
				return h, false
			}
			h.contentLength, h.hasLength = int(min(n, 1<<62)), true
		case asciiEqualFold(name, "host"):
			if h.hasHost {
				return h, false
			}
			h.hasHost = true
			if !plainHost(value) { // net/http decides (400 for a malformed one)
				h.other = true
			}
		case asciiEqualFold(name, "connection"):
			switch {
			case asciiEqualFold(value, "close"):
				h.close = true
			case asciiEqualFold(value, "keep-alive"):
			default:
				h.other = true
			}
		case asciiEqualFold(name, "inference-header-content-length"):
			h.inferHeaderLength = string(value)
		case asciiEqualFold(name, "transfer-encoding"), asciiEqualFold(name, "expect"), asciiEqualFold(name, "upgrade"):
			h.other = true
		}
	}
}

var (
	crlf = []byte("\r\n")
	sp   = []byte(" ")
)

// plainHost reports whether a Host value has only letters, digits and
// ".-:[]_" (names, IPv4 and IPv6 addresses, ports): values net/http
// accepts. Others go to net/http, which answers 400 for the malformed ones.
func plainHost(b []byte) bool {
	for _, c := range b {
		if !('a' <= c|0x20 && c|0x20 <= 'z' || '0' <= c && c <= '9' || strings.IndexByte(".-:[]_", c) >= 0) {
			return false
		}
	}
	return true
}

// isToken reports whether b is an RFC 9110 token (a header name).
func isToken(b []byte) bool {
	for _, c := range b {
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// isFieldValue reports whether b has no control characters but tab.
func isFieldValue(b []byte) bool {
	for _, c := range b {
		if (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

func asciiEqualFold(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i, c := range b {
		if c|0x20 != lower[i] && c != lower[i] {
			return false
		}
	}
	return true
}

// fast reports whether the fast path serves this request.
func (c *conn) fast(h *head) bool {
	if !h.hasHost || h.other || h.contentLength > int(c.f.s.opts.MaxBodyBytes) {
		return false
	}
	switch string(h.method) {
	case http.MethodPost:
		return h.hasLength && string(h.target) == c.f.inferPath
	case http.MethodGet:
		return h.contentLength == 0 && (string(h.target) == "/v2/health/live" || string(h.target) == "/v2/health/ready")
	}
	return false
}

// respond runs the request and writes the response; it reports whether
// the connection stays open.
func (c *conn) respond(h *head, body []byte, start time.Time) bool {
	f := c.f
	s := f.s
	s.metrics.inflight.Inc()
	defer s.metrics.inflight.Dec()
	rp := respPool.Get().(*[]byte)
	out := append((*rp)[:0], make([]byte, respHeadRoom)...)
	var ep *endpoint
	code := http.StatusOK
	switch {
	case string(h.method) == http.MethodPost:
		ep = f.infer
		// Served while draining too (the batcher runs until every
		// connection has closed): a request that was read is answered.
		res, err := s.infer(out, body, h.inferHeaderLength, c.releaseBig, nil)
		if err == nil {
			out = res
		} else {
			code = codeOf(err)
			out = append(out[:respHeadRoom], errorJSON(err)...)
		}
	case string(h.target) == "/v2/health/live":
		ep = f.live
		out = append(out, liveBody...)
	default:
		ep = f.ready
		if s.Ready() {
			out = append(out, readyBody...)
		} else {
			code = http.StatusBadRequest // the spec: 4xx means false
			out = append(out, notReadyBody...)
		}
	}
	// Not ready (Stop has begun, during DrainDelay too): Connection: close
	// ends keep-alive connections at a request boundary, where closing is
	// safe, instead of leaving them idle for Stop to close.
	keep := !h.close && !f.closing.Load() && s.Ready()
	var hb [respHeadRoom]byte
	hd := appendStatus(hb[:0], code, len(out)-respHeadRoom, len(out) > respHeadRoom, !keep)
	msg := out[respHeadRoom-len(hd):]
	copy(msg, hd)
	// Counted before the write, as net/http's handlers are counted before
	// net/http flushes their output: a client that has the response sees
	// its request in the metrics.
	ep.done(code, time.Since(start))
	err := c.write(msg)
	if cap(out) <= 1<<20 {
		*rp = out[:0]
		respPool.Put(rp)
	}
	return err == nil && keep
}

// respHeadRoom is the space reserved in front of a response body for its
// status line and headers, so that both leave in one write.
const respHeadRoom = 192

// appendStatus appends the status line and headers as net/http writes
// them for these responses.
func appendStatus(b []byte, code, length int, isJSON, close bool) []byte {
	b = append(b, "HTTP/1.1 "...)
	b = strconv.AppendInt(b, int64(code), 10)
	b = append(b, ' ')
	b = append(b, http.StatusText(code)...)
	b = append(b, "\r\n"...)
	if isJSON {
		b = append(b, "Content-Type: application/json\r\n"...)
	}
	if close {
		b = append(b, "Connection: close\r\n"...)
	}
	b = append(b, "Date: "...)
	b = append(b, httpDate()...)
	b = append(b, "\r\nContent-Length: "...)
	b = strconv.AppendInt(b, int64(length), 10)
	return append(b, "\r\n\r\n"...)
}

// httpDate returns the Date header value, formatted once per second.
func httpDate() string {
	now := time.Now().Unix()
	if d := dateCache.Load(); d != nil && d.unix == now {
		return d.text
	}
	d := &cachedDate{unix: now, text: time.Unix(now, 0).UTC().Format(http.TimeFormat)}
	dateCache.Store(d)
	return d.text
}

type cachedDate struct {
	unix int64
	text string
}

var dateCache atomic.Pointer[cachedDate]

// write writes b whole within WriteTimeout.
func (c *conn) write(b []byte) error {
	deadline := time.Now().Add(c.f.s.opts.WriteTimeout)
	if c.blocking {
		return c.blockingWrite(b, deadline)
	}
	if err := c.nc.SetWriteDeadline(deadline); err != nil {
		return err
	}
	_, err := c.nc.Write(b)
	return err
}

// handOff passes the connection, with the bytes read but not yet served,
// to net/http; it reports whether net/http took it.
func (c *conn) handOff() bool {
	c.idle.Store(false)
	if !c.setBlocking(false) || c.nc.SetDeadline(time.Time{}) != nil {
		return false
	}
	pc := &prefixConn{Conn: c.nc, pre: bytes.Clone(c.buf[c.r:c.w])}
	if !c.f.handoff.put(pc) {
		return false
	}
	return true
}

// prefixConn is a connection whose first reads return pre.
type prefixConn struct {
	net.Conn
	pre []byte
}

func (p *prefixConn) Read(b []byte) (int, error) {
	if len(p.pre) > 0 {
		n := copy(b, p.pre)
		p.pre = p.pre[n:]
		return n, nil
	}
	return p.Conn.Read(b)
}

// CloseWrite lets net/http half-close the connection after an error
// response, as it does for a *net.TCPConn.
func (p *prefixConn) CloseWrite() error {
	if cw, ok := p.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// connQueue is the listener net/http serves: connections front hands off.
type connQueue struct {
	addr net.Addr
	ch   chan net.Conn
	done chan struct{}
	once sync.Once
}

func newConnQueue(addr net.Addr) *connQueue {
	return &connQueue{addr: addr, ch: make(chan net.Conn), done: make(chan struct{})}
}

func (q *connQueue) Accept() (net.Conn, error) {
	select {
	case c := <-q.ch:
		return c, nil
	case <-q.done:
		return nil, net.ErrClosed
	}
}

func (q *connQueue) Close() error {
	q.once.Do(func() { close(q.done) })
	return nil
}

func (q *connQueue) Addr() net.Addr { return q.addr }

// put hands c to net/http; false when it no longer accepts.
func (q *connQueue) put(c net.Conn) bool {
	select {
	case q.ch <- c:
		return true
	case <-q.done:
		return false
	}
}
