package interp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gokernel/gokernel/interp/symbols"
	"github.com/gokernel/gokernel/mlstd/host"
	yaegi "github.com/traefik/yaegi/interp"
)

// Options configure a Session.
type Options struct {
	// CaptureFDs dup2s a pipe onto fd 1 and makes os.Stderr a pipe so that
	// compiled output reaches the running cell; the originals stay
	// reachable through (*Session).LogWriter() for the host program's own
	// log. fd 2 itself is left alone: a fatal runtime error (which no
	// recover sees) writes its reason there, and it must reach the log.
	CaptureFDs bool
	// Dir is the working directory for relative paths (default: current).
	Dir string
	// Args are the os.Args seen by cells (default: {"gokernel"}).
	Args []string
	// GoPanic, when set, receives a panic that escaped a goroutine a cell
	// started, as the *CellError a cell's panic would be (an *ExitError for
	// os.Exit and log.Fatal), instead of a report on the cell's stderr and
	// the session going on. Once RunFile has run a program, it receives
	// the *ExitError that program ends with (RunFile's error), also for a
	// goroutine stopped by unbounded recursion. The script runner ends the
	// process with it, as a Go program ends.
	GoPanic func(err error)
}

// Output receives what a cell produces while it runs.
type Output struct {
	// Stdout and Stderr receive the cell's text output as it is written.
	// Nil discards.
	Stdout, Stderr io.Writer
	// Show receives what the cell shows besides text, as typed events
	// (display.go): Display, Update, Clear and Status. Nil shows nothing.
	Show func(Event)
	// Rich says Show renders HTML and images (a notebook). When false (the
	// REPL saves images to files), live displays such as training progress
	// send Status lines instead.
	Rich bool
	// LiveStatus says Show redraws a Status line in place (a terminal);
	// when false each Status is a line of its own.
	LiveStatus bool
	// Page receives help text for the front end's pager (`name?`), a MIME
	// bundle; nil means it is printed on Stdout.
	Page func(bundle map[string]any)
	// Input reads one line of input for the cell; nil means no stdin.
	Input func(prompt string, password bool) (string, error)
}

// CellError describes why a cell failed: a compile error, a panic or an
// interrupt (Name "KeyboardInterrupt").
type CellError struct {
	Name, Value string
	Traceback   []string // never empty
	cause       error    // the engine's own error behind it, if any
}

func (e *CellError) Error() string { return e.Name + ": " + e.Value }

func (e *CellError) Unwrap() error { return e.cause }

// ExitError is the error of a cell that called os.Exit(Code), or log.Fatal
// (which prints its message and calls os.Exit(1)): the cell ended there and
// the session goes on; a program's front end exits with Code. It wraps the
// *CellError (Name "Exit") that a notebook shows. RunFile reports every
// way a program ends other than by returning from main as one (see there).
type ExitError struct {
	Code int
	*CellError
	// Report is what the compiled program would print on stderr as it
	// ends (RunFile only; empty after os.Exit and log.Fatal, which print
	// nothing more).
	Report string
	// Interrupted says the program was stopped by Interrupt, where a
	// compiled program would have died of SIGINT (RunFile only; Code 130).
	Interrupted bool
}

func (e *ExitError) Unwrap() error { return e.CellError }

// EscalateAfter is how long Execute waits after Interrupt for the cell to
// stop cooperatively before it abandons it.
const EscalateAfter = 3 * time.Second

