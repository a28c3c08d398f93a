package interp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/scanner"
	"go/token"
	"go/types"
	"path"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/gokernel/gokernel/interp/symbols"
	"github.com/gokernel/gokernel/interp/symbols/stdlib"
	"github.com/gokernel/gokernel/mlstd/host"
	yaegi "github.com/traefik/yaegi/interp"
)

// execCell runs a cell: split into items, then each run of declarations and
// each statement is parsed, rewritten, compiled and executed: statements in
// order, declarations hoisted as precheck orders them. A package file (p)
// is put in its declarations' dependency order first (fileOrder), and its
// main is called at the end.
func (s *Session) execCell(ctx context.Context, n int, code string, p *program) (map[string]any, error) {
	code, magics := splitMagics(code)
	items := mergeItems(splitItems(code), magics)
	if p != nil && p.pkg {
		var err error
		if items, err = s.fileOrder(n, code, items); err != nil {
			return nil, err
		}
	}
	s.state.Lock()
	s.cellLines = strings.Count(strings.TrimRight(code, " \t\r\n"), "\n") + 1
	s.state.Unlock()
	last := -1 // the last statement: its value is the result (declarations below it are hoisted)
	for i, it := range items {
		if !it.pkg && !it.decl {
			last = i
		}
	}
	us := units(items)
	order, check, err := s.precheck(n, code, items, us)
	if err != nil {
		return nil, err
	}
	s.iters, s.chans, s.aliases, s.asserts = nil, nil, nil, nil
	s.mainLine = 0
	if check != nil {
		s.iters, s.chans, s.aliases, s.asserts = check.rangeFuncs, check.chanElems, check.aliases, check.asserts
	}
	if order == nil {
		for i := range us {
			order = append(order, i)
		}
	}
	var result map[string]any
	ran := make([]bool, len(us)) // declarations may run early
	note := func(err error) error {
		var ce *CellError
		if !slices.Contains(ran, true) || !errors.As(err, &ce) || (ce.Name != "CompileError" && ce.Name != "SyntaxError" && ce.Name != "RedefinitionError") {
			return err
		}
		// Lines of units that ran one after the other in the cell form one range.
		var rs []lineRange
		for k, u := range us {
			if !ran[k] {
				continue
			}
			from, _ := lineCol(code, items[u.from].start)
			to, _ := lineCol(code, items[u.to-1].end)
			if k > 0 && ran[k-1] {
				rs[len(rs)-1].to = to
			} else {
				rs = append(rs, lineRange{from, to})
			}
		}
		what := ranLines(rs) + " of this cell already ran"
		ce.Value += " (" + what + ")"
		ce.Traceback = append(ce.Traceback, "note: "+what+"; their effects are kept")
		return err
	}
	for _, k := range order {
		u := us[k]
		switch {
		case u.magic:
			res, err := s.magicLine(ctx, n, items[u.from].magic)
			if err != nil {
				return nil, err
			}
			result = res
		case u.decl:
			if err := s.runDecls(ctx, n, unitSource(n, code, items, u)); err != nil {
				check.forget(s.types, k)
				return nil, note(err)
			}
		default:
			res, err := s.runStmt(ctx, n, unitSource(n, code, items, u), u.from == last, check != nil && check.retype[k])
			if err != nil {
				check.forget(s.types, k)
				return nil, note(err)
			}
			result = res
		}
		check.commit(s.types, k, s.isType)
		ran[k] = true
	}
	if p != nil && p.entry != "" {
		return nil, s.runEntry(ctx, n, p.entryLine, p.entry)
	}
	if s.mainLine != 0 {
		// A cell's func main runs once, when the cell's code has run (as a
		// program's main runs after its declarations).
		return nil, s.runEntry(ctx, n, s.mainLine, entryMain+"()")
	}
	return result, nil
}

// decl returns the source of s.decls[key] ("type T", "method T.M").
func (s *Session) decl(key string) (string, bool) {
	s.state.Lock()
	defer s.state.Unlock()
	d, ok := s.decls[key]
	return d, ok
}

// isType reports whether a cell declared a type name.
func (s *Session) isType(name string) bool {
	_, ok := s.decl("type " + name)
	return ok
}

// lineRange is a range of a cell's lines, from and to included.
type lineRange struct{ from, to int }

// ranLines says which lines have run, given ranges in order: "line 1",
// "lines 1-4", "lines 1-4 and 9-12".
func ranLines(rs []lineRange) string {
	var parts []string
	for _, r := range rs {
		if r.from == r.to {
			parts = append(parts, strconv.Itoa(r.from))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", r.from, r.to))
		}
	}
	what := "lines "
	if len(rs) == 1 && rs[0].from == rs[0].to {
		what = "line "
	}
	if len(parts) > 1 {
		return what + strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
	}
	return what + parts[0]
}

