package interp

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"strings"
)

// precheck looks at a whole cell before any of it runs and returns the
// order in which to run its units (nil: source order). A cell is compiled
// and run chunk by chunk (a later chunk may use what an earlier one
// defines), so without this a typo on line 15 would be reported after lines
// 1-14 had run. It reports
//
//   - syntax errors in any chunk,
//   - names that are defined nowhere: not in the session (variables,
//     functions, types, imports), not at the top level of this cell, not
//     as a package used by its usual name and not predeclared, or defined
//     in this cell only after their use, and
//   - type errors and changed types or methods: the whole cell is
//     type-checked in its run order (typecheck), which also says which
//     `x := e` give an existing x a new type.
//
// Declarations are hoisted, as in a Go file, where the order of functions
// and types does not matter: each run of declarations runs as early as
// what it uses from this cell allows (after the statements defining the
// variables it uses, after the declarations it uses), never later than its
// place in the cell. Statements keep their order, so a variable used above
// its definition is still an error.
//
// It errs on the side of silence: anything it is unsure of is left to
// yaegi, whose errors the engine annotates with what already ran.
// The check's result records what each unit defines, for the session's
// view once the unit has run (of unknown type where the check could not
// judge the cell).
func (s *Session) precheck(n int, code string, items []item, us []unit) ([]int, *cellCheck, error) {
	if len(us) == 0 {
		return nil, nil, nil
	}
	fset, files, err := s.parseUnits(n, code, items, us)
	if err != nil {
		return nil, nil, err
	}
	// Defined in the session already: what the type view knows (every
	// global a cell defined), imports and types; yaegi's own list of
	// globals, costly in a large session, only to settle a name not found
	// otherwise.
	var globals map[string]bool
	known := func(name string, ask bool) bool {
		if _, ok := s.types.names[name]; ok {
			return true
		}
		s.state.Lock()
		_, imp := s.imports[name]
		s.state.Unlock()
		if imp || s.isType(name) {
			return true
		}
		if globals == nil && ask {
			globals = map[string]bool{}
			for name := range s.globals() {
				globals[name] = true
			}
		}
		return globals[name]
	}
	g := unitGraph(us, files)
	defs, defUnit, uses := g.defs, g.defUnit, g.uses
	unchecked := &cellCheck{view: s.types, defs: g.all, unitOf: g.allUnit} // what each unit defines, if the check is skipped
	if g.dotImport {
		return nil, unchecked, nil
	}
	order, why := hoist(us, uses, defUnit)
	at := make([]int, len(us)) // unit -> its place in order
	for k, u := range order {
		at[u] = k
	}
	for i := range us {
		for _, id := range uses[i] {
			name := id.Name
			if known(name, false) {
				continue
			}
			if d, ok := defUnit[name]; ok {
				if d == i || at[d] < at[i] || known(name, true) {
					continue // (a file's imports are unresolved names)
				}
				msg := cellPos(fmt.Sprintf("%s: undefined: %s", fset.Position(id.Pos()), name))
				line := fset.Position(defs[name].Pos()).Line
				var v string
				if b := why[d]; us[d].decl && b != nil && at[defUnit[b.Name]] > at[i] {
					// A declaration that needs a variable defined after the use.
					v = fmt.Sprintf("%s (declared on line %d of this cell, but it uses %s, which is defined on line %d, after this line; a cell's statements run from top to bottom; nothing in this cell ran)",
						msg, line, b.Name, fset.Position(defs[b.Name].Pos()).Line)
				} else if us[i].decl && us[d].decl {
					// Declarations using each other across a statement.
					v = fmt.Sprintf("%s (declared on line %d of this cell, in another run of declarations that needs this one: declarations that use each other must have no statement between them; nothing in this cell ran)", msg, line)
				} else {
					// Declarations are hoisted, statements are not.
					v = fmt.Sprintf("%s (defined later, on line %d of this cell; a cell's statements run from top to bottom, so move the definition up; nothing in this cell ran)", msg, line)
				}
				return nil, nil, &CellError{Name: "CompileError", Value: v, Traceback: []string{v}}
			}
			if _, auto := autoPackages[name]; auto || types.Universe.Lookup(name) != nil || known(name, true) {
				continue
			}
			msg := cellPos(fmt.Sprintf("%s: undefined: %s", fset.Position(id.Pos()), name))
			v := msg + " (nothing in this cell ran)"
			return nil, nil, &CellError{Name: "CompileError", Value: v, Traceback: []string{v}}
		}
	}
	check, err := s.typecheck(n, fset, us, files, order, globals)
	if err != nil {
		return nil, nil, err
	}
	if check == nil {
		check = unchecked
	}
	return order, check, nil
}

// parseUnits parses every unit as execCell will, in a file set of its own
// (the interpreter's keeps every file it is given); a magic line is an
// empty file.
func (s *Session) parseUnits(n int, code string, items []item, us []unit) (*token.FileSet, []*ast.File, error) {
	fset := token.NewFileSet()
	files := make([]*ast.File, len(us))
	for i, u := range us {
		if u.magic {
			files[i] = &ast.File{Name: ident("main")} // defines and uses nothing
			continue
		}
		f, err := parser.ParseFile(fset, "_.go", unitSource(n, code, items, u), 0)
		if err != nil {
			return nil, nil, s.cellError(n, err)
		}
		files[i] = f
	}
	return fset, files, nil
}

// cellNames is what the units of a cell define and use at its top level.
type cellNames struct {
	defs    map[string]*ast.Ident // a name's first definition
	defUnit map[string]int        // the unit of that definition
	uses    [][]*ast.Ident        // uses[u]: the names unit u takes from elsewhere (other units, the session)
	all     [][2]string           // every definition, as (name, "") pairs
	allUnit []int                 // all[i] is in unit allUnit[i]
	// dotImport: a unit imports a package into the file's scope, whose
	// names no one can tell apart from the cell's.
	dotImport bool
}

