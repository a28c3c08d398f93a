package kernel

import (
	"context"
	"io"
)

// Evaluator runs cells for the kernel. The kernel never looks inside code;
// it only moves requests and results between the wire and an Evaluator.
// Execute is called from one goroutine at a time; Interrupt, IsComplete,
// Complete and Inspect may be called from any goroutine, also while Execute
// runs (the control channel and SIGINT use them).
type Evaluator interface {
	// Execute runs one cell. Text output goes to out.Stdout/out.Stderr as it
	// is produced, displays through out.Display and its siblings. result is the MIME
	// bundle of the cell's value (nil: none). A failed cell returns an error;
	// an *ExecError gives the name, value and traceback shown to the user.
	// Cancelling ctx is a hard stop; Interrupt is the cooperative one.
	Execute(ctx context.Context, code string, out Output) (result map[string]any, err error)
	// Interrupt asks the running cell to stop (a KeyboardInterrupt-like
	// error). It does nothing when no cell runs.
	Interrupt()
	// IsComplete returns "complete", "incomplete" (with the indent of the
	// next line) or "invalid".
	IsComplete(code string) (status, indent string)
	// Complete returns completions for the text before cursorPos; positions
	// count Unicode code points.
	Complete(code string, cursorPos int) (matches []string, start, end int)
	// Inspect returns a MIME bundle describing what is at cursorPos.
	Inspect(code string, cursorPos, detailLevel int) (bundle map[string]any, found bool)
}

// Output is where a running cell sends what it produces.
type Output struct {
	// Stdout and Stderr stream text; the kernel coalesces writes into
	// stream messages.
	Stdout, Stderr io.Writer
	// Display publishes display_data: data is a MIME bundle, metadata its
	// display hints (nil: {}); a displayID ("" for none) is sent as
	// transient.display_id so that UpdateDisplay can replace the output.
	// UpdateDisplay publishes update_display_data for displayID, and
	// ClearOutput clear_output. They go out on iopub with the request as
	// parent, nothing dropped. The three are set together, or all nil (for
	// user_expressions, which show nothing).
	Display, UpdateDisplay func(data, metadata map[string]any, displayID string)
	ClearOutput            func(wait bool)
	// Page adds a pager payload (help text, a MIME bundle) to the
	// execute_reply. Nil where there is no reply to carry it.
	Page func(data map[string]any)
	// Input asks the front end for one line (input_request on the stdin
	// channel). Nil when the request does not allow stdin.
	Input func(prompt string, password bool) (string, error)
}

// ExecError is a failed cell as the user sees it (the iopub "error"
// message and the error execute_reply).
type ExecError struct {
	Name, Value string
	Traceback   []string
}

func (e *ExecError) Error() string { return e.Name + ": " + e.Value }
