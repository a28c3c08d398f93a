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
	"time"

	"github.com/chzyer/readline"
	"github.com/gokernel/gokernel/interp"
	"github.com/gokernel/gokernel/mlstd/host"
)

// Scripts run on the same engine as notebook cells. A file without a
// package clause is one cell (top-level statements, declarations and
// imports in any order). A `package main` file becomes such a cell too;
// loadScript bridges the two differences between a Go package and a cell,
// which runs its items one after another:
//
//   - func main and the init funcs are renamed (yaegi would run a main it
//     sees at once, before the functions declared after it exist), and
//     calls to the inits and then main are appended at the end;
//   - the declarations are put in dependency order, as Go initializes a
//     package (a func using a var declared below it, a var set by a func
//     declared below it), keeping the file's order wherever it works.
//
// A shebang line becomes a comment. The cell keeps a map from its lines to
// the file's, so engine errors ("cell 1, line 7:") read "train.go:7:".

// scriptMain and scriptInit are the names main and init get in a script.
const (
	scriptMain = "gokernel_main"
	scriptInit = "gokernel_init"
)

// script is a Go file prepared for the engine.
type script struct {
	file  string
	code  string // the cell
	lines []int  // lines[i] is the file's line shown as the cell's line i+1; nil: the same
}

// loadScript prepares the Go file name with contents src.
func loadScript(name string, src []byte) (*script, error) {
	code := string(src)
	if strings.HasPrefix(code, "#!") {
		code = "//" + code[2:]
	}
	sc := &script{file: name, code: code}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, code, parser.PackageClauseOnly)
	if err != nil || f.Name == nil {
		return sc, nil // no package clause: the cell language (errors are the engine's to report)
	}
	if f.Name.Name != "main" {
		return nil, fmt.Errorf("run: %s: package %s is not a main package", name, f.Name.Name)
	}
	code, inits, err := renameEntryPoints(name, code)
	if err != nil {
		return nil, err
	}
	fset = token.NewFileSet()
	f, err = parser.ParseFile(fset, name, code, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return nil, fmt.Errorf("run: %s", scanErrors(err))
	}
	var mainLine int
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.Name == scriptMain {
			mainLine = fset.Position(fd.Pos()).Line
		}
	}
	var b strings.Builder
	if order := declOrder(f); order != nil {
		// Header (package clause, comments), then the declarations.
		first := declStart(f.Decls[0])
		head := code[:fset.Position(first).Offset]
		b.WriteString(head)
		for l := 1; l <= strings.Count(head, "\n"); l++ {
			sc.lines = append(sc.lines, l)
		}
		for _, i := range order {
			d := f.Decls[i]
			from, to := fset.Position(declStart(d)), fset.Position(d.End())
			b.WriteString(code[from.Offset:to.Offset])
			b.WriteString("\n")
			for l := from.Line; l <= to.Line; l++ {
				sc.lines = append(sc.lines, l)
			}
		}
	} else {
		b.WriteString(strings.TrimRight(code, "\n"))
		b.WriteString("\n")
		for l := 1; l <= strings.Count(b.String(), "\n"); l++ {
			sc.lines = append(sc.lines, l)
		}
	}
	for i := 1; i <= inits; i++ {
		fmt.Fprintf(&b, "%s%d(); ", scriptInit, i)
	}
	b.WriteString(scriptMain + "()\n")
	sc.lines = append(sc.lines, mainLine)
	sc.code = b.String()
	return sc, nil
}

// renameEntryPoints renames func main and the init funcs of a package main
// file (and calls of main) and returns the new source and the number of
// inits. Only the renamed lines change.
func renameEntryPoints(name, code string) (string, int, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, code, parser.SkipObjectResolution)
	if err != nil {
		return "", 0, fmt.Errorf("run: %s", scanErrors(err))
	}
	type edit struct {
		off       int
		old, name string
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
			edits = append(edits, edit{fset.Position(fd.Name.Pos()).Offset, "main", scriptMain})
		case "init":
			inits++
			edits = append(edits, edit{fset.Position(fd.Name.Pos()).Offset, "init", scriptInit + strconv.Itoa(inits)})
		}
	}
	if !hasMain {
		return "", 0, fmt.Errorf("run: %s: function main is undeclared in the main package", name)
	}
	// Calls of main elsewhere in the file (rare, but legal) follow the rename.
	ast.Inspect(f, func(n ast.Node) bool {
		if c, ok := n.(*ast.CallExpr); ok {
			if id, ok := c.Fun.(*ast.Ident); ok && id.Name == "main" {
				edits = append(edits, edit{fset.Position(id.Pos()).Offset, "main", scriptMain})
			}
		}
		return true
	})
	sort.Slice(edits, func(i, j int) bool { return edits[i].off > edits[j].off })
	for _, e := range edits {
		code = code[:e.off] + e.name + code[e.off+len(e.old):]
	}
	return code, inits, nil
}

