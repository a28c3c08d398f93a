package script

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/gokernel/gokernel/internal/repl"
	"github.com/gokernel/gokernel/interp"
)

// Run is `gokernel run FILE.go ARGS...`: it runs the Go file at path with
// args as os.Args[1:], reports a failure on stderr as the compiled program
// would, and returns its exit status; with interactive the REPL follows on
// the same session. A script interrupted by Ctrl-C (without interactive)
// ends the process by SIGINT instead of returning.
func Run(ctx context.Context, path string, args []string, interactive bool, stderr io.Writer) int {
	src, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintf(stderr, "gokernel run: %v\n", err)
		return 1
	}
	scriptArgs := append([]string{path}, args...)
	// Compiled packages the script calls (flag.Parse reads os.Args) see
	// the script's arguments too.
	os.Args = scriptArgs
	opts := interp.Options{Args: scriptArgs}
	var sess *interp.Session
	if !interactive {
		// A panic in a goroutine ends a program; with -i the session goes
		// on into the REPL, as after a panic in the script itself.
		opts.GoPanic = func(err error) {
			sess.Flush()
			code, _ := report(err, stderr)
			os.Exit(code)
		}
	}
	sess, err = interp.New(opts)
	if err != nil {
		fmt.Fprintf(stderr, "gokernel run: %v\n", err)
		return 1
	}
	term := repl.ProcessTerminal()
	stop := repl.InterruptOnSignal(sess, true)
	err = term.RunFile(ctx, sess, path, src)
	stop()
	code, interrupted := report(err, stderr)
	if interactive {
		code = repl.Run(ctx, sess, term, repl.Options{})
	}
	sess.Close()
	if interrupted && !interactive {
		repl.DieOfInterrupt()
	}
	return code
}

// report prints how a program ended (an *interp.ExitError from RunFile)
// and returns its exit status.
func report(err error, stderr io.Writer) (code int, interrupted bool) {
	if err == nil {
		return 0, false
	}
	var ee *interp.ExitError
	if !errors.As(err, &ee) {
		fmt.Fprintf(stderr, "gokernel run: %v\n", err)
		return 1, false
	}
	if ee.Report != "" {
		fmt.Fprintln(stderr, ee.Report)
	}
	return ee.Code, ee.Interrupted
}