// Session is one interpreter with its state (variables, functions, types,
// imports). It runs one cell at a time; Interrupt, IsComplete, Complete and
// Inspect may be called from any goroutine.
type Session struct {
	opts Options
	yi   *yaegi.Interpreter

	run       sync.Mutex // held while a cell runs
	state     sync.Mutex // guards the fields below
	cell      int
	imports   map[string]string                   // local name -> import path
	decls     map[string]string                   // "type T" / "method T.M" -> source of the definition
	cellLines int                                 // lines of the running cell, to clamp error positions
	spans     []funcSpan                          // where cell functions live, to name them in tracebacks
	funcs     map[string]*cellFunc                // the cell functions (funcs.go)
	sources   map[string]*declSource              // "type T", "method T.M", "func f" -> its source, to re-bind it (retype.go)
	types     *typeView                           // the session as go/types sees it (typecheck.go); the cell goroutine's
	iters     rangeFuncs                          // the running cell's ranges over functions (rangefunc.go); the cell goroutine's
	wrappers  bool                                // slicesHelperSource is compiled (slices.go); the cell goroutine's
	chans     chanElems                           // the running cell's channel element types (selects.go); the cell goroutine's
	aliases   localAliases                        // the running cell's uses of local type aliases (aliases.go); the cell goroutine's
	asserts   nilAsserts                          // the running cell's comma-ok assertions to compiled interfaces (asserts.go); the cell goroutine's
	mainLine  int                                 // the line of the running cell's func main, called when the cell's code has run (0: none); the cell goroutine's
	loaded    map[string]bool                     // import paths whose tables s.yi has (loadPackages); the cell goroutine's
	own       map[string]map[string]reflect.Value // the session's own symbols by import path (runtimeSymbols)

	cur    atomic.Pointer[Output] // the running (or last) cell's output
	outs   *streams
	host   *host.Session // what compiled code reaches of the session: its front end, its interrupt flag
	intr   *interrupter
	result atomic.Pointer[resultBox]
	// timers counts the program's time.AfterFunc timers not yet fired (a
	// stopped one stays counted): while any is, watchDeadlock does not
	// stop the program, whose callback may still wake it.
	timers atomic.Int64
	kept   []any // values handed over by __gk.Keep (see defineViaProbe)
	rel    releaser
	cellGs sync.Map // goroutine id -> *cellG of every goroutine running a chunk
	// epoch counts compiles and runs, after which globals may differ;
	// globalsMap is globals() as of epoch globalsAt (cell goroutine only).
	epoch, globalsAt int
	globalsMap       map[string]reflect.Value
	logw             io.Writer
	closed           atomic.Bool
	prog             atomic.Pointer[program] // the program RunFile ran, if any
}

type resultBox struct {
	v    any
	text string
}

// New starts a session.
func New(opts Options) (*Session, error) {
	if len(opts.Args) == 0 {
		opts.Args = []string{"gokernel"}
	}
	if opts.Dir != "" {
		if err := os.Chdir(opts.Dir); err != nil {
			return nil, fmt.Errorf("interp: %v", err)
		}
	}
	hs := new(host.Session)
	s := &Session{
		opts:    opts,
		imports: map[string]string{},
		decls:   map[string]string{},
		host:    hs,
		intr:    newInterrupter(hs),
		logw:    os.Stderr,
	}
	outs, err := newStreams(s, opts.CaptureFDs)
	if err != nil {
		return nil, err
	}
	s.outs = outs
	if opts.CaptureFDs {
		s.logw = outs.origStderr
		// The standard logger (the host's, and yaegi's log.Panic on
		// internal errors) goes to the real stderr, not into a cell.
		log.SetOutput(yaegiLogFilter{s.logw})
	}
	if err := s.reset(); err != nil {
		return nil, err
	}
	return s, nil
}

// reset replaces the interpreter with a fresh one (New and %reset).
func (s *Session) reset() error {
	stdin := &stdinReader{s: s}
	// os.Args and the environment cells see are runtimeSymbols' (yaegi
	// reads Options.Args and Env only in the stdlib loading it is not
	// given, see loadPackages).
	yi := yaegi.New(yaegi.Options{
		Stdin:  stdin,
		Stdout: s.outs.outW,
		Stderr: s.outs.errW,
	})
	own, types := s.runtimeSymbols(stdin)
	mapTypes, _ := symbols.Table(".")
	for _, e := range []yaegi.Exports{{".": mapTypes}, {".": {"MapTypes": reflect.ValueOf(types)}}} {
		if err := yi.Use(e); err != nil {
			return fmt.Errorf("interp: loading runtime symbols: %v", err)
		}
	}
	s.state.Lock()
	s.yi = yi
	s.own = own
	s.loaded = map[string]bool{}
	s.wrappers = false
	s.globalsMap = nil
	s.imports = map[string]string{rtName: rtPath, fmtName: "fmt"}
	s.decls = map[string]string{}
	s.funcs = map[string]*cellFunc{}
	s.sources = map[string]*declSource{}
	s.types = newTypeView()
	s.state.Unlock()
	if err := s.bootstrap(); err != nil {
		return fmt.Errorf("interp: bootstrap: %v", err)
	}
	// What the bootstrap compiled stays as it is (freeze first).
	s.rel = releaser{}
	s.rel.freeze(s.yi)
	s.rel.release(s.yi)
	return nil
}