// declStart is where a declaration's text begins, its doc comment included.
func declStart(d ast.Decl) token.Pos {
	switch d := d.(type) {
	case *ast.FuncDecl:
		if d.Doc != nil {
			return d.Doc.Pos()
		}
	case *ast.GenDecl:
		if d.Doc != nil {
			return d.Doc.Pos()
		}
	}
	return d.Pos()
}

// declOrder returns the order in which the engine can run a file's
// top-level declarations as one cell, or nil when the file's order works.
//
// The engine runs a cell's items in order, except that a run of
// consecutive type and func declarations is compiled as a whole (so
// functions in it may call each other in any order); each var and const
// declaration runs on its own. So a declaration must come after the vars
// and consts it names, a var or const after everything it reaches
// (through function bodies, as Go's package initialization does), and
// functions after the functions they call unless both are in one run.
// The new order puts imports first and keeps the file's order wherever
// these rules allow; mutually dependent declarations stay together.
func declOrder(f *ast.File) []int {
	n := len(f.Decls)
	defines := map[string]int{}
	for i, d := range f.Decls {
		for _, name := range declNames(d) {
			defines[name] = i
		}
	}
	deps := make([][]int, n)
	for i, d := range f.Decls {
		seen := map[int]bool{}
		ref := func(name string) {
			if j, ok := defines[name]; ok && j != i && !seen[j] {
				seen[j] = true
				deps[i] = append(deps[i], j)
			}
		}
		ast.Inspect(d, func(x ast.Node) bool {
			switch x := x.(type) {
			case *ast.SelectorExpr: // x.Sel is a field or method, not a package-level name
				ast.Inspect(x.X, func(y ast.Node) bool {
					if id, ok := y.(*ast.Ident); ok {
						ref(id.Name)
					}
					return true
				})
				return false
			case *ast.Ident:
				ref(x.Name)
			}
			return true
		})
	}
	kind := make([]token.Token, n) // IMPORT, VAR (var or const: a statement) or FUNC (type, func, method)
	for i, d := range f.Decls {
		kind[i] = token.FUNC
		if g, ok := d.(*ast.GenDecl); ok && g.Tok != token.TYPE {
			kind[i] = g.Tok
			if g.Tok == token.CONST {
				kind[i] = token.VAR
			}
		}
	}
	// need[i]: what must be in place before item i runs.
	need := make([][]int, n)
	for i := range need {
		if kind[i] != token.VAR {
			need[i] = deps[i]
			continue
		}
		seen := map[int]bool{i: true}
		queue := append([]int(nil), deps[i]...)
		for len(queue) > 0 {
			j := queue[0]
			queue = queue[1:]
			if seen[j] {
				continue
			}
			seen[j] = true
			need[i] = append(need[i], j)
			queue = append(queue, deps[j]...)
		}
	}
	identity := make([]int, n)
	for i := range identity {
		identity[i] = i
	}
	if orderWorks(identity, need, kind) {
		return nil
	}
	comp := sccs(need)
	var order []int
	done := make([]bool, n)
	for i := 0; i < n; i++ {
		if kind[i] == token.IMPORT {
			order = append(order, i)
			done[i] = true
		}
	}
	ready := func(i int) bool { // everything i's component needs from outside it is placed
		for _, m := range comp.members[comp.of[i]] {
			for _, j := range need[m] {
				if !done[j] && comp.of[j] != comp.of[i] {
					return false
				}
			}
		}
		return true
	}
	for len(order) < n {
		placed := false
		for i := 0; i < n && !placed; i++ {
			if done[i] || !ready(i) {
				continue
			}
			for _, m := range comp.members[comp.of[i]] {
				order = append(order, m)
				done[m] = true
			}
			placed = true
		}
		if !placed { // cannot happen: the components form a DAG
			return nil
		}
	}
	return order
}

// orderWorks reports whether running the items in order satisfies need,
// with consecutive FUNC items forming one run.
func orderWorks(order []int, need [][]int, kind []token.Token) bool {
	pos := make([]int, len(order))
	run := make([]int, len(order))
	r := 0
	for p, i := range order {
		if kind[i] != token.FUNC || p == 0 || kind[order[p-1]] != token.FUNC {
			r++
		}
		pos[i], run[i] = p, r
	}
	for i := range need {
		for _, j := range need[i] {
			if pos[j] > pos[i] && !(kind[i] == token.FUNC && kind[j] == token.FUNC && run[i] == run[j]) {
				return false
			}
		}
	}
	return true
}

