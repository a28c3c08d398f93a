package host

import (
	"errors"
	"sync/atomic"
)

// ErrInterrupted is the panic value raised by Check after Interrupt. The
// session recognises it and reports the cell as interrupted.
var ErrInterrupted = errors.New("interrupted by user")

// An Event is something code shows besides plain text: a Display, an
// Update, a Clear or a Status. The front end decides how it looks.
type Event interface{ event() }

// Display shows a MIME bundle as a new output (IPython's display()).
type Display struct {
	// Data maps MIME types to content; it always has "text/plain".
	Data map[string]any
	// Metadata maps MIME types to display hints, such as an image's display
	// size ({"image/png": {"width": 640, "height": 480}}); nil means none.
	Metadata map[string]any
	// ID, when not "", names the display: a later Update with the same ID
	// replaces its content wherever it is shown.
	ID string
}

// Update replaces the content of every output showing display ID.
type Update struct {
	ID             string
	Data, Metadata map[string]any // as in Display
}

// Clear clears the running cell's output. With Wait the front end clears
// only when the next output arrives, which avoids flicker when redrawing.
type Clear struct{ Wait bool }

// Status is the live status line, such as a progress bar on a terminal:
// Line replaces the previous status line, and an empty Line takes it away.
// With Final the line is finished (an epoch's summary, a stopped bar): it
// stays as ordinary output and the next Status starts a new line. The
// front end draws it; Line holds no control characters.
type Status struct {
	Line  string
	Final bool
}

func (Display) event() {}
func (Update) event()  {}
func (Clear) event()   {}
func (Status) event()  {}

// Front is the front end of the session running the code.
type Front struct {
	// Show receives the events; nil means none (a test, a plain Go
	// program).
	Show func(Event)
	// Rich says the front end renders HTML and images (a notebook). When
	// false, live displays send Status lines instead.
	Rich bool
	// LiveStatus says a Status line is redrawn in place (a terminal).
	// When false, each Status shows as a line of its own.
	LiveStatus bool
}

// A Session is one session's side of the host: the front end its code
// shows on and its interrupt flag. The zero value is a session with no
// front end and no interrupt pending.
type Session struct {
	interrupted atomic.Bool
	front       atomic.Pointer[Front]
}

var (
	process Session // the current session when none entered
	current atomic.Pointer[Session]
)

// Enter makes s the current session, the one Check, Show, Rich,
// LiveStatus and the package-level Interrupt, Reset and SetFront act on;
// nil makes the process's own session current again.
func Enter(s *Session) {
	current.Store(s)
}

func cur() *Session {
	if s := current.Load(); s != nil {
		return s
	}
	return &process
}

// SetFront installs the front end that receives s's events; the zero
// Front removes it. Rich and LiveStatus count only with a Show function.
func (s *Session) SetFront(f Front) {
	if f.Show == nil {
		s.front.Store(nil)
		return
	}
	s.front.Store(&f)
}

func (s *Session) frontEnd() Front {
	if f := s.front.Load(); f != nil {
		return *f
	}
	return Front{}
}

// Interrupt asks s's running code to stop at its next Check.
func (s *Session) Interrupt() { s.interrupted.Store(true) }

// Reset clears a pending interrupt of s: the session does before each
// cell, and code that took an interrupt as handled does (a second
// interrupt then stops it again).
func (s *Session) Reset() { s.interrupted.Store(false) }

// Interrupted reports whether an interrupt of s is pending.
func (s *Session) Interrupted() bool { return s.interrupted.Load() }

// SetFront installs the current session's front end (Session.SetFront).
func SetFront(f Front) { cur().SetFront(f) }

// Show hands e to the current session's front end. It reports whether
// there was one.
func Show(e Event) bool {
	f := cur().frontEnd()
	if f.Show == nil {
		return false
	}
	f.Show(e)
	return true
}

// Rich reports whether the front end renders HTML and images.
func Rich() bool { return cur().frontEnd().Rich }

// LiveStatus reports whether the front end redraws a Status line in place.
func LiveStatus() bool { return cur().frontEnd().LiveStatus }

// Interrupt asks the current session's running code to stop at its next
// Check.
func Interrupt() { cur().Interrupt() }

// Reset clears the current session's pending interrupt.
func Reset() { cur().Reset() }

// Interrupted reports whether an interrupt of the current session is
// pending.
func Interrupted() bool { return cur().Interrupted() }

// Check panics with ErrInterrupted if an interrupt of the current session
// is pending. It is cheap (two atomic loads) and meant for the top of long
// loops.
func Check() {
	if cur().interrupted.Load() {
		panic(ErrInterrupted)
	}
}
