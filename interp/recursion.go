package interp

import (
	"bytes"
	"errors"
	"fmt"
	"go/token"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gokernel/gokernel/mlstd/host"
)

// Unbounded recursion in a cell must not take the process down: Go's stack
// overflow is a fatal error that no recover sees (with yaegi a call of a
// method or func literal takes ~3.8 KB of Go stack in 6 frames, as it goes
// through reflect's wrapper, so it comes after ~140,000 nested calls, 1 GB
// and a few seconds; a call of a cell function takes 2 frames, see funcs.go). Every cell function,
// method and func literal that calls anything therefore starts with the
// interrupt poll. While a cell runs, the engine reads the size of all
// goroutine stacks every probeEvery; once it passes probeStackBytes it
// raises the poll flag, and the first goroutine to see it counts its own
// frames. Past maxStackFrames that goroutine ends with runtime.Goexit,
// which runs deferred calls as it unwinds and leaves the session's state
// intact. A panic would not do: yaegi recovers and re-panics in every
// interpreted frame without unwinding, which takes seconds at 2,000 nested
// calls and minutes at 4,000. Counting frames is slow at depth (~1 µs a
// frame), so a goroutine spends at most a fifth of its time on it.
const (
	probeEvery      = 50 * time.Millisecond
	probeStackBytes = 128 << 20
	// maxStackFrames is the Go stack depth, in frames, at which a goroutine
	// running cell code is stopped: 75,000 nested calls of cell functions,
	// 25,000 of methods or func literals (~95 MB of stack).
	maxStackFrames = 150_000
	framesPerCall  = 2 // Go frames of one call of a cell function (measured)
	framesPerWrap  = 6 // of a method or func literal, through reflect's wrapper
)

// recursionError is why a goroutine was stopped by Session.poll.
type recursionError struct {
	where string // "in rec (cell 2, line 1)"
}

func (e *recursionError) Error() string {
	return fmt.Sprintf("stack overflow: more than %d nested calls (%d of methods or func literals), %s: unbounded recursion? "+
		"The calls were stopped before the stack ran out; the session's state is intact", maxStackFrames/framesPerCall, maxStackFrames/framesPerWrap, e.where)
}

var errGoexit = errors.New("runtime.Goexit ended the cell")

// cellG is a goroutine running a chunk (see runProg).
type cellG struct {
	id       int64
	overflow atomic.Pointer[recursionError] // set when poll stopped it
}

// cellGoroutine registers the calling goroutine as one running a chunk;
// runProg deletes it when the chunk ends.
func (s *Session) cellGoroutine() *cellG {
	g := &cellG{id: goid()}
	s.cellGs.Store(g.id, g)
	return g
}

// poll is __gk.Poll, called by interpreted code that found the poll flag
// raised, at the top of function fn (or of a loop in it) at position pos.
// On an interrupt it panics with host.ErrInterrupted; on a depth probe it
// stops the calling goroutine if its stack is deeper than maxStackFrames:
// a chunk's goroutine then ends with a *recursionError, any other
// goroutine a cell started says so on stderr.
func (s *Session) poll(fn string, pos int) {
	if s.intr.interrupted() {
		panic(host.ErrInterrupted)
	}
	start := time.Now()
	var pc [1]uintptr
	deep := runtime.Callers(maxStackFrames, pc[:]) > 0
	s.intr.probed(time.Since(start))
	if !deep {
		return
	}
	e := &recursionError{where: s.where(fn, token.Pos(pos))}
	if g, ok := s.cellGs.Load(goid()); ok {
		g.(*cellG).overflow.Store(e)
	} else if p := s.prog.Load(); p != nil && s.opts.GoPanic != nil {
		s.opts.GoPanic(p.exit(s.cellError(p.cell, e)))
	} else {
		fmt.Fprintf(s.outs.errW, "goroutine stopped: %v\n", e)
	}
	runtime.Goexit()
}

// where names function fn at pos: "in rec (cell 2, line 1)".
func (s *Session) where(fn string, pos token.Pos) string {
	if fn == "" {
		fn = "cell code"
	}
	p := s.yi.FileSet().Position(pos)
	if !p.IsValid() {
		return "in " + fn
	}
	at := strings.TrimSuffix(cellPos(fmt.Sprintf("%s:%d:%d", p.Filename, p.Line, p.Column)), ":")
	return fmt.Sprintf("in %s (%s)", fn, at)
}

// goid is the calling goroutine's id, from the header of its stack trace.
func goid() int64 {
	var buf [64]byte
	b := bytes.TrimPrefix(buf[:runtime.Stack(buf[:], false)], []byte("goroutine "))
	if i := bytes.IndexByte(b, ' '); i > 0 {
		b = b[:i]
	}
	id, _ := strconv.ParseInt(string(b), 10, 64)
	return id
}

// stackBytes is the memory of all goroutine stacks.
func stackBytes() uint64 {
	m := []metrics.Sample{{Name: "/memory/classes/heap/stacks:bytes"}}
	metrics.Read(m)
	if m[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return m[0].Value.Uint64()
}