// runStmt runs one top-level statement; if it is the cell's trailing
// expression its value becomes the result.
//
// redeclare says a `x := e` or `var x = e` of an existing global x gives x
// a new type (e's is not x's): x is declared anew rather than assigned.
func (s *Session) runStmt(ctx context.Context, n int, src string, last, redeclare bool) (map[string]any, error) {
	f, err := parser.ParseFile(s.yi.FileSet(), "_.go", src, 0)
	if err != nil {
		return nil, s.cellError(n, err)
	}
	body := f.Decls[0].(*ast.FuncDecl).Body
	if len(body.List) == 0 {
		return nil, nil
	}
	substituteAliases(s.yi.FileSet(), body, s.aliases)
	guardNilAsserts(s.yi.FileSet(), body, s.asserts)
	desugarRangeFuncs(s.yi.FileSet(), body, s.iters)
	if err := s.autoImport(ctx, n, body); err != nil {
		return nil, err
	}
	globals := s.globals()
	rw := newRewriter(globals)
	rw.cellMain = s.hasFunc(entryMain)
	rw.fset, rw.elems = s.yi.FileSet(), s.chans
	if es, ok := body.List[0].(*ast.ExprStmt); ok && last && len(body.List) == 1 {
		if _, recv := es.X.(*ast.UnaryExpr); !recv && s.singleValue(es.X, globals) {
			return s.runResult(ctx, n, rw, es)
		}
	}
	stmts := rw.list(body.List, true)
	s.notePanics(n, rw)
	if alt := redefineAsAssign(stmts, globals); alt != nil && !redeclare {
		if prog, err := s.compile(anchor(&ast.BlockStmt{List: alt})); err == nil {
			if _, err := s.runProg(ctx, prog); err != nil {
				return nil, s.cellError(n, err)
			}
			return nil, nil
		}
	}
	blk := &ast.BlockStmt{List: stmts}
	if len(stmts) == 1 {
		if names, values, ok := definedNames(stmts[0], globals); ok {
			// yaegi fails to type some top-level definitions from compiled
			// values (see defineViaProbe): compile first, probe on failure.
			anchor(blk)
			prog, err := s.compile(blk)
			if err != nil {
				if handled, perr := s.defineViaProbe(ctx, n, names, values); handled {
					return nil, perr
				}
				return nil, s.cellError(n, err)
			}
			if _, err := s.runProg(ctx, prog); err != nil {
				return nil, s.cellError(n, err)
			}
			return nil, nil
		}
	}
	return nil, s.execChunk(ctx, n, blk)
}

// runResult evaluates a trailing expression and returns its MIME bundle.
// The value goes into a local variable of a closure (no global slot keeps it
// alive); its text is its own String method when it has one (compiled fmt
// cannot see methods of interpreted types), else Go's %v.
func (s *Session) runResult(ctx context.Context, n int, rw *rewriter, es *ast.ExprStmt) (map[string]any, error) {
	rw.expr(es.X)
	s.notePanics(n, rw)
	mk := func(text ast.Expr) *ast.BlockStmt {
		// func() { __gkt := X; __gk.Result(__gkt, text) }()
		return &ast.BlockStmt{List: []ast.Stmt{iife(
			&ast.AssignStmt{Lhs: []ast.Expr{ident("__gkt")}, Tok: token.DEFINE, Rhs: []ast.Expr{es.X}},
			&ast.ExprStmt{X: call(rtSel("Result"), ident("__gkt"), text)},
		)}}
	}
	asStmt := func() (map[string]any, error) {
		// Not a value (a call with no or several results): run it as a statement.
		stmts := rw.list([]ast.Stmt{es}, true)
		s.notePanics(n, rw)
		return nil, s.execChunk(ctx, n, &ast.BlockStmt{List: stmts})
	}
	// __gk.ResultV(X): X formatted with %v by compiled fmt, as a plain call
	// and not a func literal: yaegi keeps a top-level func literal's value
	// (and with it the cell's whole syntax tree) in the global frame for
	// the life of the session, ~24 KiB for the cell "1". Passing X as an
	// argument is checked when compiling, so a void or multi-value X fails
	// to compile here and runs as a statement instead.
	viaFmt := &ast.BlockStmt{List: []ast.Stmt{&ast.ExprStmt{X: call(rtSel("ResultV"), es.X)}}}
	tries := []*ast.BlockStmt{viaFmt}
	if s.hasStringMethods() {
		// yaegi accepts `v := f()` for a void or multi-value f and fails only
		// at run time, after f ran: mk needs a compile-only probe first.
		probe := &ast.BlockStmt{List: []ast.Stmt{&ast.ExprStmt{X: call(rtSel("Result"), es.X, &ast.BasicLit{Kind: token.STRING, Value: `""`})}}}
		anchor(probe)
		if _, err := s.compile(probe); err != nil {
			return asStmt()
		}
		// Compiled fmt cannot see String methods of interpreted types.
		tries = []*ast.BlockStmt{mk(call(&ast.SelectorExpr{X: ident("__gkt"), Sel: ident("String")})), viaFmt}
	}
	s.result.Store(nil)
	var prog *yaegi.Program
	for _, b := range tries {
		anchor(b)
		if p, err := s.compile(b); err == nil {
			prog = p
			break
		}
	}
	if prog == nil {
		return asStmt()
	}
	// The program compiled above runs as is: each compile costs time and
	// global frame slots that yaegi never frees.
	if _, err := s.runProg(ctx, prog); err != nil {
		return nil, s.cellError(n, err)
	}
	r := s.result.Swap(nil)
	if r == nil {
		return nil, nil
	}
	return mimeOf(r.v, r.text), nil
}