// bootstrap imports the runtime helper package and declares helpers.
func (s *Session) bootstrap() error {
	if err := s.loadPackages([]string{rtPath, "fmt"}); err != nil {
		return err
	}
	_, err := s.yi.Eval(`import (
	` + rtName + ` "` + rtPath + `"
	` + fmtName + ` "fmt"
)`)
	if err != nil {
		return err
	}
	if _, err := s.yi.Eval(helperSource); err != nil {
		return err
	}
	s.intr.mu.Lock()
	defer s.intr.mu.Unlock()
	return s.intr.flag.bind(s.yi)
}

// LogWriter returns the process's original stderr, for the host program's own log.
func (s *Session) LogWriter() io.Writer { return s.logw }

// Flush returns once everything cells have written to os.Stdout and
// os.Stderr so far has reached the Output writers. A host program that
// writes to the same terminal outside those pipes calls it first to keep
// program order (Show and Page are called after it already). Safe from
// any goroutine, but not while holding a lock the Output writers take.
func (s *Session) Flush() { s.outs.flush() }

// Close stops the output readers and restores fds 1 and 2 if they were captured.
func (s *Session) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	s.Interrupt()
	return s.outs.close()
}

// Interrupt asks the running cell to stop. Loops, time.Sleep, channel waits
// and mlstd's long loops notice within milliseconds; if the cell has not
// stopped after EscalateAfter it is abandoned (see runProg). Safe from any
// goroutine.
func (s *Session) Interrupt() {
	s.intr.trigger()
}

// Execute runs one cell. result is the MIME bundle of a trailing expression
// (nil if the cell does not end in one); err is a *CellError for compile
// errors, panics and interrupts. Cancelling ctx abandons the running cell
// at once, as an interrupt does after EscalateAfter.
func (s *Session) Execute(ctx context.Context, code string, out Output) (result map[string]any, err error) {
	return s.execute(ctx, code, out, nil)
}

// execute is Execute; with p, the cell is the program p (RunFile).
func (s *Session) execute(ctx context.Context, code string, out Output, p *program) (result map[string]any, err error) {
	if ctx == nil {
		ctx = context.Background()
	}
	entered := time.Now()
	s.run.Lock()
	defer s.run.Unlock()
	if s.closed.Load() {
		return nil, &CellError{Name: "SessionClosed", Value: "interp: session is closed", Traceback: []string{"interp: session is closed"}}
	}
	if out.Stdout == nil {
		out.Stdout = io.Discard
	}
	if out.Stderr == nil {
		out.Stderr = io.Discard
	}
	s.state.Lock()
	s.cell++
	n := s.cell
	s.state.Unlock()
	if p != nil {
		p.cell = n
		s.prog.Store(p)
	}

	// What a cell shows must not overtake text it wrote before (through
	// the fd pipes), nor may a Clear clear text written after it: drain the
	// pipes first.
	if show := out.Show; show != nil {
		out.Show = func(e Event) {
			s.outs.flush()
			show(e)
		}
	}
	if page := out.Page; page != nil {
		out.Page = func(bundle map[string]any) {
			s.outs.flush()
			page(bundle)
		}
	}
	s.cur.Store(&out)
	// An interrupt that arrived after this call was made (while it waited
	// for the previous cell, or just before this line) is for this cell.
	s.intr.resetBefore(entered)
	// Compiled code reaches this session through mlstd/host: it stays the
	// current one after the cell (a background goroutine's compiled loop
	// still sees its interrupts), its front end only while the cell runs.
	host.Enter(s.host)
	s.host.SetFront(host.Front{Show: out.Show, Rich: out.Rich, LiveStatus: out.LiveStatus})
	defer func() {
		s.host.SetFront(host.Front{})
		s.outs.flush()
		s.rel.release(s.yi)
	}()

	if p == nil {
		if m, ok := s.magic(ctx, n, code, out); ok {
			return m.result, m.err
		}
	}
	return s.execCell(ctx, n, code, p)
}

