package interp

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"runtime"
	"sort"
	"strconv"
	"strings"
)

// Type-checking a whole cell before any of it runs.
//
// The session, as go/types sees it, is one package "main" (typeView.pkg)
// that grows cell by cell, like a Go file grows: every cell is checked as
// one more file of it, with its statements' top-level definitions as
// package-level variables and its other statements in a function body,
// against the package's earlier objects and packages built from the
// interpreter's own symbol tables (gotypes.go). A name a cell defines
// again (`x := e` of an existing x, a function redefined, a cell run
// twice) gets a fresh internal name (x·3) in the package, and the uses
// after it are renamed to match: go/types sees Go's rules applied in the
// cell's run order, and the session's x is x·3 from then on
// (typeView.names), once the statement has run.
//
// go/types takes a method only in the check that declares its type, so a
// method added to an earlier cell's type is added to the type in the view
// from its signature (checked first), and its body is checked with the
// cell as a function literal. A check that fails leaves its objects in
// the package (go/types cannot remove them): they are garbage no name
// points to, except a method added to an earlier type, which stays. Each
// check also leaves its file's scope in the package, a few hundred bytes,
// unless the cell defines nothing: such a cell is checked in a package of
// its own that holds the session's objects, garbage afterwards.
//
// The check errs on the side of silence: a global it has no type for (one
// defined where the check was skipped, or by a statement that panicked) is
// of invalid type, on which go/types reports nothing, and where it cannot
// describe a cell (a dot import, a package the tables lack, a method it
// already added) it skips the check and the cell runs as before. Errors Go
// reports but the engine accepts are not reported: unused variables and
// imports, a trailing expression's unused value, initialisation cycles of
// top-level definitions, missing returns, and the generic members of
// slices, maps and the like that the engine provides by rewriting. The
// figures: BenchmarkCellCheck.

// typeView is the session as go/types sees it.
type typeView struct {
	pkg   *types.Package
	names map[string]string // a global's name -> its object's name in pkg
	seq   int               // for fresh internal names
}

func newTypeView() *typeView {
	return &typeView{pkg: types.NewPackage("main", "main"), names: map[string]string{}}
}

// fresh returns an internal name for a new definition of name.
func (v *typeView) fresh(name string) string {
	v.seq++
	return name + "·" + strconv.Itoa(v.seq)
}

// external removes the suffixes of internal names from a message.
func external(msg string) string {
	var b strings.Builder
	for {
		i := strings.Index(msg, "·")
		if i < 0 {
			break
		}
		j := i + len("·")
		for j < len(msg) && msg[j] >= '0' && msg[j] <= '9' {
			j++
		}
		b.WriteString(msg[:i])
		msg = msg[j:]
	}
	b.WriteString(msg)
	return b.String()
}

// cellCheck is what the check of a cell found out.
type cellCheck struct {
	view   *typeView   // the view checked against (%reset replaces it)
	defs   [][2]string // (name, internal name) pairs the cell defines
	unitOf []int       // defs[i] belongs to unit unitOf[i]
	// retype[u]: unit u is a `x := e` or `var x = e` of an existing global
	// x whose type differs from e's: x must be declared anew, not assigned.
	retype map[int]bool
	// rangeFuncs are the cell's ranges over functions (rangefunc.go).
	rangeFuncs rangeFuncs
	// chanElems are the element types of its channel operations (selects.go).
	chanElems chanElems
	// aliases are the uses of its local type aliases (aliases.go).
	aliases localAliases
	// asserts are its comma-ok assertions to compiled interfaces (asserts.go).
	asserts nilAsserts
}

// commit records the definitions of unit u, which has run; isType tells
// whether a name of unknown type is a type.
func (c *cellCheck) commit(v *typeView, u int, isType func(string) bool) {
	if c == nil || c.view != v {
		return
	}
	for i, d := range c.defs {
		if c.unitOf[i] != u {
			continue
		}
		if d[1] == "" {
			v.invalid(d[0], isType(d[0]))
			continue
		}
		v.names[d[0]] = d[1]
	}
}

// invalid makes name a global (or type) of invalid type in the view.
func (v *typeView) invalid(name string, isType bool) string {
	in := v.fresh(name)
	if isType {
		v.pkg.Scope().Insert(types.NewTypeName(token.NoPos, v.pkg, in, types.Typ[types.Invalid]))
	} else {
		v.pkg.Scope().Insert(types.NewVar(token.NoPos, v.pkg, in, types.Typ[types.Invalid]))
	}
	v.names[name] = in
	return in
}