// redefineAsAssign returns stmts with top-level `x := e` / `var x = e` /
// `var x T` of already-defined globals turned into assignments (`x = e`,
// `x = *new(T)`: the old value is freed, yaegi would keep it in the old
// variable's slot, and existing closures see the new one), or nil if
// nothing changes.
func redefineAsAssign(stmts []ast.Stmt, globals map[string]reflect.Value) []ast.Stmt {
	changed := false
	out := make([]ast.Stmt, len(stmts))
	copy(out, stmts)
	allKnown := func(names []ast.Expr) bool {
		seen := 0
		for _, l := range names {
			id, ok := l.(*ast.Ident)
			if !ok {
				return false
			}
			if id.Name == "_" {
				continue
			}
			if _, ok := globals[id.Name]; !ok {
				return false
			}
			seen++
		}
		return seen > 0
	}
	for i, st := range stmts {
		switch st := st.(type) {
		case *ast.AssignStmt:
			if st.Tok == token.DEFINE && allKnown(st.Lhs) {
				out[i] = &ast.AssignStmt{Lhs: st.Lhs, Tok: token.ASSIGN, Rhs: st.Rhs}
				changed = true
			}
		case *ast.DeclStmt:
			gd, ok := st.Decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.VAR || len(gd.Specs) != 1 {
				continue
			}
			vs := gd.Specs[0].(*ast.ValueSpec)
			var names []ast.Expr
			for _, nm := range vs.Names {
				names = append(names, nm)
			}
			switch {
			case len(vs.Values) > 0 && allKnown(names):
				out[i] = &ast.AssignStmt{Lhs: names, Tok: token.ASSIGN, Rhs: vs.Values}
				changed = true
			case vs.Type != nil && allKnown(names):
				// var x T: x = *new(T)
				var zeros []ast.Expr
				for range names {
					zeros = append(zeros, &ast.StarExpr{X: call(ident("new"), vs.Type)})
				}
				out[i] = &ast.AssignStmt{Lhs: names, Tok: token.ASSIGN, Rhs: zeros}
				changed = true
			}
		}
	}
	if !changed {
		return nil
	}
	return out
}

// runDecls runs a run of import/type/func declarations, the file src, and
// re-binds what earlier cells defined on a type the run changed (retype.go).
func (s *Session) runDecls(ctx context.Context, n int, src string) error {
	retyped, defined, err := s.declare(ctx, n, src, nil)
	if err != nil || len(retyped) == 0 {
		return err
	}
	s.rebind(ctx, n, retyped, defined)
	return nil
}