// exec compiles and runs one chunk.
func (s *Session) exec(ctx context.Context, node any) (res reflect.Value, err error) {
	prog, err := s.compile(node)
	if err != nil {
		return res, err
	}
	return s.runProg(ctx, prog)
}

// runProg runs a compiled chunk under recover, watching ctx and the interrupt
// escalation timer. yaegi's own cancellation is never used: it silently
// breaks every closure created before it (they return zero values). A cell
// that does not stop after EscalateAfter, or whose ctx is cancelled, is
// abandoned instead: its goroutine stays blocked where it is and the
// session goes on with everything intact.
func (s *Session) runProg(ctx context.Context, prog *yaegi.Program) (res reflect.Value, err error) {
	type ret struct {
		v   reflect.Value
		err error
	}
	done := make(chan ret, 1) // buffered: an abandoned run may still finish
	go func() {
		g := s.cellGoroutine()
		var r ret
		returned := false
		defer func() {
			p := recover()
			s.cellGs.Delete(g.id)
			switch {
			case p != nil:
				r.err = yaegi.Panic{Value: p}
			case !returned: // runtime.Goexit: Session.poll's or the cell's own
				r.err = errGoexit
				if e := g.overflow.Load(); e != nil {
					r.err = e
				}
			}
			done <- r
		}()
		r.v, r.err = s.yi.Execute(prog)
		returned = true
	}()
	var escalate <-chan time.Time
	intr := s.intr.channel()
	probe := time.NewTicker(probeEvery)
	defer probe.Stop()
	for {
		select {
		case r := <-done:
			s.epoch++
			s.rel.done(prog)
			return r.v, r.err
		case <-probe.C:
			s.intr.probe()
		case <-intr:
			intr = nil
			t := time.NewTimer(EscalateAfter)
			defer t.Stop()
			escalate = t.C
		case <-escalate:
			if !s.intr.raised() { // the cell took the interrupt as handled (host.Reset)
				escalate, intr = nil, s.intr.channel()
				continue
			}
			s.epoch++
			s.rel.freeze(s.yi) // the abandoned chunk may still run
			return res, errHardStop
		case <-ctx.Done():
			s.epoch++
			s.rel.freeze(s.yi)
			return res, context.Cause(ctx)
		}
	}
}

var errHardStop = errors.New("interp: cell did not stop within " + EscalateAfter.String() + " of the interrupt")

// compile runs CompileAST under recover: yaegi's compiler panics on some inputs.
func (s *Session) compile(node any) (prog *yaegi.Program, err error) {
	s.epoch++
	defer func() {
		if p := recover(); p != nil {
			err = &compilePanic{p}
		}
	}()
	if err := s.loadPackages(chunkImports(node)); err != nil {
		return nil, err
	}
	switch n := node.(type) {
	case string:
		return s.yi.Compile(n)
	default:
		if err := s.loadWrappers(n); err != nil {
			return nil, err
		}
		return s.yi.CompileAST(asNode(n))
	}
}

type compilePanic struct{ v any }

func (c *compilePanic) Error() string { return fmt.Sprint(c.v) }

// yaegiLogFilter drops the lines yaegi's compiler logs just before it
// panics on some inputs ("nil type", "nil reflect type"): the engine
// recovers that panic and reports it in the cell, so the log line is noise.
type yaegiLogFilter struct{ w io.Writer }

func (f yaegiLogFilter) Write(p []byte) (int, error) {
	line := strings.TrimRight(string(p), "\n")
	if strings.HasSuffix(line, " nil type") || strings.HasSuffix(line, " nil reflect type") {
		return len(p), nil
	}
	return f.w.Write(p)
}

