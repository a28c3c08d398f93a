package interp

import (
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/gokernel/gokernel/interp/symbols"
	"github.com/gokernel/gokernel/interp/symbols/stdlib"
)

// Typed globals.
//
// yaegi types a top-level `x := e` in its global type analysis, which does
// not know how to index, slice or chain calls on values of compiled types
// ("constant definition loop", or a nil-pointer crash in its compiler):
// `d := m.Parameters(); d1 := d[1]` fails at top level although the same
// code in a function body is fine. When such a definition does not compile,
// defineViaProbe evaluates the right-hand side inside a function literal
// (where yaegi types it), takes the value's static Go type from a pointer
// to the local, declares the global with that type written out
// (`var d1 *tensor.Tensor`) and stores the value into it. A global declared
// with an explicit type is then indexable in later initialisers.

// definedNames returns the names and values of a top-level `a, b := e...`
// or `var a, b = e...` (without a type) that defines only new globals, or
// ok false.
func definedNames(st ast.Stmt, globals map[string]reflect.Value) (names []string, values []ast.Expr, ok bool) {
	switch st := st.(type) {
	case *ast.AssignStmt:
		if st.Tok != token.DEFINE {
			return nil, nil, false
		}
		for _, l := range st.Lhs {
			id, isID := l.(*ast.Ident)
			if !isID {
				return nil, nil, false
			}
			names = append(names, id.Name)
		}
		values = st.Rhs
	case *ast.DeclStmt:
		gd, isGen := st.Decl.(*ast.GenDecl)
		if !isGen || gd.Tok != token.VAR {
			return nil, nil, false
		}
		for _, sp := range gd.Specs {
			vs := sp.(*ast.ValueSpec)
			if vs.Type != nil || len(vs.Values) == 0 {
				return nil, nil, false
			}
			if len(vs.Values) != len(vs.Names) && len(vs.Values) != 1 {
				return nil, nil, false
			}
			if len(gd.Specs) > 1 && len(vs.Values) != len(vs.Names) {
				return nil, nil, false // keep multi-value calls to a single spec
			}
			for _, nm := range vs.Names {
				names = append(names, nm.Name)
			}
			values = append(values, vs.Values...)
		}
	default:
		return nil, nil, false
	}
	for _, nm := range names {
		if nm == "_" {
			continue
		}
		if _, exists := globals[nm]; exists {
			return nil, nil, false
		}
	}
	return names, values, len(names) > 0
}

// defineViaProbe runs `names := values` as described above. It reports
// handled false (nothing ran) when the probe does not compile either, so
// the caller reports the original error.
func (s *Session) defineViaProbe(ctx context.Context, n int, names []string, values []ast.Expr) (handled bool, err error) {
	// func() { __gkv0, __gkv1 := values...; __gk.Keep([]any{&__gkv0, &__gkv1}) }()
	var lhs, ptrs []ast.Expr
	for i := range names {
		id := ident("__gkv" + strconv.Itoa(i))
		lhs = append(lhs, id)
		ptrs = append(ptrs, &ast.UnaryExpr{Op: token.AND, X: ident(id.Name)})
	}
	keep := &ast.CompositeLit{Type: &ast.ArrayType{Elt: ident("any")}, Elts: ptrs}
	probe := &ast.BlockStmt{List: []ast.Stmt{iife(
		&ast.AssignStmt{Lhs: lhs, Tok: token.DEFINE, Rhs: values},
		&ast.ExprStmt{X: call(rtSel("Keep"), keep)},
	)}}
	anchor(probe)
	prog, cerr := s.compile(probe)
	if cerr != nil {
		return false, nil
	}
	s.kept = nil
	if _, err := s.runProg(ctx, prog); err != nil {
		return true, s.cellError(n, err)
	}
	kept := s.kept
	s.kept = nil
	if len(kept) != len(names) {
		return true, s.cellError(n, fmt.Errorf("interp: internal error: %d values for %d names", len(kept), len(names)))
	}
	// Write out each value's type; import the packages it needs.
	var decls []ast.Stmt
	need := map[string]string{}
	cell := s.cellTypes(ctx)
	for i, nm := range names {
		if nm == "_" {
			continue
		}
		p := reflect.ValueOf(kept[i])
		if p.Kind() != reflect.Pointer {
			return true, s.cellError(n, fmt.Errorf("cannot define %s at top level: the interpreter lost its type; define it inside a function", nm))
		}
		texpr, terr := s.typeString(p.Type().Elem(), need, cell)
		if terr != nil {
			return true, s.cellError(n, fmt.Errorf("cannot define %s at top level (%v); define it inside a function, or declare it as var %s T", nm, terr, nm))
		}
		tx, perr := parser.ParseExpr(texpr)
		if perr != nil {
			return true, s.cellError(n, fmt.Errorf("cannot define %s at top level: type %s: %v", nm, texpr, perr))
		}
		// yaegi finds packages through the file of a node's position.
		setPos(tx, values[0].Pos(), true)
		decls = append(decls, &ast.DeclStmt{Decl: &ast.GenDecl{Tok: token.VAR, Specs: []ast.Spec{
			&ast.ValueSpec{Names: []*ast.Ident{ident(nm)}, Type: tx},
		}}})
	}
	if len(need) > 0 {
		if err := s.importAs(ctx, n, need); err != nil {
			return true, err
		}
	}
	if len(decls) > 0 {
		if err := s.execChunk(ctx, n, positioned(&ast.BlockStmt{List: decls}, values[0].Pos())); err != nil {
			return true, err
		}
	}
	g := s.globals()
	for i, nm := range names {
		if nm == "_" {
			continue
		}
		dst, v := g[nm], reflect.ValueOf(kept[i]).Elem()
		if !dst.IsValid() || !dst.CanSet() {
			return true, s.cellError(n, fmt.Errorf("cannot define %s at top level: the interpreter did not create it; define it inside a function", nm))
		}
		if !v.Type().AssignableTo(dst.Type()) {
			return true, s.cellError(n, fmt.Errorf("cannot define %s at top level: the interpreter gave it type %v, not %v; define it inside a function", nm, dst.Type(), v.Type()))
		}
		dst.Set(v)
	}
	return true, nil
}