// declare compiles and runs the declarations of src. A type defined anew
// (changed, or in force) replaces the session's; force holds the keys of
// earlier definitions re-bound as they are (see rebind). It returns the
// types defined anew and the keys of everything src defined.
func (s *Session) declare(ctx context.Context, n int, src string, force map[string]bool) (retyped []string, defined map[string]bool, err error) {
	f, err := parser.ParseFile(s.yi.FileSet(), "_.go", src, 0)
	if err != nil {
		return nil, nil, s.cellError(n, err)
	}
	substituteAliases(s.yi.FileSet(), f, s.aliases)
	guardNilAsserts(s.yi.FileSet(), f, s.asserts)
	desugarRangeFuncs(s.yi.FileSet(), f, s.iters)
	if err := s.autoImport(ctx, n, f); err != nil {
		return nil, nil, err
	}
	globals := s.globals()
	rw := newRewriter(globals)
	rw.cellMain = s.hasFunc(entryMain)
	rw.fset, rw.elems = s.yi.FileSet(), s.chans
	anew := map[string]bool{} // types defined anew
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil && (d.Name.Name == "min" || d.Name.Name == "max" || d.Name.Name == "clear") {
				rw.noMin = true
			}
		case *ast.GenDecl:
			for _, sp := range d.Specs {
				if ts, ok := sp.(*ast.TypeSpec); ok {
					key := "type " + ts.Name.Name
					if old, ok := s.decl(key); ok && (old != typeSource(ts) || force[key]) {
						anew[ts.Name.Name] = true
					}
				}
			}
		}
	}
	var (
		first   []ast.Decl // imports and types
		methods []ast.Decl // methods, generic funcs, main/init
		funcs   []*ast.FuncDecl
		newImp  = map[string]string{}
		newDecl = map[string]string{}
		sources = map[string]*declSource{}
		redef   []string
	)
	defined = map[string]bool{}
	s.state.Lock()
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.GenDecl:
			var keep []ast.Spec
			for _, sp := range d.Specs {
				switch sp := sp.(type) {
				case *ast.ImportSpec:
					p := strings.Trim(sp.Path.Value, "`\"")
					name := importName(p)
					if sp.Name != nil {
						name = sp.Name.Name
					}
					if old, ok := s.imports[name]; ok && name != "_" && name != "." {
						if old == p {
							continue // already imported: re-running an import cell is fine
						}
						redef = append(redef, importRedefinition(name, old, p))
						continue
					}
					newImp[name] = p
				case *ast.TypeSpec:
					key := "type " + sp.Name.Name
					def := typeSource(sp)
					defined[key] = true
					if old, ok := s.decls[key]; ok && old == def && !anew[sp.Name.Name] {
						continue
					}
					newDecl[key] = def
					sources[key] = s.sourceOf(src, f, sp)
				}
				keep = append(keep, sp)
			}
			if len(keep) > 0 {
				d.Specs = keep
				first = append(first, d)
			}
		case *ast.FuncDecl:
			if d.Recv != nil {
				recv := recvName(d.Recv)
				key := "method " + recv + "." + d.Name.Name
				def := s.nodeString(d)
				defined[key] = true
				if old, ok := s.decls[key]; ok && !anew[recv] {
					if old == def {
						continue
					}
					redef = append(redef, methodRedefinition(recv, d.Name.Name))
					continue
				}
				newDecl[key] = def
				sources[key] = s.sourceOf(src, f, d)
				rw.funcType(d.Type)
				rw.funcBody(d.Body, recv+"."+d.Name.Name)
				methods = append(methods, d)
				continue
			}
			if d.Name.Name == "main" && d.Body != nil {
				// yaegi would run it each time it compiles anything from now
				// on: under the engine's name it runs once, when the cell's
				// code has run (execCell); a re-run cell redefines it.
				d.Name.Name = entryMain
				rw.cellMain = true
				if force == nil {
					s.mainLine = s.yi.FileSet().Position(d.Pos()).Line
				}
			}
			if d.Name.Name != "main" && d.Name.Name != "init" && d.Body != nil {
				key := "func " + d.Name.Name
				defined[key] = true
				sources[key] = s.sourceOf(src, f, d)
			}
			if d.Type.TypeParams != nil || d.Name.Name == "main" || d.Name.Name == "init" || d.Body == nil {
				rw.funcType(d.Type)
				rw.funcBody(d.Body, d.Name.Name)
				methods = append(methods, d)
				continue
			}
			funcs = append(funcs, d)
		}
	}
	s.state.Unlock()
	s.notePanics(n, rw) // (methods' bodies)
	if len(redef) > 0 {
		return nil, nil, redefinitionError(n, redef)
	}
	commit := func() {
		s.state.Lock()
		for name := range anew { // the old type's methods stay with it
			for k := range s.decls {
				if strings.HasPrefix(k, "method "+name+".") {
					delete(s.decls, k)
				}
			}
		}
		for k, v := range newImp {
			s.imports[k] = v
		}
		for k, v := range newDecl {
			s.decls[k] = v
		}
		for k, v := range sources {
			s.sources[k] = v
		}
		s.state.Unlock()
	}
	restore := func() {}
	if len(anew) > 0 {
		restore = s.symbols()
	}
	for name := range anew {
		s.dropSym(name) // or yaegi would keep the old type under the name
		retyped = append(retyped, name)
	}
	if len(first) > 0 {
		if err := s.execChunk(ctx, n, &ast.File{Package: f.Package, Name: f.Name, Decls: first}); err != nil {
			restore()
			return nil, nil, err
		}
	}
	// Top-level funcs are compiled as functions, with the methods (either
	// may call the other); a redefinition reaches earlier callers through
	// defineFuncs (funcs.go).
	for _, fd := range funcs {
		rw.funcType(fd.Type)
		rw.funcBody(fd.Body, fd.Name.Name)
		methods = append(methods, fd)
	}
	s.notePanics(n, rw)
	if len(methods) > 0 {
		s.globalVars()
		// (No position before the first declaration's: see anchor.)
		if err := s.execChunk(ctx, n, &ast.File{Name: ident("main"), Decls: methods}); err != nil {
			return nil, nil, err
		}
	}
	s.noteSpans(n, f)
	notes := s.defineFuncs(ctx, funcs, methods)
	if force == nil { // (re-bound functions take new signatures by design)
		for _, note := range notes {
			fmt.Fprintln(s.outs.errW, note)
		}
	}
	commit()
	return retyped, defined, nil
}

