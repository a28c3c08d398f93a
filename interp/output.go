package interp

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// streams owns the two pipes that carry a session's stdout and stderr. The
// interpreter writes to the pipes' write ends; with CaptureFDs the stdout
// pipe is also dup2'ed onto fd 1 and os.Stderr becomes the stderr pipe, so
// compiled code's output takes the same path and stays in order. One reader goroutine per pipe forwards bytes to
// the running cell's writers.
type streams struct {
	s                      *Session
	outW, errW             *os.File
	outR, errR             *os.File
	origStdout, origStderr *os.File // dups of fds 1 and 2 when captured (fd 2 itself stays)
	stderrVar              *os.File // os.Stderr before capture (see newStreams)
	captured               bool
	seq                    atomic.Int64
	out, err               *pump
	mu                     sync.Mutex
	panics                 []string // yaegi's "L:C: panic: ..." lines since the last take
}

const markerPrefix = "\x00\x01gokernel-flush:"

var panicLine = regexp.MustCompile(`^(?:[^\s:]*_\.go:|)\d+:\d+: panic: `)

type pump struct {
	st      *streams
	r       *os.File
	rc      syscall.RawConn // r's, for reads under hold and FIONREAD
	stderr  bool
	mu      sync.Mutex
	cond    *sync.Cond
	seen    int64
	stopped bool

	// hold is held from each read of the pipe until what it read has been
	// emitted, with pending (a held-back suffix that may start a marker):
	// holding it, an empty pipe and no pending bytes mean that everything
	// written so far has reached the writers (see idle).
	hold    sync.Mutex
	pending []byte
}

func newStreams(s *Session, capture bool) (*streams, error) {
	st := &streams{s: s, captured: capture}
	var err error
	if st.outR, st.outW, err = os.Pipe(); err != nil {
		return nil, fmt.Errorf("interp: %v", err)
	}
	if st.errR, st.errW, err = os.Pipe(); err != nil {
		return nil, fmt.Errorf("interp: %v", err)
	}
	if capture {
		o, err := syscall.Dup(1)
		if err != nil {
			return nil, fmt.Errorf("interp: dup stdout: %v", err)
		}
		e, err := syscall.Dup(2)
		if err != nil {
			return nil, fmt.Errorf("interp: dup stderr: %v", err)
		}
		st.origStdout = os.NewFile(uintptr(o), "/dev/stdout")
		st.origStderr = os.NewFile(uintptr(e), "/dev/stderr")
		if err := dup2(int(st.outW.Fd()), 1); err != nil {
			return nil, fmt.Errorf("interp: capturing stdout: %v", err)
		}
		// fd 2 stays the process's stderr, the kernel's log: Go code writes
		// to os.Stderr, which now is the pipe. The runtime writes a fatal
		// error to fd 2 (its first lines only there, before any
		// debug.SetCrashOutput file), and nothing drains a pipe while the
		// process crashes: on fd 2 the reason was lost and, once 64 KiB of
		// trace filled the pipe, the process hung instead of exiting.
		st.stderrVar = os.Stderr
		os.Stderr = st.errW
	}
	if st.out, err = st.newPump(st.outR, false); err != nil {
		return nil, err
	}
	if st.err, err = st.newPump(st.errR, true); err != nil {
		return nil, err
	}
	return st, nil
}

func (st *streams) newPump(r *os.File, stderr bool) (*pump, error) {
	rc, err := r.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("interp: %v", err)
	}
	p := &pump{st: st, r: r, rc: rc, stderr: stderr}
	p.cond = sync.NewCond(&p.mu)
	go p.loop()
	return p, nil
}

func (p *pump) writer() io.Writer {
	o := p.st.s.cur.Load()
	if o == nil {
		if p.st.origStderr != nil {
			return p.st.origStderr
		}
		return io.Discard
	}
	if p.stderr {
		return o.Stderr
	}
	return o.Stdout
}

func (p *pump) emit(b []byte) {
	if len(b) == 0 {
		return
	}
	if p.stderr && bytes.Contains(b, []byte(": panic: ")) {
		// Keep yaegi's interpreted traceback out of the user's stream; it
		// becomes part of the CellError.
		var keep []byte
		for _, line := range bytes.SplitAfter(b, []byte("\n")) {
			if panicLine.Match(line) {
				p.st.mu.Lock()
				p.st.panics = append(p.st.panics, string(bytes.TrimRight(line, "\n")))
				p.st.mu.Unlock()
				continue
			}
			keep = append(keep, line...)
		}
		b = keep
		if len(b) == 0 {
			return
		}
	}
	_, _ = p.writer().Write(b)
}

