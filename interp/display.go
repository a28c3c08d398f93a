package interp

import "github.com/gokernel/gokernel/mlstd/host"

// The display contract: what a cell shows besides its text streams leaves
// the session as these events, delivered to Output.Show while the cell
// runs. Compiled mlstd code sends them through mlstd/host (display.Show,
// display.Handle, train.Progress); the front end renders them its own
// way — Jupyter messages in the kernel (internal/kernelcmd), nbformat
// outputs in `gokernel run` (internal/notebookrun), files and a redrawn
// status line on a terminal (internal/repl). They are mlstd/host's types,
// named here so that front ends speak to the session alone.
type (
	// Event is one of Display, Update, Clear and Status.
	Event = host.Event
	// Display shows a MIME bundle as a new output; with an ID it can be
	// updated in place.
	Display = host.Display
	// Update replaces the content of every output showing display ID.
	Update = host.Update
	// Clear clears the cell's output (with Wait: at the next output).
	Clear = host.Clear
	// Status is the live status line (a progress bar on a terminal).
	Status = host.Status
)