// The changes to earlier definitions yaegi cannot make.
func importRedefinition(name, old, p string) string {
	return fmt.Sprintf("%s already names package %q; import %q under another name, e.g. %s2 %q", name, old, p, name, p)
}

func methodRedefinition(recv, name string) string {
	return fmt.Sprintf("method %s.%s is already defined and yaegi keeps the first body of a method; restart the kernel to change it, or give the method a new name", recv, name)
}

func redefinitionError(n int, redef []string) *CellError {
	return &CellError{Name: "RedefinitionError", Value: fmt.Sprintf("cell %d: %s", n, strings.Join(redef, "; ")),
		Traceback: append([]string{fmt.Sprintf("RedefinitionError in cell %d (nothing in this cell ran):", n)}, redef...)}
}

// typeSource is the definition of a type, as s.decls keeps it.
func typeSource(sp *ast.TypeSpec) string {
	def := types.ExprString(sp.Type)
	if sp.TypeParams != nil {
		def = fieldsString(sp.TypeParams) + def
	}
	return def
}

func fieldsString(fl *ast.FieldList) string {
	var parts []string
	for _, f := range fl.List {
		var names []string
		for _, n := range f.Names {
			names = append(names, n.Name)
		}
		parts = append(parts, strings.Join(names, ", ")+" "+types.ExprString(f.Type))
	}
	return "[" + strings.Join(parts, "; ") + "]"
}

func recvName(fl *ast.FieldList) string {
	if fl == nil || len(fl.List) == 0 {
		return ""
	}
	t := fl.List[0].Type
	for {
		switch x := t.(type) {
		case *ast.StarExpr:
			t = x.X
			continue
		case *ast.IndexExpr:
			t = x.X
			continue
		case *ast.IndexListExpr:
			t = x.X
			continue
		case *ast.Ident:
			return x.Name
		}
		return types.ExprString(t)
	}
}

func (s *Session) nodeString(n ast.Node) string { return nodeString(s.yi.FileSet(), n) }

func nodeString(fset *token.FileSet, n ast.Node) string {
	var b bytes.Buffer
	_ = printer.Fprint(&b, fset, n)
	return b.String()
}

// importName is the default local name of an import path.
func importName(p string) string {
	base := path.Base(p)
	if len(base) > 1 && base[0] == 'v' && strings.Trim(base[1:], "0123456789") == "" {
		base = path.Base(path.Dir(p))
	}
	return base
}

// autoPackages maps a package name to the import path added when a cell
// uses name.X without importing it.
var autoPackages = func() map[string]string {
	m := map[string]string{}
	for _, p := range []string{"fmt", "math", "strings", "time", "os", "sort", "strconv", "errors", "bytes",
		"math/rand", "sync", "bufio", "io", "image", "image/color", "slices", "maps", "cmp", "iter", "context", "regexp", "unicode", "encoding/json"} {
		m[importName(p)] = p
	}
	for k := range symbols.Symbols {
		p := path.Dir(k)
		if strings.Contains(p, "/mlstd/") || strings.HasPrefix(p, "gonum.org/") {
			if _, dup := m[path.Base(k)]; !dup {
				m[path.Base(k)] = p
			}
		}
	}
	return m
}()

