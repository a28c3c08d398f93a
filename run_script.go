package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/signal"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/chzyer/readline"
	"github.com/gokernel/gokernel/interp"
)

// Scripts run on the same engine as notebook cells. A file without a
// package clause is one cell (top-level statements, declarations and
// imports in any order). A `package main` file is the same cell with two
// changes, made by scriptSource, because the engine runs a file's
// declarations in order rather than as a Go package:
//
//   - func main and the init funcs are renamed (yaegi would run a main it
//     sees at once, before the functions declared after it exist), and
//     calls to the inits and then main are appended at the end;
//   - a shebang line becomes a comment.
//
// Both keep every line where it was, so engine errors ("cell 1, line 7:")
// translate to "train.go:7:".

// scriptMain and scriptInit are the names main and init get in a script.
const (
	scriptMain = "gokernel_main"
	scriptInit = "gokernel_init"
)

// scriptSource returns the cell the engine runs for the Go file name with
// contents src.
func scriptSource(name string, src []byte) (string, error) {
	code := string(src)
	if strings.HasPrefix(code, "#!") {
		code = "//" + code[2:]
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, code, parser.PackageClauseOnly)
	if err != nil || f.Name == nil {
		return code, nil // no package clause: the cell language (errors are the engine's to report)
	}
	if f.Name.Name != "main" {
		return "", fmt.Errorf("run: %s: package %s is not a main package", name, f.Name.Name)
	}
	f, err = parser.ParseFile(fset, name, code, parser.SkipObjectResolution)
	if err != nil {
		return "", fmt.Errorf("run: %s", scanErrors(err))
	}
	type edit struct {
		off  int
		name string
	}
	var edits []edit
	hasMain := false
	inits := 0
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Recv != nil {
			continue
		}
		switch fd.Name.Name {
		case "main":
			hasMain = true
			edits = append(edits, edit{fset.Position(fd.Name.Pos()).Offset, scriptMain})
		case "init":
			inits++
			edits = append(edits, edit{fset.Position(fd.Name.Pos()).Offset, scriptInit + strconv.Itoa(inits)})
		}
	}
	if !hasMain {
		return "", fmt.Errorf("run: %s: function main is undeclared in the main package", name)
	}
	// Calls of main elsewhere in the file (rare, but legal) follow the rename.
	ast.Inspect(f, func(n ast.Node) bool {
		if c, ok := n.(*ast.CallExpr); ok {
			if id, ok := c.Fun.(*ast.Ident); ok && id.Name == "main" {
				edits = append(edits, edit{fset.Position(id.Pos()).Offset, scriptMain})
			}
		}
		return true
	})
	sort.Slice(edits, func(i, j int) bool { return edits[i].off > edits[j].off })
	for _, e := range edits {
		end := e.off + len("main")
		if strings.HasPrefix(code[e.off:], "init") {
			end = e.off + len("init")
		}
		code = code[:e.off] + e.name + code[end:]
	}
	var b strings.Builder
	b.WriteString(strings.TrimRight(code, "\n"))
	b.WriteString("\n")
	for i := 1; i <= inits; i++ {
		fmt.Fprintf(&b, "%s%d(); ", scriptInit, i)
	}
	b.WriteString(scriptMain + "()\n")
	return b.String(), nil
}

func scanErrors(err error) string {
	s := err.Error()
	if i := strings.Index(s, " (and "); i > 0 {
		s = s[:i]
	}
	return s
}

// exitRe matches the panic the restricted os.Exit raises.
var exitRe = regexp.MustCompile(`^os\.Exit\((-?\d+)\)$`)

// scriptExit returns the exit status for a script's outcome: 0, n for
// os.Exit(n), 130 for an interrupt (as a shell reports SIGINT), 2 for a
// panic (as Go does) and 1 for errors before the script ran.
func scriptExit(err error) (code int, exited bool) {
	if err == nil {
		return 0, false
	}
	var ce *interp.CellError
	if !errors.As(err, &ce) {
		return 1, false
	}
	if m := exitRe.FindStringSubmatch(ce.Value); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n, true
	}
	switch ce.Name {
	case "KeyboardInterrupt":
		return 130, false
	case "panic", "runtime error":
		return 2, false
	}
	return 1, false
}

// cellOneRe finds the engine's positions in the script's cell (cell 1).
var cellOneRe = regexp.MustCompile(`\bcell 1, line (\d+):?`)

// scriptMessage renders a failed script's error with positions in file.
func scriptMessage(file string, err error) string {
	var ce *interp.CellError
	if !errors.As(err, &ce) {
		return err.Error()
	}
	repl := func(s string) string {
		s = cellOneRe.ReplaceAllString(s, file+":$1:")
		s = strings.ReplaceAll(s, "cell 1: ", file+": ")
		s = strings.ReplaceAll(s, scriptMain, "main")
		return strings.ReplaceAll(s, scriptInit, "init")
	}
	var lines []string
	for _, l := range ce.Traceback {
		lines = append(lines, repl(l))
	}
	if ce.Name == "KeyboardInterrupt" {
		return "KeyboardInterrupt: " + repl(ce.Value)
	}
	return strings.Join(lines, "\n")
}

// runScript runs a Go script file in sess with the terminal as its
// standard streams and returns the engine's outcome.
func runScript(ctx context.Context, sess *interp.Session, file string, term *terminal) error {
	src, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("run: %w", err)
	}
	code, err := scriptSource(file, src)
	if err != nil {
		return err
	}
	stop := interruptOnSignal(sess, true)
	defer stop()
	_, err = sess.Execute(ctx, code, term.output(stdinLine))
	term.finish()
	return err
}