// declNames lists the package-level names a declaration defines.
func declNames(d ast.Decl) []string {
	var names []string
	switch d := d.(type) {
	case *ast.FuncDecl:
		if d.Recv == nil {
			names = append(names, d.Name.Name)
		}
	case *ast.GenDecl:
		for _, sp := range d.Specs {
			switch sp := sp.(type) {
			case *ast.ValueSpec:
				for _, id := range sp.Names {
					if id.Name != "_" {
						names = append(names, id.Name)
					}
				}
			case *ast.TypeSpec:
				names = append(names, sp.Name.Name)
			}
		}
	}
	return names
}

// components are the strongly connected components of a graph: of[v] is
// v's component, members[c] its vertices in increasing order.
type components struct {
	of      []int
	members [][]int
}

// sccs computes the strongly connected components of the graph with edges
// v → deps[v] (Tarjan's algorithm).
func sccs(deps [][]int) components {
	n := len(deps)
	index, low := make([]int, n), make([]int, n)
	onStack := make([]bool, n)
	for i := range index {
		index[i] = -1
	}
	c := components{of: make([]int, n)}
	var stack []int
	next := 0
	var visit func(v int)
	visit = func(v int) {
		index[v], low[v] = next, next
		next++
		stack = append(stack, v)
		onStack[v] = true
		for _, w := range deps[v] {
			if index[w] < 0 {
				visit(w)
				low[v] = min(low[v], low[w])
			} else if onStack[w] {
				low[v] = min(low[v], index[w])
			}
		}
		if low[v] == index[v] {
			var members []int
			for {
				w := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				onStack[w] = false
				c.of[w] = len(c.members)
				members = append(members, w)
				if w == v {
					break
				}
			}
			sort.Ints(members)
			c.members = append(c.members, members)
		}
	}
	for v := 0; v < n; v++ {
		if index[v] < 0 {
			visit(v)
		}
	}
	return c
}

func scanErrors(err error) string {
	s := err.Error()
	if i := strings.Index(s, " (and "); i > 0 {
		s = s[:i]
	}
	return s
}

// scriptExit returns the exit status for a script's outcome, as the
// compiled program's would be: 0, n for os.Exit(n) (log.Fatal: 1, its
// message already printed), 2 for a panic, 1 for compile errors (as go run
// does) and 130 for an interrupt (as a shell reports SIGINT; gokernel run
// then dies of the signal instead, see dieOfInterrupt). exited says
// the script ended itself through os.Exit, which prints nothing more.
func scriptExit(err error) (code int, exited bool) {
	if err == nil {
		return 0, false
	}
	var ee *interp.ExitError
	if errors.As(err, &ee) {
		return ee.Code, true
	}
	var ce *interp.CellError
	if !errors.As(err, &ce) {
		return 1, false
	}
	switch ce.Name {
	case "KeyboardInterrupt":
		return 130, false
	case "panic", "runtime error":
		return 2, false
	}
	return 1, false
}

// goPlainErrors are the Go runtime's panics whose text lacks the "runtime
// error: " prefix of the others (its plainError values).
var goPlainErrors = map[string]bool{
	"assignment to entry in nil map": true,
	"send on closed channel":         true,
	"close of nil channel":           true,
	"close of closed channel":        true,
}

// panicLine is the first line Go prints for a panic the engine reported
// as ce: "panic: " and the value as text.
func panicLine(ce *interp.CellError) string {
	v := ce.Value
	if ce.Name == "runtime error" && !strings.HasPrefix(v, "runtime error: ") && !goPlainErrors[v] {
		v = "runtime error: " + v
	}
	return "panic: " + v
}

// cellOneRe finds the engine's positions in the script's cell (cell 1).
var cellOneRe = regexp.MustCompile(`\bcell 1, line (\d+)`)

