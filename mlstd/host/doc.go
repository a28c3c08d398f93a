// Package host links compiled mlstd code to the session that runs it and
// to the front end showing that session: the notebook kernel, the headless
// notebook runner, the REPL or a script on a terminal.
//
// Two things cross that line:
//
//   - What code shows besides plain text, as typed events: Display (a new
//     output, a MIME bundle), Update (new content for a display shown
//     earlier), Clear (the cell's output) and Status (the live status line,
//     a training progress bar on a terminal). Compiled code never writes to
//     os.Stdout (in a notebook that would bypass the cell); it calls Show,
//     and the session hands the event to its front end, which renders it
//     its own way: Jupyter messages in the kernel, nbformat outputs in the
//     notebook runner, files and lines on a terminal. The events name no
//     Jupyter message and no escape code: the front end owns both. With no
//     front end installed, Show reports false and callers fall back to
//     whatever text form they have.
//   - The user's request to stop. The session calls Interrupt when the
//     user presses the stop button (or Ctrl-C); long-running compiled loops
//     call Check between steps (batches, epochs), which panics with
//     ErrInterrupted so the cell unwinds with its state intact. The session
//     calls Reset before each cell.
//
// A front end also says what it renders (Front): Rich, HTML and images (a
// notebook), else live displays pick their text form, Status lines; and
// LiveStatus, whether a Status line is redrawn in place (a terminal),
// else each one is printed as a line of its own and producers send them
// sparingly (mlstd/train's Progress: every 10 s instead of every 200 ms).
//
// Both belong to a Session: each interpreter session has one, its front
// end and its interrupt flag, and enters it (Enter) at each cell; the
// package-level functions act on the current session. So an interrupt or
// a Close of one session never stops another session's code. The session
// installs its front end for each cell and removes it after
// (interp.Session.Execute does): events a background goroutine sends after
// its cell ended have no front end and are dropped, as text printed then
// would have no cell. Which session is current is all that stays per
// process: compiled code calls Check and Show with no session at hand, and
// each gokernel process runs one session's cells, one at a time (a
// background goroutine of another session sees the current one). Without
// any Enter (a plain Go program, a test), the process has a session of its
// own.
package host
