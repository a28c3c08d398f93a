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
	// is produced, rich output through out.Publish. result is the MIME
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
	// Publish sends rich output: "display_data", "update_display_data" and
	// "clear_output" with their Jupyter content, published on iopub with
	// the request as parent and nothing dropped. msgType "page" with content
	// {"data": bundle, "start": line} adds a pager payload to the
	// execute_reply instead.
	Publish func(msgType string, content map[string]any)
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
