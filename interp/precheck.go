package interp

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"strings"
)

// precheck looks at a whole cell before any of it runs. A cell is compiled
// and run chunk by chunk (a later chunk may use what an earlier one
// defines), so without this a typo on line 15 would be reported after lines
// 1-14 had run. It reports
//
//   - syntax errors in any chunk, and
//   - names that are defined nowhere: not in the session (variables,
//     functions, types, imports), not at the top level of this cell, not
//     as a package used by its usual name and not predeclared.
//
// It errs on the side of silence: anything it is unsure of is left to
// yaegi, whose errors the engine annotates with what already ran.
func (s *Session) precheck(n int, code string, items []item) error {
	chunks := 0
	for _, it := range items {
		if !it.pkg {
			chunks++
		}
	}
	if chunks < 2 {
		return nil // nothing can run before the only chunk is compiled
	}
	// Parse every chunk as execCell will; run numbers follow execution
	// order (a run of declarations is compiled as one file).
	var (
		files []*ast.File
		runs  []int
	)
	run, prevDecl := -1, false
	for _, it := range items {
		if it.pkg {
			continue
		}
		var src string
		if it.decl {
			src = "package main\n" + chunkSource(n, code, it.start, it.end) + "\n"
		} else {
			src = "package main\nfunc main() {\n" + chunkSource(n, code, it.start, it.end) + "\n}\n"
		}
		f, err := parser.ParseFile(s.yi.FileSet(), "_.go", src, 0)
		if err != nil {
			return s.cellError(n, err)
		}
		if !(it.decl && prevDecl) {
			run++
		}
		prevDecl = it.decl
		files = append(files, f)
		runs = append(runs, run)
	}
	known := map[string]bool{} // defined in the session already
	for name := range s.globalsGrow(true) {
		known[name] = true
	}
	s.state.Lock()
	for name := range s.imports {
		known[name] = true
	}
	for k := range s.decls {
		if name, ok := strings.CutPrefix(k, "type "); ok {
			known[name] = true
		}
	}
	s.state.Unlock()
	defs := map[string]*ast.Ident{} // defined at the top level of this cell: the first definition
	defRun := map[string]int{}
	def := func(id *ast.Ident, run int) {
		if _, ok := defs[id.Name]; !ok {
			defs[id.Name], defRun[id.Name] = id, run
		}
	}
	dotImport := false
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
							dotImport = true
						}
						def(&ast.Ident{Name: name, NamePos: sp.Pos()}, runs[i])
					case *ast.TypeSpec:
						def(sp.Name, runs[i])
					case *ast.ValueSpec:
						for _, id := range sp.Names {
							def(id, runs[i])
						}
					}
				}
			case *ast.FuncDecl:
				if d.Recv != nil {
					continue
				}
				if d.Name.Name != "main" {
					def(d.Name, runs[i])
					continue
				}
				// A statement chunk: its top-level definitions are globals.
				for _, st := range d.Body.List {
					topLevelNames(st, func(id *ast.Ident) { def(id, runs[i]) })
				}
			}
		}
	}
	if dotImport {
		return nil
	}
	fset := s.yi.FileSet()
	for i, f := range files {
		keys := compositeKeys(f)
		for _, id := range f.Unresolved {
			name := id.Name
			if known[name] || keys[id] || strings.HasPrefix(name, "__gk") {
				continue
			}
			if d, ok := defs[name]; ok {
				if defRun[name] <= runs[i] {
					continue
				}
				// Go orders package-level declarations itself; a cell runs
				// top to bottom.
				msg := cellPos(fmt.Sprintf("%s: undefined: %s", fset.Position(id.Pos()), name))
				v := fmt.Sprintf("%s (defined later, on line %d of this cell; a cell runs from top to bottom, so move the definition up; nothing in this cell ran)", msg, fset.Position(d.Pos()).Line)
				return &CellError{Name: "CompileError", Value: v, Traceback: []string{v}}
			}
			if _, auto := autoPackages[name]; auto || types.Universe.Lookup(name) != nil {
				continue
			}
			msg := cellPos(fmt.Sprintf("%s: undefined: %s", fset.Position(id.Pos()), name))
			v := msg + " (nothing in this cell ran)"
			return &CellError{Name: "CompileError", Value: v, Traceback: []string{v}}
		}
	}
	return nil
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