// unitGraph finds what the units us, parsed into files, define and use.
func unitGraph(us []unit, files []*ast.File) *cellNames {
	g := &cellNames{defs: map[string]*ast.Ident{}, defUnit: map[string]int{}, uses: make([][]*ast.Ident, len(us))}
	def := func(id *ast.Ident, u int) {
		if id.Name != "_" {
			g.all = append(g.all, [2]string{id.Name, ""})
			g.allUnit = append(g.allUnit, u)
		}
		if _, ok := g.defs[id.Name]; !ok {
			g.defs[id.Name], g.defUnit[id.Name] = id, u
		}
	}
	for i, f := range files {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.GenDecl:
				for _, sp := range d.Specs {
					switch sp := sp.(type) {
					case *ast.ImportSpec:
						name := importName(strings.Trim(sp.Path.Value, "`\""))
						if sp.Name != nil {
							name = sp.Name.Name
						}
						if name == "." {
							g.dotImport = true
						}
						def(&ast.Ident{Name: name, NamePos: sp.Pos()}, i)
					case *ast.TypeSpec:
						def(sp.Name, i)
					case *ast.ValueSpec:
						for _, id := range sp.Names {
							def(id, i)
						}
					}
				}
			case *ast.FuncDecl:
				if d.Recv != nil {
					continue
				}
				if d.Name.Name != "main" || us[i].decl {
					def(d.Name, i)
					continue
				}
				// A statement chunk: its top-level definitions are globals.
				for _, st := range d.Body.List {
					topLevelNames(st, func(id *ast.Ident) { def(id, i) })
				}
			}
		}
	}
	for i, f := range files {
		keys := compositeKeys(f)
		for _, id := range f.Unresolved {
			if !keys[id] && !strings.HasPrefix(id.Name, "__gk") {
				g.uses[i] = append(g.uses[i], id)
			}
		}
	}
	return g
}

// hoist orders the units of a cell: statements in source order, each run
// of declarations as early as the units it uses (uses, defined by the units
// defUnit names) allow, and never after its place in the cell. why[u] is
// the name from a statement that holds declaration unit u back, if any.
func hoist(us []unit, uses [][]*ast.Ident, defUnit map[string]int) (order []int, why []*ast.Ident) {
	// slot[u]: u runs after statement unit slot[u] (-1: first).
	slot := make([]int, len(us))
	why = make([]*ast.Ident, len(us))
	lastStmt := make([]int, len(us)) // the last statement unit before u
	prev := -1
	for u := range us {
		lastStmt[u] = prev
		if !us[u].decl {
			prev = u
		}
	}
	const (
		todo = iota
		busy
		done
	)
	state := make([]int, len(us))
	var place func(u int)
	place = func(u int) {
		state[u] = busy
		slot[u] = -1
		for _, id := range uses[u] {
			d, ok := defUnit[id.Name]
			if !ok || d == u {
				continue
			}
			at := -1
			switch {
			case !us[d].decl:
				at = d
			case state[d] == busy:
				continue // declarations using each other: source order decides
			default:
				if state[d] == todo {
					place(d)
				}
				at = slot[d]
			}
			if at > lastStmt[u] {
				continue // defined after u's place: an error or a session name
			}
			if at > slot[u] {
				slot[u] = at
				if !us[d].decl {
					why[u] = id
				} else {
					why[u] = why[d]
				}
			}
		}
		state[u] = done
	}
	for u := range us {
		if us[u].decl && state[u] == todo {
			place(u)
		}
	}
	emitted := make([]bool, len(us))
	var emit func(u int)
	emit = func(u int) {
		if emitted[u] {
			return
		}
		emitted[u] = true
		if us[u].decl {
			for _, id := range uses[u] {
				if d, ok := defUnit[id.Name]; ok && us[d].decl && slot[d] <= slot[u] {
					emit(d)
				}
			}
		}
		order = append(order, u)
	}
	emitSlot := func(k int) {
		for u := range us {
			if us[u].decl && slot[u] == k {
				emit(u)
			}
		}
	}
	emitSlot(-1)
	for u := range us {
		if !us[u].decl {
			emit(u)
			emitSlot(u)
		}
	}
	return order, why
}

// topLevelNames calls def with the names a top-level statement defines.
func topLevelNames(st ast.Stmt, def func(*ast.Ident)) {
	switch st := st.(type) {
	case *ast.AssignStmt:
		if st.Tok == token.DEFINE {
			for _, l := range st.Lhs {
				if id, ok := l.(*ast.Ident); ok {
					def(id)
				}
			}
		}
	case *ast.DeclStmt:
		if gd, ok := st.Decl.(*ast.GenDecl); ok {
			for _, sp := range gd.Specs {
				switch sp := sp.(type) {
				case *ast.ValueSpec:
					for _, id := range sp.Names {
						def(id)
					}
				case *ast.TypeSpec:
					def(sp.Name)
				}
			}
		}
	case *ast.LabeledStmt:
		topLevelNames(st.Stmt, def)
	}
}

// compositeKeys returns the identifiers used as keys in composite literals:
// struct field names, which the parser cannot resolve.
func compositeKeys(f *ast.File) map[*ast.Ident]bool {
	keys := map[*ast.Ident]bool{}
	ast.Inspect(f, func(x ast.Node) bool {
		if cl, ok := x.(*ast.CompositeLit); ok {
			for _, e := range cl.Elts {
				if kv, ok := e.(*ast.KeyValueExpr); ok {
					if id, ok := kv.Key.(*ast.Ident); ok {
						keys[id] = true
					}
				}
			}
		}
		return true
	})
	return keys
}