// message renders a failed script's error with positions in the file.
func (sc *script) message(err error) string {
	var ce *interp.CellError
	if !errors.As(err, &ce) {
		return err.Error()
	}
	file := sc.file
	repl := func(s string) string {
		s = cellOneRe.ReplaceAllStringFunc(s, func(m string) string {
			n, _ := strconv.Atoi(cellOneRe.FindStringSubmatch(m)[1])
			if n >= 1 && n <= len(sc.lines) {
				n = sc.lines[n-1]
			}
			return file + ":" + strconv.Itoa(n)
		})
		s = strings.ReplaceAll(s, "cell 1: ", file+": ")
		s = strings.ReplaceAll(s, scriptMain, "main")
		return strings.ReplaceAll(s, scriptInit, "init")
	}
	if ce.Name == "KeyboardInterrupt" {
		return "KeyboardInterrupt: " + repl(ce.Value)
	}
	tb := ce.Traceback
	var lines []string
	if ce.Name == "panic" || ce.Name == "runtime error" {
		lines, tb = []string{repl(panicLine(ce))}, tb[1:]
	}
	for _, l := range tb {
		lines = append(lines, repl(l))
	}
	return strings.Join(lines, "\n")
}

// runScript runs a prepared script in sess with the terminal as its
// standard streams and returns the engine's outcome.
func runScript(ctx context.Context, sess *interp.Session, sc *script, term *terminal) error {
	stop := interruptOnSignal(sess, true)
	defer stop()
	term.files.nextCell()
	_, err := sess.Execute(ctx, sc.code, term.output(stdinLine))
	term.finish()
	return err
}

// dieOfInterrupt ends the process as SIGINT ends a Go program: killed by
// the signal, so the shell sees Ctrl-C, not an exit status (bash stops a
// loop running scripts only when its child dies of SIGINT); where a signal
// cannot be sent to oneself, with status 130.
func dieOfInterrupt() {
	signal.Reset(os.Interrupt)
	if p, err := os.FindProcess(os.Getpid()); err == nil && p.Signal(os.Interrupt) == nil {
		time.Sleep(time.Second) // the signal's default action ends the process meanwhile
	}
	os.Exit(130)
}

// interruptOnSignal turns SIGINT (Ctrl-C) into a cooperative interrupt of
// the running statement. With exitOnSecond, a second Ctrl-C while the
// first is pending ends the process at once (dieOfInterrupt).
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
					dieOfInterrupt()
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
// passes through unchanged. On a terminal, a status line written to the
// progress writer (mlstd/train's bar, through host.SetText) is drawn in
// place, like tqdm: each new one replaces the last, other output goes above
// it (the bar is erased, the text written, the bar drawn again below), and
// a line the progress writer ends with a newline (an epoch row, a stopped
// bar) takes its place and stays. Piped or redirected, progress is plain
// lines. What a cell shows (display.Show) is saved to files whose paths are
// printed (files).
type terminal struct {
	mu       sync.Mutex
	w        [2]io.Writer
	tty      [2]bool
	mid      [2]bool   // the stream's last write ended inside a line
	partial  [2][]byte // the text of that unfinished line
	bar      int       // stream holding the live progress line, or -1
	barText  string
	barShown bool // the live line is on screen (not erased for other output)

	pub   sync.Mutex // serializes Publish
	files outFiles
	// flush, when set (to the session's Flush), delivers what cells wrote
	// to the engine's pipes before progress text is written, which goes
	// around them, so program order is kept.
	flush func()
}

// newTerminal returns a terminal writing to stdout and stderr, which are
// terminals when the flags say so.
func newTerminal(stdout, stderr io.Writer, stdoutTTY, stderrTTY bool) *terminal {
	return &terminal{w: [2]io.Writer{stdout, stderr}, tty: [2]bool{stdoutTTY, stderrTTY}, bar: -1}
}

// processTerminal is the terminal of this process's fds 1 and 2, installed
// as the host's text writer for live displays (host.SetText): progress
// goes to stderr, live when stderr is a terminal.
func processTerminal() *terminal {
	t := newTerminal(os.Stdout, os.Stderr, isTTY(os.Stdout), isTTY(os.Stderr))
	host.SetText(t.textWriter(1))
	return t
}

func isTTY(f *os.File) bool { return readline.IsTerminal(int(f.Fd())) }

// textWriter returns the writer and live flag for host.SetText: stream i's
// progress writer if it is a terminal, else the plain stream.
func (t *terminal) textWriter(i int) (io.Writer, bool) {
	w, live := t.stream(i), false
	if t.tty[i] {
		w, live = t.progress(i), true
	}
	return writerFunc(func(p []byte) (int, error) {
		if t.flush != nil {
			t.flush()
		}
		return w.Write(p)
	}), live
}

