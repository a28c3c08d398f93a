package interp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"reflect"
	"sort"
	"strings"
	"syscall"
	"time"
)

type magicResult struct {
	result map[string]any
	err    error
}

const magicHelp = `gokernel cells are Go: statements, declarations and imports in any order.
The value of a trailing expression is shown. fmt, math, strings, time, os, the
mlstd packages (tensor, nn, optim, data, train, chart, ...) and gonum/plot are
imported automatically when used.

Help (IPython's syntax, shown in the pager):
  NAME? or ?NAME   documentation of a variable, function, type or package
                   member (fmt.Println?, m.Forward?)
  NAME??           the same with the Go source of a package member

Magics (each on a line of its own, anywhere among a cell's Go code):
  %help            this text
  %time STMT       run one line and print its wall time
  %%time           (first line) run the cell and print its wall time
  %who             list the variables defined so far
  %env [K[=V]]     show or set environment variables
  %cd [DIR]        show or change the working directory
  %reset           forget all variables, functions, types and imports
  !CMD             run a shell command, output streamed

Engine notes (yaegi): generic functions declared in cells must be called with
explicit type arguments when inference fails (Map[int, string](xs, f)).
A changed type is a new type; earlier functions and methods that mention it are
re-bound (the cell lists them). Redefining a method alone needs %reset.
Interrupt stops loops, time.Sleep and channel waits within milliseconds.`

// magic runs a help query (NAME?) or a %%time cell; ok is false for
// anything else. Line magics and shell commands (%who, !ls) may stand on
// any line of a cell among Go code: execCell runs them in their place
// (splitMagics, magicLine).
func (s *Session) magic(ctx context.Context, n int, code string, out Output) (m magicResult, ok bool) {
	trim := strings.TrimSpace(code)
	if name, detail, ok := helpQuery(trim); ok {
		return magicResult{err: s.page(name, detail, out)}, true
	}
	if strings.HasPrefix(trim, "%%time") {
		body := strings.TrimPrefix(trim, "%%time")
		start := time.Now()
		r, err := s.execCell(ctx, n, body, nil)
		fmt.Fprintf(out.Stdout, "Wall time: %v\n", time.Since(start).Round(time.Microsecond))
		return magicResult{r, err}, true
	}
	return m, false
}

// magicLine runs one %magic or !command line of the running cell.
func (s *Session) magicLine(ctx context.Context, n int, l string) (map[string]any, error) {
	out := *s.cur.Load()
	s.outs.flush() // what the Go lines above printed comes first
	if strings.HasPrefix(l, "!") {
		return nil, s.shell(ctx, n, strings.TrimSpace(l[1:]), out)
	}
	return s.lineMagic(ctx, n, l[1:], out)
}

func (s *Session) lineMagic(ctx context.Context, n int, l string, out Output) (map[string]any, error) {
	name, arg, _ := strings.Cut(l, " ")
	arg = strings.TrimSpace(arg)
	switch name {
	case "help", "?":
		io.WriteString(out.Stdout, magicHelp+"\n")
	case "time":
		start := time.Now()
		r, err := s.execCell(ctx, n, arg, nil)
		fmt.Fprintf(out.Stdout, "Wall time: %v\n", time.Since(start).Round(time.Microsecond))
		return r, err
	case "who":
		g := s.globals()
		var names []string
		for k := range g {
			if !strings.HasPrefix(k, "__gk") {
				names = append(names, k)
			}
		}
		sort.Strings(names)
		if len(names) == 0 {
			fmt.Fprintln(out.Stdout, "no variables defined")
		}
		types := s.cellTypes(ctx)
		for _, k := range names {
			fmt.Fprintf(out.Stdout, "%-12s %s\n", k, typeName(g[k], types))
		}
	case "env":
		if arg == "" {
			env := os.Environ()
			sort.Strings(env)
			fmt.Fprintln(out.Stdout, strings.Join(env, "\n"))
			return nil, nil
		}
		k, v, set := strings.Cut(arg, "=")
		if !set {
			fmt.Fprintln(out.Stdout, os.Getenv(k))
			return nil, nil
		}
		os.Setenv(k, v)
		// The interpreter's os package sees a private copy of the environment.
		_, err := s.execCell(ctx, n, fmt.Sprintf("os.Setenv(%q, %q)", k, v), nil)
		return nil, err
	case "cd":
		if arg != "" {
			if err := os.Chdir(arg); err != nil {
				return nil, &CellError{Name: "MagicError", Value: err.Error(), Traceback: []string{"%cd: " + err.Error()}}
			}
		}
		wd, _ := os.Getwd()
		fmt.Fprintln(out.Stdout, wd)
	case "reset":
		if err := s.reset(); err != nil {
			return nil, &CellError{Name: "MagicError", Value: err.Error(), Traceback: []string{"%reset: " + err.Error()}}
		}
		fmt.Fprintln(out.Stdout, "session reset: all variables, functions, types and imports are gone")
	default:
		v := fmt.Sprintf("unknown magic %%%s (try %%help)", name)
		return nil, &CellError{Name: "MagicError", Value: v, Traceback: []string{v}}
	}
	return nil, nil
}

func typeName(v reflect.Value, names map[reflect.Type]string) string {
	if !v.IsValid() {
		return "constant"
	}
	return typeLabel(v.Type(), names)
}

// Shell commands run in a process group of their own. On an interrupt the
// group gets SIGINT, as a terminal's Ctrl-C would send, and SIGKILL if it
// has not ended after shellGrace. Once sh has exited, output still held
// open by a process that left the group or was started in the background
// (`!server &`) is waited for at most shellPipeWait.
const (
	shellGrace    = 300 * time.Millisecond
	shellPipeWait = 200 * time.Millisecond
)

// shell runs cmd with sh -c, streaming its output; Interrupt (or cancelling
// ctx) stops the command and everything it started.
func (s *Session) shell(ctx context.Context, n int, cmdline string, out Output) error {
	cmd := exec.Command("/bin/sh", "-c", cmdline)
	cmd.Stdout, cmd.Stderr = out.Stdout, out.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.WaitDelay = shellPipeWait
	if err := cmd.Start(); err != nil {
		return &CellError{Name: "ShellError", Value: err.Error(), Traceback: []string{"!" + cmdline + ": " + err.Error()}}
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil && !errors.Is(err, exec.ErrWaitDelay) {
			v := fmt.Sprintf("!%s: %v", cmdline, err)
			return &CellError{Name: "ShellError", Value: v, Traceback: []string{v}}
		}
		return nil
	case <-s.intr.channel():
	case <-ctx.Done():
	}
	pgid := -cmd.Process.Pid
	_ = syscall.Kill(pgid, syscall.SIGINT)
	select {
	case <-done:
	case <-time.After(shellGrace):
		_ = syscall.Kill(pgid, syscall.SIGKILL)
		<-done
	}
	// Anything of the group that outlived sh (sh may exit on SIGINT before
	// its children do) must not run on.
	_ = syscall.Kill(pgid, syscall.SIGKILL)
	return &CellError{Name: "KeyboardInterrupt", Value: "interrupted by user", Traceback: []string{"KeyboardInterrupt: !" + cmdline + " was stopped"}}
}
