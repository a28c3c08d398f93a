// Package host links compiled mlstd code to the engine that runs it (the
// notebook kernel, the headless notebook runner, a script or the REPL).
//
// Two things cross that line:
//
//   - Output that is not plain text. Compiled code never writes to os.Stdout
//     (in a notebook that would bypass the cell); it calls Publish, and the
//     engine turns the message into a Jupyter display_data,
//     update_display_data or clear_output message, or into text on a
//     terminal. With no sink installed, Publish reports false and callers
//     fall back to whatever text form they have.
//   - The user's request to stop. The engine calls Interrupt when the user
//     presses the stop button (or Ctrl-C); long-running compiled loops call
//     Check between steps (batches, epochs), which panics with ErrInterrupted
//     so the cell unwinds with its state intact. The engine calls Reset
//     before each cell.
//
// A third, set once by a host program without a rich front end (the REPL,
// `gokernel run`), is where text forms of live displays go: SetText names
// the writer and whether it is a live terminal, where a status line may be
// redrawn in place with "\r" (mlstd/train's progress bar does); otherwise
// they write plain lines. Nothing is set by default, so a test or a plain
// Go program gets no text unless it asks.
//
// All three are process-wide because a yaegi interpreter runs one cell at
// a time.
package host

import (
	"errors"
	"io"
	"sync"
	"sync/atomic"
)

// ErrInterrupted is the panic value raised by Check after Interrupt. The
// engine recognises it and reports the cell as interrupted.
var ErrInterrupted = errors.New("interrupted by user")

// A Sink receives rich output. msgType is "display_data",
// "update_display_data" or "clear_output"; content is the Jupyter message
// content for that type, e.g. {"data": {...}, "metadata": {}, "transient":
// {"display_id": "..."}} or {"wait": true}.
type Sink func(msgType string, content map[string]any)

var (
	interrupted atomic.Bool
	mu          sync.RWMutex
	sink        Sink
	rich        atomic.Bool
	text        io.Writer
	textLive    bool
)

// SetSink installs the function that receives rich output; nil removes it.
// richFrontend says whether the receiver renders HTML and images (a notebook
// does; a terminal does not), so progress displays can pick their form.
func SetSink(s Sink, richFrontend bool) {
	mu.Lock()
	sink = s
	mu.Unlock()
	rich.Store(s != nil && richFrontend)
}

// Publish sends one message to the sink. It reports whether a sink took it.
func Publish(msgType string, content map[string]any) bool {
	mu.RLock()
	s := sink
	mu.RUnlock()
	if s == nil {
		return false
	}
	s(msgType, content)
	return true
}

// Rich reports whether the current sink renders HTML and images.
func Rich() bool { return rich.Load() }

// SetText sets where live displays write their text form when the front
// end is not rich (nil: nowhere, the default). live says w is a terminal
// on which a line may be redrawn in place: a write may start with "\r"
// and end without a newline, and the next such write replaces it. The
// host program calls it once, before running code.
func SetText(w io.Writer, live bool) {
	mu.Lock()
	text, textLive = w, w != nil && live
	mu.Unlock()
}

// Text returns the writer and live flag set by SetText.
func Text() (w io.Writer, live bool) {
	mu.RLock()
	defer mu.RUnlock()
	return text, textLive
}

// Interrupt asks running code to stop at its next Check.
func Interrupt() { interrupted.Store(true) }

// Reset clears a pending interrupt; the engine calls it before each cell.
func Reset() { interrupted.Store(false) }

// Interrupted reports whether an interrupt is pending.
func Interrupted() bool { return interrupted.Load() }

// Check panics with ErrInterrupted if an interrupt is pending. It is cheap
// (one atomic load) and meant for the top of long loops.
func Check() {
	if interrupted.Load() {
		panic(ErrInterrupted)
	}
}