// interrupter is the cooperative stop flag polled by rewritten loops and
// function entries. Whether an interrupt is pending is the session's
// mlstd/host flag, which compiled code polls (host.Check) and may clear
// (host.Reset: code that takes the interrupt as handled goes on, as
// notebooks/mnist.go does); __gkstop and the channel follow it. Besides
// interrupts it carries depth probes: while a cell runs and goroutine
// stacks are large, __gkstop is raised now and then, and the first poll
// that sees it checks its goroutine's stack depth (see Session.poll).
type interrupter struct {
	mu      sync.Mutex
	flag    stopFlag      // __gkstop, polled at loop tops
	host    *host.Session // the pending interrupt
	ch      chan struct{} // closed by an interrupt
	shut    bool          // ch is closed
	probing bool          // stop is raised for a depth probe, not an interrupt
	next    time.Time     // no depth probe before then
	at      time.Time     // when the last trigger happened
}

func newInterrupter(hs *host.Session) *interrupter {
	return &interrupter{ch: make(chan struct{}), flag: newStopFlag(), host: hs}
}

func (in *interrupter) trigger() {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.probing = false
	in.host.Interrupt() // before __gkstop: a poll that sees it finds the interrupt
	in.flag.set(true)
	in.at = time.Now()
	if !in.shut {
		close(in.ch)
		in.shut = true
	}
}

// resetBefore clears an interrupt triggered before t; one triggered at or
// after t stays raised.
func (in *interrupter) resetBefore(t time.Time) {
	in.mu.Lock()
	keep := in.shut && !in.at.Before(t)
	in.mu.Unlock()
	if !keep {
		in.reset()
	}
}

func (in *interrupter) reset() {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.host.Reset()
	in.lower()
}

// lower lowers __gkstop and renews the channel after an interrupt or a
// depth probe; in.mu is held.
func (in *interrupter) lower() {
	in.probing = false
	in.flag.set(false)
	if in.shut {
		in.ch = make(chan struct{})
		in.shut = false
	}
}

// settle lowers the flag of an interrupt the code took as handled
// (host.Reset); in.mu is held. It reports whether one is still pending.
func (in *interrupter) settle() bool {
	if in.host.Interrupted() {
		return true
	}
	if in.shut {
		in.lower()
	}
	return false
}

// probe raises the flag for a depth check (recursion.go) when goroutine
// stacks are large, no interrupt is pending and the last check is far
// enough behind.
func (in *interrupter) probe() {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.shut || in.probing || time.Now().Before(in.next) || stackBytes() < probeStackBytes {
		return
	}
	in.probing = true
	in.flag.set(true)
}

// probed records that a depth check took d: the next one comes no sooner
// than four times that, so checks take at most a fifth of the time.
func (in *interrupter) probed(d time.Duration) {
	in.mu.Lock()
	in.next = time.Now().Add(4 * d)
	in.mu.Unlock()
}

// interrupted is the first half of __gk.Poll (Session.poll), called by
// interpreted code that found the flag raised: it lowers the flag of a
// probe or of a handled interrupt and reports whether an interrupt is
// pending.
func (in *interrupter) interrupted() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.settle() {
		return true
	}
	if in.probing {
		in.lower()
	}
	return false
}

// channel is closed by the next interrupt (or is, by a pending one).
func (in *interrupter) channel() <-chan struct{} {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.settle()
	return in.ch
}

// raised reports whether an interrupt is pending.
func (in *interrupter) raised() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.settle()
}

// stdinReader feeds fmt.Scan* in cells from Output.Input, one line per call.
type stdinReader struct {
	s   *Session
	buf []byte
}

func (r *stdinReader) Read(p []byte) (int, error) {
	if len(r.buf) == 0 {
		out := r.s.cur.Load()
		if out == nil || out.Input == nil {
			return 0, errors.New("interp: no input available (the front end does not allow stdin)")
		}
		line, err := out.Input("", false)
		if err != nil {
			return 0, err
		}
		r.buf = []byte(strings.TrimSuffix(line, "\n") + "\n")
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}