// output returns the engine Output for a cell: the two streams, input, and
// a Publish that saves rich displays to files (TextOnly: progress stays text).
func (t *terminal) output(input func(prompt string, password bool) (string, error)) interp.Output {
	stdout := t.stream(0)
	return interp.Output{
		Stdout: stdout, Stderr: t.stream(1), Input: input, TextOnly: true,
		Publish: func(msgType string, content map[string]any) {
			t.pub.Lock()
			defer t.pub.Unlock()
			t.files.publish(stdout, msgType, content)
		},
	}
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

// progress returns stream i's writer for a status line: a write's text
// after its last "\r" replaces the live line (empty: removes it); a line
// ended with "\n" replaces it and stays. "\x1b[K" (erase to the end of the
// line) is dropped: the terminal erases by itself.
func (t *terminal) progress(i int) io.Writer {
	return writerFunc(func(p []byte) (int, error) {
		t.mu.Lock()
		defer t.mu.Unlock()
		s := strings.ReplaceAll(string(p), eraseRight, "")
		for s != "" {
			line, rest, done := strings.Cut(s, "\n")
			s = rest
			text := line
			if j := strings.LastIndexByte(line, '\r'); j >= 0 {
				text = line[j+1:]
			} else if t.bar == i {
				text = t.barText + line // continues the live line
			}
			var err error
			switch {
			case done:
				err = t.drawBar(i, text, true)
			case text == "":
				err = t.hideBar()
				t.bar = -1
			default:
				err = t.drawBar(i, text, false)
			}
			if err != nil {
				return 0, err
			}
		}
		return len(p), nil
	})
}

const (
	eraseLine  = "\r\x1b[K"
	eraseRight = "\x1b[K"
)

// write is Write for stream i, called with mu held. Text goes above the
// live progress line.
func (t *terminal) write(i int, p []byte) error {
	if !t.tty[i] {
		if _, err := t.w[i].Write(p); err != nil {
			return err
		}
		t.track(i, p)
		return nil
	}
	if err := t.hideBar(); err != nil {
		return err
	}
	if _, err := t.w[i].Write(p); err != nil {
		return err
	}
	t.track(i, p)
	return t.showBar()
}

// showBar draws the live progress line again after other output, unless a
// stream is inside a line (a prompt the user is answering).
func (t *terminal) showBar() error {
	if t.bar < 0 || t.barShown || t.mid[0] || t.mid[1] {
		return nil
	}
	t.barShown = true
	_, err := io.WriteString(t.w[t.bar], eraseLine+t.barText)
	return err
}

// drawBar shows a progress line from stream i in place of the last one;
// a final one stays on screen as an ordinary line.
func (t *terminal) drawBar(i int, line string, final bool) error {
	if t.bar >= 0 && t.bar != i {
		if err := t.hideBar(); err != nil {
			return err
		}
	}
	if final {
		t.bar, t.barShown = -1, false
		_, err := io.WriteString(t.w[i], eraseLine+line+"\n")
		return err
	}
	t.bar, t.barText, t.barShown = i, line, false // showBar overwrites it in place
	return t.showBar()
}

// hideBar erases the live progress line, if shown, keeping it to redraw.
func (t *terminal) hideBar() error {
	if t.bar < 0 || !t.barShown {
		return nil
	}
	t.barShown = false
	_, err := io.WriteString(t.w[t.bar], eraseLine)
	return err
}

// track records what stream i's output leaves on its last line.
func (t *terminal) track(i int, p []byte) {
	if j := bytes.LastIndexByte(p, '\n'); j >= 0 {
		t.partial[i] = append(t.partial[i][:0], p[j+1:]...)
	} else {
		t.partial[i] = append(t.partial[i], p...)
	}
	t.mid[i] = len(t.partial[i]) > 0
}

// takePartial returns the unfinished last line of stream i and forgets
// it: a line editor reading input redraws it as its prompt.
func (t *terminal) takePartial(i int) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := string(t.partial[i])
	t.partial[i], t.mid[i] = t.partial[i][:0], false
	return s
}

// finish ends the live progress line with a newline, so its last state
// stays on screen, and forgets partial lines (the prompt or the next
// command starts a fresh line).
func (t *terminal) finish() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.bar >= 0 {
		if t.barShown {
			io.WriteString(t.w[t.bar], "\n")
		} else {
			io.WriteString(t.w[t.bar], eraseLine+t.barText+"\n")
		}
		t.bar, t.barShown = -1, false
	}
	t.mid = [2]bool{}
	t.partial = [2][]byte{}
}

// atLineStart reports whether stream i's output ends with a newline.
func (t *terminal) atLineStart(i int) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return !t.mid[i]
}

type writerFunc func(p []byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
