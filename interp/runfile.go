package interp

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"sort"
	"strconv"
	"strings"
)

// program is a Go file RunFile runs: its text is one cell (cell), so the
// cell's lines are the file's and "cell N, line L" becomes "FILE:L".
type program struct {
	file string
	cell int
	// pkg: a package main file, whose declarations run in dependency order
	// (fileOrder) and whose init funcs and main are called by entry, a
	// statement run after them at entryLine (the line of func main).
	pkg       bool
	entry     string
	entryLine int
	// goNames maps the names main and the inits have in the engine
	// (renameEntryPoints) back to Go's, for tracebacks.
	goNames map[string]string
}

// The names func main and the init funcs get in the engine: yaegi runs a
// func main of package main each time it compiles anything once it is
// declared, and its init funcs when it compiles them. A cell's func main
// gets entryMain too (Session.declare), and calls of main follow it
// (rewriter.expr).
const (
	entryMain = "__gkmain"
	entryInit = "__gkinit"
)

// RunFile runs the Go file name, whose text is src, as `go run name` runs
// the compiled program, in this session (whose Options.Args are the
// program's os.Args). A file with a package clause must be package main;
// its declarations run in Go's order (each after what it uses, the file's
// order otherwise), then its init funcs in order, then main. A file
// without one is a cell (top-level statements, declarations and imports)
// run as one.
//
// The error is nil when the program ends by returning, else an *ExitError
// that says how the compiled program would have ended: Code is its exit
// status (os.Exit(n): n; log.Fatal: 1; a compile error: 1, as go run; a
// panic, a stack overflow or a deadlock (see watchDeadlock): 2; an interrupt: 130 with
// Interrupted set, where the program would die of SIGINT) and Report what
// it would print on stderr as it ends ("panic: boom" and where;
// "fatal error: stack overflow"), with positions in the file ("name:7").
func (s *Session) RunFile(ctx context.Context, name string, src []byte, out Output) error {
	p, code, err := loadProgram(name, src)
	if err != nil {
		return err
	}
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop := make(chan struct{})
	go s.watchDeadlock(p, stop, cancel)
	_, err = s.execute(ctx, code, out, p)
	close(stop)
	return p.exit(err)
}

// loadProgram prepares the file name with text src for RunFile: a shebang
// line becomes a comment; in a package main file, main and the inits are
// renamed (only the identifiers change, so lines stay the file's).
func loadProgram(name string, src []byte) (*program, string, error) {
	code := string(src)
	if strings.HasPrefix(code, "#!") {
		code = "//" + code[2:]
	}
	p := &program{file: name}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, code, parser.PackageClauseOnly)
	if err != nil || f.Name == nil {
		return p, code, nil // no package clause: the cell language (errors are the engine's to report)
	}
	if f.Name.Name != "main" {
		return nil, "", compileExit(fmt.Sprintf("%s: package %s is not a main package", name, f.Name.Name))
	}
	p.pkg = true
	code, err = p.renameEntryPoints(code)
	if err != nil {
		return nil, "", err
	}
	return p, code, nil
}

func compileExit(msg string) *ExitError {
	return &ExitError{Code: 1, Report: msg, CellError: &CellError{Name: "CompileError", Value: msg, Traceback: []string{msg}}}
}

// renameEntryPoints renames func main and the init funcs of a package main
// file (and calls of main) to entryMain and entryInitN, returns the new
// text and sets p's entry call.
func (p *program) renameEntryPoints(code string) (string, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, p.file, code, parser.SkipObjectResolution)
	if err != nil {
		// The engine reports it, with the positions of all other errors.
		return code, nil
	}
	type edit struct {
		off       int
		old, name string
	}
	var edits []edit
	var calls []string
	p.goNames = map[string]string{entryMain: "main"}
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Recv != nil {
			continue
		}
		switch fd.Name.Name {
		case "main":
			p.entryLine = fset.Position(fd.Pos()).Line
			edits = append(edits, edit{fset.Position(fd.Name.Pos()).Offset, "main", entryMain})
		case "init":
			name := entryInit + strconv.Itoa(len(calls)+1)
			p.goNames[name] = "init"
			calls = append(calls, name+"()")
			edits = append(edits, edit{fset.Position(fd.Name.Pos()).Offset, "init", name})
		}
	}
	if p.entryLine == 0 {
		return "", compileExit(fmt.Sprintf("%s: function main is undeclared in the main package", p.file))
	}
	p.entry = strings.Join(append(calls, entryMain+"()"), "; ")
	// Calls of main elsewhere in the file (rare, but legal) follow the rename.
	ast.Inspect(f, func(n ast.Node) bool {
		if c, ok := n.(*ast.CallExpr); ok {
			if id, ok := c.Fun.(*ast.Ident); ok && id.Name == "main" {
				edits = append(edits, edit{fset.Position(id.Pos()).Offset, "main", entryMain})
			}
		}
		return true
	})
	sort.Slice(edits, func(i, j int) bool { return edits[i].off > edits[j].off })
	for _, e := range edits {
		code = code[:e.off] + e.name + code[e.off+len(e.old):]
	}
	return code, nil
}

// goName is the name Go gives function name of the running program.
func (s *Session) goName(name string) string {
	if p := s.prog.Load(); p != nil {
		if g, ok := p.goNames[name]; ok {
			return g
		}
	}
	if name == entryMain { // a cell's main
		return "main"
	}
	return name
}