// positioned gives the synthesized node n position pos, so errors point at
// the cell line.
func positioned(n ast.Node, pos token.Pos) ast.Node {
	fixPos(n, pos)
	return n
}

// typeString writes t as a Go type expression valid in the session; the
// packages it names that are not imported yet go into need (local name ->
// path).
func (s *Session) typeString(t reflect.Type, need map[string]string, cell map[reflect.Type]string) (string, error) {
	if n, ok := cell[t]; ok {
		return n, nil
	}
	if t.Name() != "" {
		if t.PkgPath() == "" {
			return t.Name(), nil // predeclared
		}
		if strings.ContainsAny(t.Name(), "[") || !ast.IsExported(t.Name()) {
			return "", fmt.Errorf("its type %v cannot be named in a cell", t)
		}
		name, ok := s.pkgName(t.PkgPath(), need)
		if !ok {
			return "", fmt.Errorf("its type %v is from a package cells cannot import", t)
		}
		return name + "." + t.Name(), nil
	}
	elem := func(prefix string, e reflect.Type) (string, error) {
		x, err := s.typeString(e, need, cell)
		return prefix + x, err
	}
	switch t.Kind() {
	case reflect.Pointer:
		return elem("*", t.Elem())
	case reflect.Slice:
		return elem("[]", t.Elem())
	case reflect.Array:
		return elem("["+strconv.Itoa(t.Len())+"]", t.Elem())
	case reflect.Map:
		k, err := s.typeString(t.Key(), need, cell)
		if err != nil {
			return "", err
		}
		return elem("map["+k+"]", t.Elem())
	case reflect.Chan:
		switch t.ChanDir() {
		case reflect.RecvDir:
			return elem("<-chan ", t.Elem())
		case reflect.SendDir:
			return elem("chan<- ", t.Elem())
		}
		if t.Elem().Kind() == reflect.Chan && t.Elem().ChanDir() == reflect.RecvDir {
			return elem("chan ", t.Elem()) // chan (<-chan T) needs no parentheses in this order
		}
		return elem("chan ", t.Elem())
	case reflect.Func:
		var in, out []string
		for i := 0; i < t.NumIn(); i++ {
			a := t.In(i)
			prefix := ""
			if t.IsVariadic() && i == t.NumIn()-1 {
				prefix, a = "...", a.Elem()
			}
			x, err := elem(prefix, a)
			if err != nil {
				return "", err
			}
			in = append(in, x)
		}
		for i := 0; i < t.NumOut(); i++ {
			x, err := s.typeString(t.Out(i), need, cell)
			if err != nil {
				return "", err
			}
			out = append(out, x)
		}
		r := "func(" + strings.Join(in, ", ") + ")"
		switch len(out) {
		case 0:
		case 1:
			r += " " + out[0]
		default:
			r += " (" + strings.Join(out, ", ") + ")"
		}
		return r, nil
	case reflect.Interface:
		if t.NumMethod() == 0 {
			return "any", nil
		}
	}
	return "", fmt.Errorf("its type %v cannot be written in a cell", t)
}