// autoImport imports packages a chunk uses by their usual name without
// having imported them.
func (s *Session) autoImport(ctx context.Context, n int, node ast.Node) error {
	declared := map[string]bool{}
	used := map[string]bool{}
	ast.Inspect(node, func(x ast.Node) bool {
		switch x := x.(type) {
		case *ast.ImportSpec:
			name := importName(strings.Trim(x.Path.Value, "`\""))
			if x.Name != nil {
				name = x.Name.Name
			}
			declared[name] = true
		case *ast.AssignStmt:
			if x.Tok == token.DEFINE {
				for _, l := range x.Lhs {
					if id, ok := l.(*ast.Ident); ok {
						declared[id.Name] = true
					}
				}
			}
		case *ast.ValueSpec:
			for _, id := range x.Names {
				declared[id.Name] = true
			}
		case *ast.Field:
			for _, id := range x.Names {
				declared[id.Name] = true
			}
		case *ast.FuncDecl:
			declared[x.Name.Name] = true
		case *ast.TypeSpec:
			declared[x.Name.Name] = true
		case *ast.RangeStmt:
			for _, e := range []ast.Expr{x.Key, x.Value} {
				if id, ok := e.(*ast.Ident); ok {
					declared[id.Name] = true
				}
			}
		case *ast.SelectorExpr:
			if id, ok := x.X.(*ast.Ident); ok {
				if _, known := autoPackages[id.Name]; known {
					used[id.Name] = true
				}
			}
		}
		return true
	})
	need := map[string]string{}
	globals := s.globals()
	s.state.Lock()
	for name := range used {
		if _, ok := s.imports[name]; ok || declared[name] {
			continue
		}
		if _, ok := globals[name]; ok {
			continue
		}
		need[name] = autoPackages[name]
	}
	s.state.Unlock()
	if len(need) == 0 {
		return nil
	}
	return s.importAs(ctx, n, need)
}

// execChunk compiles and runs one chunk, turning any failure into a *CellError.
func (s *Session) execChunk(ctx context.Context, n int, node ast.Node) error {
	anchor(node)
	_, err := s.exec(ctx, node)
	if err == nil {
		return nil
	}
	return s.cellError(n, err)
}

var posRe = regexp.MustCompile(`(?:[\w./-]*/)?cell(\d+)/_\.go:(\d+):(\d+):?`)

// cellPos rewrites "cell3/_.go:2:5:" into "cell 3, line 2:".
func cellPos(s string) string {
	return posRe.ReplaceAllString(s, "cell $1, line $2:")
}