// interruptOnSignal turns SIGINT (Ctrl-C) into a cooperative interrupt of
// the running statement. With exitOnSecond, a second Ctrl-C while the
// first is pending ends the process at once with status 130.
func interruptOnSignal(sess *interp.Session, exitOnSecond bool) (stop func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt)
	done := make(chan struct{})
	go func() {
		pending := false
		for {
			select {
			case <-ch:
				if pending && exitOnSecond {
					fmt.Fprintln(os.Stderr, "\nKeyboardInterrupt")
					os.Exit(130)
				}
				pending = true
				sess.Interrupt()
			case <-done:
				return
			}
		}
	}()
	return func() {
		signal.Stop(ch)
		close(done)
	}
}

// stdinLine reads one line from the process's standard input without
// buffering ahead, so a script that reads os.Stdin directly finds the rest.
func stdinLine(prompt string, password bool) (string, error) {
	if prompt != "" {
		fmt.Fprint(os.Stderr, prompt)
	}
	var line []byte
	var b [1]byte
	for {
		n, err := os.Stdin.Read(b[:])
		if n == 1 {
			line = append(line, b[0])
			if b[0] == '\n' {
				return string(line), nil
			}
		}
		if err != nil {
			if len(line) > 0 {
				return string(line), nil
			}
			return "", err
		}
	}
}

// terminal is the process's stdout and stderr as an engine Output. Text
// passes through unchanged, except that on a terminal the text progress
// line of mlstd/train (train.Progress, "epoch 2/5  batch 100/938  ... it/s
// ...") is drawn in place: each new one replaces the last, and any other
// output first clears it. Piped or redirected, every line stays as written.
type terminal struct {
	mu      sync.Mutex
	w       [2]io.Writer
	tty     [2]bool
	mid     [2]bool // the stream's last write ended inside a line
	bar     int     // stream holding an unfinished progress line, or -1
	barText string
}

// newTerminal returns a terminal writing to stdout and stderr, which are
// terminals when the flags say so.
func newTerminal(stdout, stderr io.Writer, stdoutTTY, stderrTTY bool) *terminal {
	return &terminal{w: [2]io.Writer{stdout, stderr}, tty: [2]bool{stdoutTTY, stderrTTY}, bar: -1}
}

// processTerminal is the terminal of this process's fds 1 and 2.
func processTerminal() *terminal {
	return newTerminal(os.Stdout, os.Stderr, isTTY(os.Stdout), isTTY(os.Stderr))
}

func isTTY(f *os.File) bool { return readline.IsTerminal(int(f.Fd())) }

// output returns the engine Output for a cell: the two streams and input.
func (t *terminal) output(input func(prompt string, password bool) (string, error)) interp.Output {
	return interp.Output{Stdout: t.stream(0), Stderr: t.stream(1), Input: input}
}

func (t *terminal) stream(i int) io.Writer {
	return writerFunc(func(p []byte) (int, error) {
		t.mu.Lock()
		defer t.mu.Unlock()
		if err := t.write(i, p); err != nil {
			return 0, err
		}
		return len(p), nil
	})
}

// progressRe matches train.Progress's text bar line (not its epoch rows).
var progressRe = regexp.MustCompile(`^(?:[a-z][a-z ]*: )?epoch \d+/\d+(?:  batch \d+/\d+)?  [\d.]+ it/s  `)

// write is Write for stream i, called with mu held.
func (t *terminal) write(i int, p []byte) error {
	for len(p) > 0 {
		nl := bytes.IndexByte(p, '\n')
		if t.mid[i] || !t.tty[i] {
			// Inside a line (or not a terminal): pass it through.
			n := len(p)
			if nl >= 0 {
				n = nl + 1
			}
			if err := t.clearBar(); err != nil {
				return err
			}
			if _, err := t.w[i].Write(p[:n]); err != nil {
				return err
			}
			t.mid[i] = nl < 0
			p = p[n:]
			continue
		}
		if nl < 0 {
			// A line start without its end, such as a prompt: show it now.
			if err := t.clearBar(); err != nil {
				return err
			}
			t.mid[i] = true
			_, err := t.w[i].Write(p)
			return err
		}
		line := p[:nl]
		if progressRe.Match(line) {
			if _, err := fmt.Fprintf(t.w[i], "\r\x1b[K%s", line); err != nil {
				return err
			}
			if t.bar >= 0 && t.bar != i {
				t.clearBar()
			}
			t.bar, t.barText = i, string(line)
		} else {
			if t.bar == i {
				// The line replaces the bar (an epoch row follows its bar).
				if _, err := io.WriteString(t.w[i], "\r\x1b[K"); err != nil {
					return err
				}
				t.bar = -1
			} else if err := t.clearBar(); err != nil {
				return err
			}
			if _, err := t.w[i].Write(p[:nl+1]); err != nil {
				return err
			}
		}
		p = p[nl+1:]
	}
	return nil
}

// clearBar erases an unfinished progress line. Called with mu held.
func (t *terminal) clearBar() error {
	if t.bar < 0 {
		return nil
	}
	_, err := io.WriteString(t.w[t.bar], "\r\x1b[K")
	t.bar = -1
	return err
}

// finish ends an unfinished progress line with a newline, so its last
// state stays on screen, and forgets partial lines (the prompt or the
// next command starts a fresh line).
func (t *terminal) finish() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.bar >= 0 {
		io.WriteString(t.w[t.bar], "\n")
		t.bar = -1
	}
	t.mid = [2]bool{}
}

// atLineStart reports whether stream i's output ends with a newline.
func (t *terminal) atLineStart(i int) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return !t.mid[i]
}