// pkgName is the session's local name for import path p, choosing one (and
// recording it in need) when p is not imported yet.
func (s *Session) pkgName(p string, need map[string]string) (string, bool) {
	s.state.Lock()
	defer s.state.Unlock()
	for name, q := range s.imports {
		if q == p && name != "_" && name != "." {
			return name, true
		}
	}
	for name, q := range need {
		if q == p {
			return name, true
		}
	}
	base := importName(p)
	if _, ok := stdlib.Symbols[p+"/"+base]; !ok {
		if _, ok := symbols.Symbols[p+"/"+base]; !ok {
			return "", false
		}
	}
	name := "__gkp_" + strings.NewReplacer("/", "_", ".", "_", "-", "_").Replace(p)
	need[name] = p
	return name, true
}

// importAs imports packages under the given local names.
func (s *Session) importAs(ctx context.Context, n int, need map[string]string) error {
	var b strings.Builder
	b.WriteString("package main\nimport (\n")
	for _, name := range slices.Sorted(maps.Keys(need)) {
		fmt.Fprintf(&b, "\t%s %q\n", name, need[name])
	}
	b.WriteString(")\n")
	f, err := parser.ParseFile(s.yi.FileSet(), "_.go", b.String(), 0)
	if err != nil {
		return s.cellError(n, err)
	}
	if err := s.execChunk(ctx, n, f); err != nil {
		return err
	}
	s.state.Lock()
	for name, p := range need {
		s.imports[name] = p
	}
	s.state.Unlock()
	return nil
}

// cellTypes maps the reflect types of the types declared in cells (not
// generic ones) to their names, for %who and typeString. It runs a tiny
// chunk, so it is called only on the cell's own goroutine.
func (s *Session) cellTypes(ctx context.Context) map[reflect.Type]string {
	s.state.Lock()
	var names []string
	for k, def := range s.decls {
		if name, ok := strings.CutPrefix(k, "type "); ok && !strings.HasPrefix(def, "[") {
			names = append(names, name)
		}
	}
	s.state.Unlock()
	m := map[reflect.Type]string{}
	if len(names) == 0 {
		return m
	}
	var b strings.Builder
	b.WriteString("package main\nfunc main() { " + rtName + ".Keep([]any{")
	for _, nm := range names {
		b.WriteString("new(" + nm + "), ")
	}
	b.WriteString("}) }\n")
	f, err := parser.ParseFile(s.yi.FileSet(), "_.go", b.String(), 0)
	if err != nil {
		return m
	}
	prog, err := s.compile(anchor(&ast.BlockStmt{List: f.Decls[0].(*ast.FuncDecl).Body.List}))
	if err != nil {
		return m
	}
	s.kept = nil
	if _, err := s.runProg(ctx, prog); err != nil || len(s.kept) != len(names) {
		return m
	}
	dup := map[reflect.Type]bool{}
	for i, p := range s.kept {
		if t := reflect.TypeOf(p); t != nil && t.Kind() == reflect.Pointer {
			if _, seen := m[t.Elem()]; seen {
				dup[t.Elem()] = true // yaegi gives identical structs one type: name neither
			}
			m[t.Elem()] = names[i]
		}
	}
	for t := range dup {
		delete(m, t)
	}
	s.kept = nil
	return m
}

// typeLabel writes t in Go syntax, naming cell-declared types by their names.
func typeLabel(t reflect.Type, names map[reflect.Type]string) string {
	if n, ok := names[t]; ok {
		return n
	}
	if t.Name() != "" {
		return t.String()
	}
	switch t.Kind() {
	case reflect.Pointer:
		return "*" + typeLabel(t.Elem(), names)
	case reflect.Slice:
		return "[]" + typeLabel(t.Elem(), names)
	case reflect.Array:
		return "[" + strconv.Itoa(t.Len()) + "]" + typeLabel(t.Elem(), names)
	case reflect.Map:
		return "map[" + typeLabel(t.Key(), names) + "]" + typeLabel(t.Elem(), names)
	case reflect.Chan:
		return t.ChanDir().String() + " " + typeLabel(t.Elem(), names)
	}
	return t.String()
}