// loop forwards what arrives on the pipe. Each read happens with hold
// held (a non-blocking read from inside RawConn.Read, which waits for the
// pipe to be readable without holding it) and hold is released only once
// the bytes read have been emitted.
func (p *pump) loop() {
	buf := make([]byte, 32<<10)
	for {
		var n int
		var rerr error
		err := p.rc.Read(func(fd uintptr) bool {
			p.hold.Lock()
			for {
				n, rerr = syscall.Read(int(fd), buf)
				if rerr != syscall.EINTR {
					break
				}
			}
			if rerr == syscall.EAGAIN {
				p.hold.Unlock()
				return false // wait until the pipe is readable
			}
			return true // hold stays locked until the bytes are emitted
		})
		if err != nil {
			// The file was closed under the reader: nothing was read.
			p.hold.Lock()
			rerr = err
			n = 0
		}
		if n > 0 {
			p.forward(buf[:n])
		}
		if n <= 0 {
			p.emit(p.pending)
			p.pending = nil
			p.hold.Unlock()
			p.mu.Lock()
			p.stopped = true
			p.cond.Broadcast()
			p.mu.Unlock()
			return
		}
		p.hold.Unlock()
	}
}

// forward emits data read from the pipe and notes the flush markers in
// it; called with hold held.
func (p *pump) forward(b []byte) {
	data := append(p.pending, b...)
	p.pending = nil
	for {
		i := bytes.Index(data, []byte(markerPrefix))
		if i < 0 {
			// Hold back a suffix that may be the start of a marker.
			k := partialPrefix(data, markerPrefix)
			p.emit(data[:len(data)-k])
			if k > 0 {
				p.pending = append([]byte(nil), data[len(data)-k:]...)
			}
			return
		}
		p.emit(data[:i])
		rest := data[i+len(markerPrefix):]
		j := bytes.IndexByte(rest, 0)
		if j < 0 {
			p.pending = append([]byte(nil), data[i:]...)
			return
		}
		seq, _ := strconv.ParseInt(string(rest[:j]), 10, 64)
		p.mu.Lock()
		if seq > p.seen {
			p.seen = seq
		}
		p.cond.Broadcast()
		p.mu.Unlock()
		data = rest[j+1:]
	}
}

// idle reports whether everything written to the pipe so far has been
// emitted: the pipe is empty and nothing is held back. Holding hold, no
// read can be between taking bytes from the pipe and emitting them.
func (p *pump) idle() bool {
	p.hold.Lock()
	defer p.hold.Unlock()
	if len(p.pending) > 0 {
		return false
	}
	queued := -1
	if err := p.rc.Control(func(fd uintptr) {
		queued, _ = unix.IoctlGetInt(int(fd), unix.TIOCINQ) // FIONREAD
	}); err != nil {
		return false
	}
	return queued == 0
}

// partialPrefix returns the length of the longest suffix of b that is a
// proper prefix of m.
func partialPrefix(b []byte, m string) int {
	for k := len(m) - 1; k > 0; k-- {
		if len(b) >= k && string(b[len(b)-k:]) == m[:k] {
			return k
		}
	}
	return 0
}

// wait blocks until the pump has passed marker seq (or timeout).
func (p *pump) wait(seq int64, timeout time.Duration) {
	t := time.AfterFunc(timeout, func() {
		p.mu.Lock()
		p.cond.Broadcast()
		p.mu.Unlock()
	})
	defer t.Stop()
	deadline := time.Now().Add(timeout)
	p.mu.Lock()
	for p.seen < seq && !p.stopped && time.Now().Before(deadline) {
		p.cond.Wait()
	}
	p.mu.Unlock()
}

// flush makes sure everything written to the pipes so far has been
// forwarded to the current cell's writers: at once when both pipes are
// idle (most cells print nothing at their end), else by writing a marker
// through each pipe and waiting for its reader to pass it.
func (st *streams) flush() {
	if st.out.idle() && st.err.idle() {
		return
	}
	seq := st.seq.Add(1)
	m := []byte(markerPrefix + strconv.FormatInt(seq, 10) + "\x00")
	_, e1 := st.outW.Write(m)
	_, e2 := st.errW.Write(m)
	if e1 == nil {
		st.out.wait(seq, 2*time.Second)
	}
	if e2 == nil {
		st.err.wait(seq, 2*time.Second)
	}
}

// takePanics returns and clears the interpreted traceback lines.
func (st *streams) takePanics() []string {
	st.mu.Lock()
	defer st.mu.Unlock()
	p := st.panics
	st.panics = nil
	return p
}

func (st *streams) close() error {
	st.flush()
	if st.captured {
		os.Stderr = st.stderrVar
		_ = dup2(int(st.origStdout.Fd()), 1)
	}
	st.outW.Close()
	st.errW.Close()
	return nil
}

func dup2(from, to int) error { return syscall.Dup3(from, to, 0) }