// fileOrder puts the items of a package file in an order in which the
// engine can run them as one cell, as Go initializes a package: each
// declaration after the ones it uses (a var after the funcs its value
// calls, a func after the vars it reads, any user of a type after the
// type's methods), imports first and the file's order wherever it works.
// Declarations that use each other (the strongly connected components of
// the "uses" graph) become adjacent, so the engine compiles them as one run
// of declarations. The dependency graph is precheck's (unitGraph), on one
// unit per item; precheck then checks the new order as a cell's.
func (s *Session) fileOrder(n int, code string, items []item) ([]item, error) {
	var its []item
	for _, it := range items {
		if !it.pkg {
			its = append(its, it)
		}
	}
	us := make([]unit, len(its))
	for i, it := range its {
		us[i] = unit{decl: it.decl, magic: it.magic != "", from: i, to: i + 1}
	}
	_, files, err := s.parseUnits(n, code, its, us)
	if err != nil {
		return nil, err
	}
	for i, f := range files {
		if us[i].decl || us[i].magic {
			continue
		}
		if st := f.Decls[0].(*ast.FuncDecl).Body.List; len(st) == 1 {
			if ds, ok := st[0].(*ast.DeclStmt); ok && ds.Decl.(*ast.GenDecl).Tok != token.TYPE {
				continue // var or const
			}
		}
		line, _ := lineCol(code, its[i].start)
		v := fmt.Sprintf("cell %d, line %d: syntax error: non-declaration statement outside function body", n, line)
		return nil, &CellError{Name: "SyntaxError", Value: v, Traceback: []string{v}}
	}
	g := unitGraph(us, files)
	if g.dotImport {
		return its, nil
	}
	methods := map[string][]int{} // type name -> the items declaring its methods
	for i, f := range files {
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv != nil && us[i].decl {
				t := recvName(fd.Recv)
				methods[t] = append(methods[t], i)
			}
		}
	}
	deps := make([][]int, len(its))
	for i := range its {
		seen := map[int]bool{i: true}
		add := func(j int) {
			if !seen[j] {
				seen[j] = true
				deps[i] = append(deps[i], j)
			}
		}
		for _, id := range g.uses[i] {
			if j, ok := g.defUnit[id.Name]; ok {
				add(j)
			}
			for _, j := range methods[id.Name] {
				add(j)
			}
		}
	}
	comp := sccs(deps)
	order := make([]item, 0, len(its))
	done := make([]bool, len(its))
	for i, it := range its {
		if it.imp {
			order = append(order, it)
			done[i] = true
		}
	}
	ready := func(i int) bool { // all i's component uses from outside it is placed
		for _, m := range comp.members[comp.of[i]] {
			for _, j := range deps[m] {
				if !done[j] && comp.of[j] != comp.of[i] {
					return false
				}
			}
		}
		return true
	}
	for len(order) < len(its) {
		next := -1
		for i := range its {
			if !done[i] && ready(i) {
				next = i
				break
			}
		}
		if next < 0 { // cannot happen: the components form a DAG
			return its, nil
		}
		for _, m := range comp.members[comp.of[next]] {
			order = append(order, its[m])
			done[m] = true
		}
	}
	return order, nil
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

// runEntry runs entry, the calls of a program's init funcs and main or of
// a cell's main, at line, the line of func main.
func (s *Session) runEntry(ctx context.Context, n, line int, entry string) error {
	src := "package main\nfunc main() {\n" + lineDirective(n, line) + entry + "\n}\n"
	_, err := s.runStmt(ctx, n, src, false, false)
	return err
}

// exit is how the program ends given the error of its cell (see RunFile).
func (p *program) exit(err error) error {
	if err == nil {
		return nil
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		if ee.Report != "" { // RunFile's own
			return ee
		}
		// os.Exit, log.Fatal: the program printed what it had to say.
		return &ExitError{Code: ee.Code, CellError: ee.CellError.inFile(p.cell, p.file)}
	}
	var ce *CellError
	if !errors.As(err, &ce) {
		ce = &CellError{Name: "Error", Value: err.Error(), Traceback: []string{err.Error()}}
	}
	ce = ce.inFile(p.cell, p.file)
	out := &ExitError{Code: 1, CellError: ce, Report: strings.Join(ce.Traceback, "\n")}
	var re *recursionError
	var de *deadlockError
	switch {
	case errors.As(err, &de):
		out.Code, out.Report = 2, de.report
	case errors.As(err, &re):
		out.Code = 2
		out.Report = fmt.Sprintf("runtime: goroutine stack exceeds 1000000000-byte limit\nfatal error: stack overflow\n\n"+
			"unbounded recursion? more than %d nested calls %s (stopped by the engine)", maxStackFrames/framesPerCall, inFile(p.cell, p.file)(re.where))
	case ce.Name == "KeyboardInterrupt":
		out.Code, out.Interrupted = 130, true
		out.Report = "KeyboardInterrupt: " + ce.Value
	case ce.Name == "panic" || ce.Name == "runtime error":
		out.Code = 2
		out.Report = strings.Join(append([]string{goPanicLine(ce)}, ce.Traceback[1:]...), "\n")
	}
	return out
}

// goPlainErrors are the Go runtime's panics whose text lacks the "runtime
// error: " prefix of the others (its plainError values).
var goPlainErrors = map[string]bool{
	"assignment to entry in nil map": true,
	"send on closed channel":         true,
	"close of nil channel":           true,
	"close of closed channel":        true,
}

// goPanicLine is the first line Go prints for a panic the engine reported
// as ce: "panic: " and the value as text.
func goPanicLine(ce *CellError) string {
	v := ce.Value
	if ce.Name == "runtime error" && !strings.HasPrefix(v, "runtime error: ") && !goPlainErrors[v] {
		v = "runtime error: " + v
	}
	return "panic: " + v
}
