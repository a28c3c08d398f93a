// Package repl is the engine's terminal front end: the interactive REPL
// (`gokernel`, `gokernel repl`, `gokernel run -i`) and the Terminal that
// scripts (`gokernel run FILE.go`) run on as well.
//
// # The REPL
//
// Run reads Go a line at a time at the prompt "go> ", asks the engine
// whether the input so far is a complete cell (Session.IsComplete) and
// shows "...> " until it is, then executes it on the same engine as the
// notebook. A line starting with % or ! is a magic and runs at once; a %%
// cell magic takes lines up to an empty one. A trailing expression's value
// is printed (text/plain); rich forms of it (PNG, SVG, HTML) are written to
// files whose paths are printed, as are those of what a cell shows while it
// runs (display.Show). Tab completes from the engine (Session.Complete).
// Ctrl-C interrupts a running cell (state is kept) and clears the line at
// the prompt; Ctrl-D exits. %open shows the last result file (or a named
// one) in the desktop's viewer ($GOKERNEL_OPEN, else xdg-open or open).
// History keeps whole entries, so Up recalls a multi-line cell at once, and
// persists in the user's config directory, one Go-quoted entry per line
// (history.go).
//
// # The terminal
//
// Terminal is the process's stdout and stderr as an engine Output, shared
// by the REPL and scripts: the terminal front end of the session's display
// contract (interp.Output.Show). Text passes through unchanged. A Display
// is saved to files (outN.ext for a cell's result, outN-K.ext for what it
// shows; an Update of a display overwrites its files) in a temporary
// directory made on first use; a Clear does nothing. The output is not
// Rich, so training progress (mlstd/train's bar) arrives as Status lines,
// drawn on stderr in place when it is a terminal, like tqdm: each new
// status line replaces the last, other output goes above it (the bar is
// erased, the text written, the bar drawn again below), and a final one
// (an epoch row) takes its place and stays; piped or redirected, each is a
// plain line (and mlstd sends them sparingly, host.LiveStatus). The escape
// codes are the terminal's alone: nothing is parsed back.
//
// Ctrl-C reaches the session through InterruptOnSignal; a script that
// ends by an interrupt dies of SIGINT (DieOfInterrupt), as a Go program
// does, so a shell loop running scripts stops.
package repl