// forget drops what the view knew of the names unit u defines: u failed
// while it ran, so what they now hold is unknown.
func (c *cellCheck) forget(v *typeView, u int) {
	if c == nil || c.view != v {
		return
	}
	for i, d := range c.defs {
		if c.unitOf[i] == u {
			delete(v.names, d[0])
		}
	}
}

// genericMember reports whether name of package p may be a generic member
// the engine provides although the symbol tables lack it (rewrites,
// yaegi's generic sources): such a missing member is not reported.
func genericMember(p, name string) bool {
	switch p {
	case "slices", "maps", "cmp", "iter":
		return true
	case "sync":
		return strings.HasPrefix(name, "Once")
	case "sync/atomic":
		return name == "Pointer"
	}
	return false
}

// typecheck checks the cell whose units us were parsed into files (with
// fset), to run in order. It returns nil, nil when it cannot judge the cell.
//
// globals, when precheck asked yaegi for them (nil otherwise), are the
// names of the session's globals.
func (s *Session) typecheck(n int, fset *token.FileSet, us []unit, files []*ast.File, order []int, globals map[string]bool) (*cellCheck, error) {
	v := s.types
	scope := v.pkg.Scope()
	s.state.Lock()
	imports := map[string]string{}
	for name, p := range s.imports {
		if !strings.HasPrefix(name, "__gk") {
			imports[name] = p
		}
	}
	s.state.Unlock()
	// The internal name of a global at this point of the cell: the cell's
	// own definitions so far over the session's.
	mine := map[string]string{}
	cur := func(name string) (string, bool) {
		if in, ok := mine[name]; ok {
			return in, true
		}
		in, ok := v.names[name]
		return in, ok
	}
	// A global or type the view does not describe (a cell that failed
	// defined it, or the view missed it) is of invalid type.
	unknown := func(name string) (string, bool) {
		_, isType := s.decl("type " + name)
		if !isType && !globals[name] || strings.HasPrefix(name, "__gk") {
			return "", false
		}
		in := v.invalid(name, isType)
		return in, true
	}
	fileImports := map[string]*ast.ImportSpec{}
	var cellDecls []ast.Decl
	var added []*ast.FuncDecl // methods of earlier cells' types
	body := &ast.BlockStmt{}
	c := &cellCheck{view: v, retype: map[int]bool{}}
	shown := map[token.Pos]bool{} // top-level calls: their value may be the result
	quiet := map[token.Pos]bool{} // composite literal keys that may name a renamed global
	refs := map[string]bool{}     // the session's objects the cell names
	var assigns []struct {
		unit  int
		names [][2]string // (old internal, new internal)
	}
	// rename points the identifiers of f resolved to def at name.
	rename := func(f *ast.File, def *ast.Object, name string) {
		ast.Inspect(f, func(x ast.Node) bool {
			if id, ok := x.(*ast.Ident); ok && id.Obj == def {
				id.Name = name
			}
			return true
		})
	}
	// A changed type is defined anew and what mentions it re-bound
	// (retype.go): the view cannot describe that before it has run.
	for u, f := range files {
		if f == nil || !us[u].decl {
			continue
		}
		for _, d := range f.Decls {
			if gd, ok := d.(*ast.GenDecl); ok {
				for _, sp := range gd.Specs {
					if ts, ok := sp.(*ast.TypeSpec); ok {
						if old, ok := s.decl("type " + ts.Name.Name); ok && old != typeSource(ts) {
							return nil, nil
						}
					}
				}
			}
		}
	}
	for _, u := range order {
		f := files[u]
		if us[u].magic {
			continue
		}
		// Definitions as the session keeps them, before any renaming.
		srcs := map[ast.Node]string{}
		recvs := map[*ast.FuncDecl]string{}
		if us[u].decl {
			for _, d := range f.Decls {
				switch d := d.(type) {
				case *ast.GenDecl:
					for _, sp := range d.Specs {
						if ts, ok := sp.(*ast.TypeSpec); ok {
							srcs[ts] = typeSource(ts)
						}
					}
				case *ast.FuncDecl:
					if d.Recv != nil {
						srcs[d] = nodeString(fset, d)
						recvs[d] = recvName(d.Recv)
					}
				}
			}
		}
		// Uses of names defined before this point.
		unresolved := f.Unresolved
		if !us[u].decl {
			// A statement chunk is parsed as the body of a func main, to
			// which the parser resolved calls of a cell's func main.
			if w := f.Decls[0].(*ast.FuncDecl); w.Name.Obj != nil {
				ast.Inspect(w.Body, func(n ast.Node) bool {
					if id, ok := n.(*ast.Ident); ok && id.Obj == w.Name.Obj {
						unresolved = append(unresolved, id)
					}
					return true
				})
			}
		}
		for _, id := range unresolved {
			in, ok := cur(id.Name)
			if !ok {
				in, ok = unknown(id.Name)
			}
			if ok {
				id.Name = in
				refs[in] = true
			}
		}
		// Keys of composite literals are left as they are: a field name
		// or a map key, go/types will tell; nothing is reported about
		// one that names a renamed global.
		for id := range compositeKeys(f) {
			if in, ok := cur(id.Name); ok && in != id.Name {
				quiet[id.Pos()] = true
			}
			refs[id.Name] = true
		}
		define := func(id *ast.Ident) {
			if id.Name == "_" {
				return
			}
			name := id.Name
			in := name
			_, isImport := fileImports[name]
			if _, taken := imports[name]; taken || isImport || scope.Lookup(name) != nil || mine[name] != "" {
				in = v.fresh(name)
			}
			if id.Obj != nil {
				rename(f, id.Obj, in)
			}
			id.Name = in
			mine[name] = in
			c.defs = append(c.defs, [2]string{name, in})
			c.unitOf = append(c.unitOf, u)
		}
		if !us[u].decl {
			for _, st := range f.Decls[0].(*ast.FuncDecl).Body.List {
				switch st := st.(type) {
				case *ast.AssignStmt:
					if st.Tok != token.DEFINE {
						body.List = append(body.List, st)
						continue
					}
					spec := &ast.ValueSpec{Values: st.Rhs}
					var pairs [][2]string
					for _, l := range st.Lhs {
						id, ok := l.(*ast.Ident)
						if !ok {
							return nil, nil // not Go: yaegi says so
						}
						old, _ := cur(id.Name)
						define(id)
						pairs = append(pairs, [2]string{old, id.Name})
						spec.Names = append(spec.Names, id)
					}
					cellDecls = append(cellDecls, &ast.GenDecl{Tok: token.VAR, TokPos: st.Pos(), Specs: []ast.Spec{spec}})
					assigns = append(assigns, struct {
						unit  int
						names [][2]string
					}{u, pairs})
				case *ast.DeclStmt:
					gd := st.Decl.(*ast.GenDecl)
					var pairs [][2]string
					for _, sp := range gd.Specs {
						switch sp := sp.(type) {
						case *ast.ValueSpec:
							for _, id := range sp.Names {
								old, _ := cur(id.Name)
								define(id)
								pairs = append(pairs, [2]string{old, id.Name})
							}
						case *ast.TypeSpec:
							define(sp.Name)
						}
					}
					cellDecls = append(cellDecls, gd)
					if gd.Tok == token.VAR {
						assigns = append(assigns, struct {
							unit  int
							names [][2]string
						}{u, pairs})
					}
				case *ast.ExprStmt:
					// A value (the cell's result) is shown, not unused.
					x := ast.Unparen(st.X)
					if _, isCall := x.(*ast.CallExpr); isCall {
						shown[x.Pos()] = true // a call of a builtin or a conversion has a value too
						body.List = append(body.List, st)
					} else if ue, ok := x.(*ast.UnaryExpr); ok && ue.Op == token.ARROW {
						body.List = append(body.List, st)
					} else {
						body.List = append(body.List, &ast.AssignStmt{Lhs: []ast.Expr{ident("_")}, TokPos: st.Pos(), Tok: token.ASSIGN, Rhs: []ast.Expr{st.X}})
					}
				case *ast.LabeledStmt:
					if _, ok := st.Stmt.(*ast.AssignStmt); ok {
						return nil, nil
					}
					body.List = append(body.List, st)
				default:
					body.List = append(body.List, st)
				}
			}
			continue
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.GenDecl:
				var keep []ast.Spec
				for _, sp := range d.Specs {
					switch sp := sp.(type) {
					case *ast.ImportSpec:
						if sp.Name != nil && (sp.Name.Name == "." || sp.Name.Name == "_") {
							if sp.Name.Name == "." {
								return nil, nil
							}
							continue
						}
						p, _ := strconv.Unquote(sp.Path.Value)
						name := importName(p)
						if sp.Name != nil {
							name = sp.Name.Name
						}
						if _, _, ok := table(p); !ok {
							return nil, nil // yaegi may know it; go/types cannot
						}
						if old, ok := imports[name]; ok && old != p {
							return nil, redefinitionError(n, []string{importRedefinition(name, old, p)})
						}
						fileImports[name] = sp
					case *ast.TypeSpec:
						name := sp.Name.Name
						if _, ok := s.decl("type " + name); ok { // unchanged (see above)
							in, ok := cur(name)
							if !ok {
								return nil, nil
							}
							rename(f, sp.Name.Obj, in) // the session's type
							continue
						}
						define(sp.Name)
						keep = append(keep, sp)
					default:
						keep = append(keep, sp)
					}
				}
				if len(keep) > 0 {
					d.Specs = keep
					cellDecls = append(cellDecls, d)
				}
			case *ast.FuncDecl:
				if d.Recv != nil {
					recv := recvs[d]
					key := "method " + recv + "." + d.Name.Name
					if old, ok := s.decl(key); ok {
						if old != srcs[d] {
							return nil, redefinitionError(n, []string{methodRedefinition(recv, d.Name.Name)})
						}
						continue
					}
					if _, ok := s.decl("type " + recv); ok {
						// A method added to an earlier cell's type.
						if hasMethod(scope, cur, recv, d.Name.Name) {
							// An earlier check added it, and that cell did
							// not run: go/types cannot forget it.
							return nil, nil
						}
						added = append(added, d)
						continue
					}
					cellDecls = append(cellDecls, d)
					continue
				}
				if d.Name.Name != "init" { // (a cell's main is a function later cells may call)
					define(d.Name)
				}
				cellDecls = append(cellDecls, d)
			}
		}
	}
	// Imports: the session's, packages used by their usual name, the cell's.
	importDecl := &ast.GenDecl{Tok: token.IMPORT}
	addImport := func(name, p string) {
		if _, _, ok := table(p); !ok {
			return
		}
		importDecl.Specs = append(importDecl.Specs, &ast.ImportSpec{Name: ident(name), Path: &ast.BasicLit{Kind: token.STRING, Value: strconv.Quote(p)}})
	}
	defined := map[string]bool{}
	for _, d := range c.defs {
		defined[d[0]] = true
	}
	// (Only the packages the cell names: every file leaves its scope in
	// the package for the life of the session.)
	used := map[string]bool{}
	for _, f := range files {
		for _, id := range f.Unresolved {
			used[id.Name] = true
		}
	}
	for name, p := range imports {
		if _, ok := fileImports[name]; !ok && !defined[name] && used[name] {
			addImport(name, p)
		}
	}
	for _, f := range files {
		ast.Inspect(f, func(x ast.Node) bool {
			if sel, ok := x.(*ast.SelectorExpr); ok {
				if id, ok := sel.X.(*ast.Ident); ok && id.Obj == nil {
					if p, auto := autoPackages[id.Name]; auto && imports[id.Name] == "" && fileImports[id.Name] == nil {
						if _, global := cur(id.Name); global {
							return true
						}
						fileImports[id.Name] = &ast.ImportSpec{Name: ident(id.Name), Path: &ast.BasicLit{Kind: token.STRING, Value: strconv.Quote(p)}}
					}
				}
			}
			return true
		})
	}
	names := make([]string, 0, len(fileImports))
	for name := range fileImports {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		importDecl.Specs = append(importDecl.Specs, fileImports[name])
	}
	var head []ast.Decl // the imports
	if len(importDecl.Specs) > 0 {
		head = append(head, importDecl)
	}
	file := &ast.File{Name: ident("main"), Decls: append(append([]ast.Decl{}, head...), cellDecls...)}
	if len(body.List) > 0 {
		file.Decls = append(file.Decls, &ast.FuncDecl{Name: ident("_"), Type: &ast.FuncType{Params: &ast.FieldList{}}, Body: body})
	}
	var errs []types.Error
	conf := types.Config{
		Importer:  cellImporter,
		GoVersion: "go1.26",
		Sizes:     types.SizesFor("gc", runtime.GOARCH),
		Error: func(err error) {
			if te, ok := err.(types.Error); ok {
				errs = append(errs, te)
			}
		},
	}
	importer := map[string]string{} // local name -> path, for the generic packages' members
	for _, sp := range importDecl.Specs {
		p, _ := strconv.Unquote(sp.(*ast.ImportSpec).Path.Value)
		name := importName(p)
		if sn := sp.(*ast.ImportSpec).Name; sn != nil {
			name = sn.Name
		}
		importer[name] = p
	}
	// go/types takes methods only with their type: it gets those of
	// earlier cells' types from their signatures, checked first; their
	// bodies are checked with the cell as function literals.
	if len(added) > 0 {
		if !s.addMethods(&conf, fset, head, added, &errs) {
			return nil, nil
		}
		for _, d := range added {
			file.Decls = append(file.Decls, &ast.GenDecl{Tok: token.VAR, Specs: []ast.Spec{&ast.ValueSpec{
				Names:  []*ast.Ident{ident("_")},
				Values: []ast.Expr{&ast.FuncLit{Type: methodAsFunc(d, true), Body: d.Body}},
			}}})
		}
	}
	pkg := v.pkg
	if len(c.defs) == 0 && len(added) == 0 {
		// A cell that defines nothing leaves nothing in the view: it is
		// checked in a package of its own holding the session's objects
		// it names, so its file and scopes do not stay in the view's
		// package.
		pkg = types.NewPackage("main", "main")
		for in := range refs {
			if obj := scope.Lookup(in); obj != nil {
				pkg.Scope().Insert(obj)
			}
		}
	}
	info := exprInfo(file)
	if !checkFiles(&conf, fset, pkg, file, info) {
		return nil, nil
	}
	qual := cellQualifier(importer)
	c.rangeFuncs = rangeFuncsOf(fset, file, info, qual)
	c.chanElems = chanElemsOf(fset, file, info, qual)
	c.aliases = localAliasesOf(fset, file, info, qual)
	c.asserts = nilAssertsOf(fset, file, info, pkg, scope, qual)
	for _, a := range assigns {
		for _, p := range a.names {
			if p[0] == "" || p[1] == "_" {
				continue
			}
			old, nw := scope.Lookup(p[0]), scope.Lookup(p[1])
			if old == nil || nw == nil || !valid(old.Type()) || !valid(nw.Type()) {
				continue // unknown: assigned if it compiles, as before
			}
			if !types.Identical(old.Type(), nw.Type()) {
				c.retype[a.unit] = true
			}
		}
	}
	file0 := fmt.Sprintf("cell%d/_.go", n)
	var report []types.Error
	for _, e := range errs {
		pos := fset.Position(e.Pos)
		if pos.Filename != file0 || e.Soft && (strings.Contains(e.Msg, "declared and not used") || strings.Contains(e.Msg, "imported and not used")) {
			continue
		}
		if quiet[e.Pos] || shown[e.Pos] && strings.HasSuffix(e.Msg, " is not used") {
			continue
		}
		if strings.Contains(e.Msg, "initialization cycle") || strings.Contains(e.Msg, "missing return") || strings.Contains(e.Msg, "refers to itself") {
			continue
		}
		if member, ok := strings.CutPrefix(e.Msg, "undefined: "); ok {
			if pkg, name, ok := strings.Cut(member, "."); ok && genericMember(importer[pkg], name) {
				continue
			}
		}
		report = append(report, e)
	}
	if len(report) == 0 {
		return c, nil
	}
	sort.SliceStable(report, func(i, j int) bool { return report[i].Pos < report[j].Pos })
	e := report[0]
	msg := cellPos(fmt.Sprintf("%s: %s", fset.Position(e.Pos), external(e.Msg)))
	// go/types may add lines (have/want of a call): the note ends the first.
	lines := strings.Split(msg, "\n")
	lines[0] += " (nothing in this cell ran)"
	return nil, &CellError{Name: "CompileError", Value: strings.Join(lines, "\n"), Traceback: lines}
}