// cellError converts parse, compile and run-time failures into a *CellError.
func (s *Session) cellError(n int, err error) error {
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee
	}
	var ce *CellError
	if errors.As(err, &ce) {
		return ce
	}
	var el scanner.ErrorList
	if errors.As(err, &el) && len(el) > 0 {
		var tb []string
		s.state.Lock()
		lines := s.cellLines
		s.state.Unlock()
		for _, e := range el {
			if e.Pos.Line > lines && lines > 0 {
				e.Pos.Line = lines
				e.Msg = "unexpected end of cell: " + e.Msg
			}
			tb = append(tb, cellPos(e.Pos.String()+": "+e.Msg))
		}
		return &CellError{Name: "SyntaxError", Value: tb[0], Traceback: tb}
	}
	var cp *compilePanic
	if errors.As(err, &cp) {
		msg := fmt.Sprint(unwrapPanic(cp.v))
		hint := "yaegi crashed compiling this statement"
		if strings.Contains(msg, "nil type") || strings.Contains(msg, "index out of range") {
			hint += " (known yaegi limits: `v, ok := <-ch` at cell top level, range over a function or an integer whose type the engine cannot see; write the loop as for i := 0; i < n; i++ or move the code into a function)"
		}
		v := fmt.Sprintf("cell %d: %s: %s", n, hint, msg)
		return &CellError{Name: "CompileError", Value: v, Traceback: []string{v}}
	}
	if errors.Is(err, errHardStop) {
		v := fmt.Sprintf("cell %d %s: it is blocked where an interrupt cannot reach it (a sync wait such as WaitGroup.Wait or Mutex.Lock, "+
			"a receive on a channel the engine cannot see, or a long compiled call) and was left waiting in the background; "+
			"variables, functions and closures are intact (if the blocked call ever returns, the rest of its statement runs)", n, strings.TrimPrefix(errHardStop.Error(), "interp: cell "))
		return &CellError{Name: "KeyboardInterrupt", Value: v, Traceback: []string{"KeyboardInterrupt: " + v}}
	}
	var de *deadlockError
	if errors.As(err, &de) {
		v := fmt.Sprintf("cell %d: %v", n, de)
		return &CellError{Name: "Deadlock", Value: v, Traceback: []string{"fatal error: " + v}, cause: de}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		v := fmt.Sprintf("cell %d was cancelled (%v) and left running in the background; variables, functions and closures are intact", n, err)
		return &CellError{Name: "Cancelled", Value: v, Traceback: []string{v}}
	}
	var re *recursionError
	if errors.As(err, &re) {
		v := fmt.Sprintf("cell %d: %v", n, re)
		return &CellError{Name: "RecursionError", Value: v, Traceback: []string{"RecursionError: " + v}, cause: re}
	}
	if errors.Is(err, errGoexit) {
		v := fmt.Sprintf("cell %d: %v", n, err)
		return &CellError{Name: "Goexit", Value: v, Traceback: []string{v}}
	}
	var p yaegi.Panic
	if errors.As(err, &p) {
		s.outs.flush()
		lines := s.outs.takePanics()
		val := unwrapPanic(p.Value)
		if e, ok := val.(error); ok && errors.Is(e, host.ErrInterrupted) {
			return &CellError{Name: "KeyboardInterrupt", Value: "interrupted by user",
				Traceback: []string{fmt.Sprintf("KeyboardInterrupt: cell %d was interrupted; variables and functions defined so far are intact", n)}}
		}
		if x, ok := val.(stdlib.Exit); ok {
			v := x.String()
			return &ExitError{Code: x.Code, CellError: &CellError{Name: "Exit", Value: v,
				Traceback: []string{fmt.Sprintf("Exit: cell %d called %s; the cell stopped there, the session goes on", n, v)}}}
		}
		name := "panic"
		if _, ok := val.(runtime.Error); ok {
			name = "runtime error"
		}
		msg := fmt.Sprint(val)
		if e, ok := val.(error); ok {
			msg = e.Error()
		}
		msg = cellPos(msg)
		if name == "runtime error" {
			msg = strings.TrimPrefix(msg, "runtime error: ") // the name says it once
		}
		if m, ok := goRuntimeError(msg); ok {
			name, msg = "runtime error", m
		}
		tb := []string{name + ": " + msg}
		prev, exactIn := "", ""
		for _, l := range lines {
			at, fn, exact := s.nameFrame(cellPos(l))
			if fn != "" && fn == exactIn {
				continue // the approximate line of the function the panic is in
			}
			exactIn = ""
			if exact {
				exactIn = fn
			} else {
				at += " (approximate)"
			}
			if at = "  at " + at; at != prev {
				tb = append(tb, at)
			}
			prev = at
		}
		return &CellError{Name: name, Value: msg, Traceback: tb}
	}
	msg := cellPos(err.Error())
	if strings.HasSuffix(msg, "definition loop") {
		msg += " (yaegi's wording for a name that is not defined, or a var initialised from itself: check the names on this line)"
	}
	if !strings.HasPrefix(msg, "cell ") {
		msg = fmt.Sprintf("cell %d: %s", n, msg)
	}
	return &CellError{Name: "CompileError", Value: msg, Traceback: []string{msg}}
}

// anchor gives synthesized nodes of a chunk the position of its first
// positioned node (see fixPos).
func anchor(n ast.Node) ast.Node {
	var pos token.Pos
	ast.Inspect(n, func(x ast.Node) bool {
		if pos.IsValid() || x == nil {
			return false
		}
		if p := x.Pos(); p.IsValid() {
			pos = p
			return false
		}
		return true
	})
	fixPos(n, pos)
	return n
}

// globals is yaegi's Globals, which panics when a failed compile left
// symbols the global frame has not grown for yet. On the cell's own
// goroutine (grow true) running a trivial program grows the frame; from
// Complete/Inspect, which may run during a cell, it just gives up.
//
// globals, for the cell's goroutine, builds the map (every global of the
// session) once per compile or run, not each time a chunk of a cell asks;
// callers must not change it.
func (s *Session) globals() map[string]reflect.Value {
	if s.globalsMap == nil || s.globalsAt != s.epoch {
		s.globalsMap = s.globalsGrow(true)
		s.globalsAt = s.epoch
	}
	return s.globalsMap
}

func (s *Session) globalsGrow(grow bool) (g map[string]reflect.Value) {
	for try := 0; try < 2; try++ {
		func() {
			defer func() {
				if recover() != nil {
					g = nil
				}
			}()
			g = s.yi.Globals()
		}()
		if g != nil {
			return s.withFuncs(g)
		}
		if !grow {
			break
		}
		if p, err := s.compile("package main\nfunc main() {}\n"); err == nil {
			_, _ = s.yi.Execute(p)
		}
	}
	return map[string]reflect.Value{}
}

