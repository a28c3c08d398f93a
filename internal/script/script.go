package script

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/gokernel/gokernel/internal/repl"
	"github.com/gokernel/gokernel/interp"
)

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

// message renders a failed script's error as the compiled program would
// print it: positions in the file (the engine's for the cell, read by
// CellError.InFile), main and init under their own names.
func (sc *script) message(err error) string {
	var ce *interp.CellError
	if !errors.As(err, &ce) {
		return err.Error()
	}
	ce = ce.InFile(1, sc.file, sc.lines)
	repl := func(s string) string {
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
	sc, err := loadScript(path, src)
	if err != nil {
		fmt.Fprintf(stderr, "gokernel %v\n", err)
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
			code, exited := scriptExit(err)
			if !exited {
				fmt.Fprintln(stderr, sc.message(err))
			}
			os.Exit(code)
		}
	}
	sess, err = interp.New(opts)
	if err != nil {
		fmt.Fprintf(stderr, "gokernel run: %v\n", err)
		return 1
	}
	term := repl.ProcessTerminal(sess.Flush)
	stop := repl.InterruptOnSignal(sess, true)
	err = term.Execute(ctx, sess, sc.code)
	stop()
	code, exited := scriptExit(err)
	if err != nil && !exited {
		fmt.Fprintln(stderr, sc.message(err))
	}
	if interactive {
		code = repl.Run(ctx, sess, term, repl.Options{})
	}
	sess.Close()
	var ce *interp.CellError
	if !interactive && errors.As(err, &ce) && ce.Name == "KeyboardInterrupt" {
		repl.DieOfInterrupt()
	}
	return code
}