// checkFiles runs go/types on file as part of pkg; false if it panicked
// (the cell then runs unchecked rather than the kernel dying).
func checkFiles(conf *types.Config, fset *token.FileSet, pkg *types.Package, file *ast.File, info *types.Info) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	_ = types.NewChecker(conf, fset, pkg, info).Files([]*ast.File{file})
	return true
}

func valid(t types.Type) bool { return t != nil && t != types.Typ[types.Invalid] }

// hasMethod reports whether the session's type named recv has a method
// name, as go/types sees it.
func hasMethod(scope *types.Scope, cur func(string) (string, bool), recv, name string) bool {
	in, ok := cur(recv)
	if !ok {
		return false
	}
	tn, ok := scope.Lookup(in).(*types.TypeName)
	if !ok {
		return false
	}
	named, ok := tn.Type().(*types.Named)
	if !ok {
		return false
	}
	for i := 0; i < named.NumMethods(); i++ {
		if named.Method(i).Name() == name {
			return true
		}
	}
	return false
}

// addMethods adds the methods ds, declared on types of earlier cells, to
// those types in the view, from their signatures checked in a file of
// their own (with the cell's imports). False if that failed.
func (s *Session) addMethods(conf *types.Config, fset *token.FileSet, imports []ast.Decl, ds []*ast.FuncDecl, errs *[]types.Error) bool {
	v := s.types
	sigs := make([]string, len(ds))
	file := &ast.File{Name: ident("main"), Decls: append([]ast.Decl{}, imports...)}
	for i, d := range ds {
		if _, generic := ast.Unparen(starless(d.Recv.List[0].Type)).(*ast.Ident); !generic {
			return false // a generic type's method
		}
		sigs[i] = v.fresh("sig")
		file.Decls = append(file.Decls, &ast.GenDecl{Tok: token.VAR, Specs: []ast.Spec{&ast.ValueSpec{
			Names: []*ast.Ident{ident(sigs[i])}, Type: methodAsFunc(d, false),
		}}})
	}
	before := len(*errs)
	ok := checkFiles(conf, fset, v.pkg, file, nil)
	for _, e := range (*errs)[before:] {
		ok = ok && e.Soft // (unused imports)
	}
	*errs = (*errs)[:before]
	if !ok {
		return false
	}
	for i, d := range ds {
		sig, ok := v.pkg.Scope().Lookup(sigs[i]).Type().(*types.Signature)
		if !ok || sig.Params().Len() == 0 {
			return false
		}
		rt := sig.Params().At(0).Type()
		base := rt
		if p, ok := rt.(*types.Pointer); ok {
			base = p.Elem()
		}
		named, ok := base.(*types.Named)
		if !ok || named.Obj().Pkg() != v.pkg {
			return false
		}
		params := make([]*types.Var, sig.Params().Len()-1)
		for k := range params {
			params[k] = sig.Params().At(k + 1)
		}
		recv := types.NewVar(d.Recv.Pos(), v.pkg, "", rt)
		named.AddMethod(types.NewFunc(d.Name.Pos(), v.pkg, d.Name.Name,
			types.NewSignatureType(recv, nil, nil, types.NewTuple(params...), sig.Results(), sig.Variadic())))
	}
	return true
}

func starless(x ast.Expr) ast.Expr {
	if st, ok := x.(*ast.StarExpr); ok {
		return st.X
	}
	return x
}

// methodAsFunc is the type of method d as a function whose first
// parameter is the receiver: with its parameters' names (every parameter
// named, "_" where it had none) or, named false, without any.
func methodAsFunc(d *ast.FuncDecl, named bool) *ast.FuncType {
	list := func(fl *ast.FieldList) []*ast.Field {
		if fl == nil {
			return nil
		}
		var out []*ast.Field
		for _, f := range fl.List {
			switch {
			case !named:
				for range max(1, len(f.Names)) {
					out = append(out, &ast.Field{Type: f.Type})
				}
			case len(f.Names) == 0:
				out = append(out, &ast.Field{Names: []*ast.Ident{ident("_")}, Type: f.Type})
			default:
				out = append(out, f)
			}
		}
		return out
	}
	ft := &ast.FuncType{Func: d.Type.Func, Params: &ast.FieldList{List: append(list(d.Recv), list(d.Type.Params)...)}}
	if d.Type.Results != nil {
		ft.Results = d.Type.Results
		if !named {
			ft.Results = &ast.FieldList{List: list(d.Type.Results)}
		}
	}
	return ft
}