// singleValue reports whether x may have exactly one value: false for calls
// of package functions or cell functions known to return zero or several
// results (yaegi would silently keep the first).
func (s *Session) singleValue(x ast.Expr, globals map[string]reflect.Value) bool {
	c, ok := x.(*ast.CallExpr)
	if !ok {
		return true
	}
	var fn reflect.Value
	switch f := c.Fun.(type) {
	case *ast.Ident:
		fn = globals[f.Name]
		switch f.Name {
		case "panic", "print", "println", "close", "delete", "clear":
			if !fn.IsValid() {
				return false // builtins without a value
			}
		}
	case *ast.SelectorExpr:
		pkg, ok := f.X.(*ast.Ident)
		if !ok {
			return true
		}
		if syms := s.pkgSymbols(pkg.Name); syms != nil {
			fn = syms[f.Sel.Name]
		}
	}
	if fn.IsValid() && fn.Kind() == reflect.Func {
		return fn.Type().NumOut() == 1
	}
	return true
}

// funcSpan records the cell lines of a function or method declaration,
// or (panic set) of a panic statement the rewriter wrapped in a literal.
type funcSpan struct {
	cell, from, to int
	name           string
	panic          bool
}

func (s *Session) noteSpans(n int, f *ast.File) {
	fset := s.yi.FileSet()
	s.state.Lock()
	defer s.state.Unlock()
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok {
			continue
		}
		name := s.goName(fd.Name.Name)
		if fd.Recv != nil {
			name = recvName(fd.Recv) + "." + name
		}
		s.spans = append(s.spans, funcSpan{n, fset.Position(fd.Pos()).Line, fset.Position(fd.End()).Line, name, false})
	}
}

// notePanics records the panic statements rw wrapped since the last call:
// the frame of such a wrapper starts within the statement, so a traceback
// frame there is the panic's own line.
func (s *Session) notePanics(n int, rw *rewriter) {
	if len(rw.panics) == 0 {
		return
	}
	fset := s.yi.FileSet()
	s.state.Lock()
	defer s.state.Unlock()
	for _, p := range rw.panics {
		from, to := fset.Position(p.Pos()), fset.Position(p.End())
		if from.Filename == to.Filename && from.Filename == fmt.Sprintf("cell%d/_.go", n) {
			s.spans = append(s.spans, funcSpan{n, from.Line, to.Line, "", true})
		}
	}
	rw.panics = rw.panics[:0]
}

var frameRe = regexp.MustCompile(`^cell (\d+), line (\d+): panic: (.*)$`)

// nameFrame turns yaegi's "cell 3, line 2: panic: main.func(...)" into
// "cell 3, line 2, in f" and returns the function's name: closures made
// from cell functions have no name of their own, so the innermost declared
// function around the line names it. yaegi gives the line of the frame's
// first node, so the line is approximate (exact false) unless the frame is
// that of a wrapped panic statement, whose first line it then gives.
func (s *Session) nameFrame(l string) (at, fn string, exact bool) {
	m := frameRe.FindStringSubmatch(l)
	if m == nil {
		return l, "", false
	}
	cell, line := atoiOr(m[1]), atoiOr(m[2])
	fn = strings.TrimSuffix(strings.TrimPrefix(m[3], "main."), "(...)")
	s.state.Lock()
	best := -1
	for i, sp := range s.spans {
		if sp.cell != cell || line < sp.from || line > sp.to {
			continue
		}
		if sp.panic {
			if m[3] != "main(...)" { // (the cell's own code calls nothing panic-wrapped)
				line, exact = sp.from, true
			}
			continue
		}
		if best < 0 || sp.from >= s.spans[best].from {
			best = i
		}
	}
	if best >= 0 {
		fn = s.spans[best].name
	}
	s.state.Unlock()
	if fn == "" || fn == "func" || strings.HasPrefix(fn, "func.") {
		fn = "cell code"
	}
	return fmt.Sprintf("cell %d, line %d, in %s", cell, line, fn), fn, exact
}

func atoiOr(x string) int {
	n := 0
	for _, c := range x {
		n = n*10 + int(c-'0')
	}
	return n
}

// hasStringMethods reports whether a cell declared a String method.
func (s *Session) hasStringMethods() bool {
	s.state.Lock()
	defer s.state.Unlock()
	for k := range s.decls {
		if strings.HasSuffix(k, ".String") {
			return true
		}
	}
	return false
}
