package interp

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"path"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unsafe"
)

// Redefining a type.
//
// A cell may define a type again with another definition (`type P
// struct{ X int }`, later `type P struct{ X, Y int }`). yaegi keeps the
// first type under a name (and would give the new one the old methods), so
// declare first removes the name from yaegi's package scope (dropSym): the
// new definition makes a new type, and the cell's code, and every cell
// after it, uses that. Values made before keep the old type, with its
// fields and methods, and the functions compiled before keep using it,
// so nothing that ran before breaks.
//
// Then rebind re-runs, from the source kept of each (declSource), every
// definition of earlier cells that mentions a changed name: functions
// and methods naming the type (a method of the old type is thereby
// attached to the new one), types built on it (`type Ps []P`, defined
// anew in turn), and, transitively, functions naming anything re-bound.
// A re-run function reaches its old callers as any redefinition does
// (funcs.go). A definition that does not compile against the new type (it
// used a field that is gone) stays bound to the old one, and the cell says
// exactly which ones must be fixed and re-run. Code that is not a
// definition (a closure stored in a variable) keeps the old functions.
// The check of cells (typecheck.go) cannot follow this before it has run:
// it skips a cell that changes a type, and afterwards knows the changed
// names as of unknown type (it stays silent on them).

// declSource is an earlier cell's definition as written, to run it again.
type declSource struct {
	src      string          // "//line cellN/_.go:L:C" and the declaration
	cell     int             // where it is
	from, to int             // lines
	names    map[string]bool // the identifiers it mentions
}

// sourceOf is the declSource of the declaration or type spec d of f,
// parsed from src.
func (s *Session) sourceOf(src string, f *ast.File, d ast.Node) *declSource {
	fset := s.yi.FileSet()
	tf := fset.File(f.Pos())
	text := src[tf.Offset(d.Pos()):tf.Offset(d.End())]
	p, end := fset.Position(d.Pos()), fset.Position(d.End())
	col := p.Column
	if _, ok := d.(*ast.TypeSpec); ok {
		text = "type " + text
		col = max(col-len("type "), 1)
	}
	ds := &declSource{src: fmt.Sprintf("//line %s:%d:%d\n%s\n", p.Filename, p.Line, col, text), from: p.Line, to: end.Line, names: map[string]bool{}}
	if dir, ok := strings.CutSuffix(p.Filename, "/_.go"); ok {
		ds.cell, _ = strconv.Atoi(strings.TrimPrefix(path.Base(dir), "cell"))
	}
	// The names it refers to: not those it declares (fields, parameters)
	// nor field and method names after a dot.
	tparams := map[string]bool{} // the type parameters it declares
	ast.Inspect(d, func(x ast.Node) bool {
		var fl *ast.FieldList
		switch x := x.(type) {
		case *ast.FuncType:
			fl = x.TypeParams
		case *ast.TypeSpec:
			fl = x.TypeParams
		case *ast.FuncDecl: // a generic receiver: func (l *List[T]) ...
			if x.Recv != nil && len(x.Recv.List) == 1 {
				t := x.Recv.List[0].Type
				if st, ok := t.(*ast.StarExpr); ok {
					t = st.X
				}
				switch t := t.(type) {
				case *ast.IndexExpr:
					if id, ok := t.Index.(*ast.Ident); ok {
						tparams[id.Name] = true
					}
				case *ast.IndexListExpr:
					for _, ix := range t.Indices {
						if id, ok := ix.(*ast.Ident); ok {
							tparams[id.Name] = true
						}
					}
				}
			}
		}
		if fl != nil {
			for _, f := range fl.List {
				for _, id := range f.Names {
					tparams[id.Name] = true
				}
			}
		}
		return true
	})
	var refs func(x ast.Node) bool
	refs = func(x ast.Node) bool {
		switch x := x.(type) {
		case *ast.Ident:
			if !tparams[x.Name] {
				ds.names[x.Name] = true
			}
		case *ast.Field:
			ast.Inspect(x.Type, refs)
			return false
		case *ast.SelectorExpr:
			ast.Inspect(x.X, refs)
			return false
		}
		return true
	}
	ast.Inspect(d, refs)
	return ds
}

// symbols returns what puts yaegi's package scope back as it is now: a
// compile that fails may already have declared some of its names, or
// replaced them.
func (s *Session) symbols() (restore func()) {
	if layoutErr != nil {
		return func() {}
	}
	iv := reflect.ValueOf(s.yi).Elem()
	mu := (*sync.RWMutex)(unsafe.Pointer(iv.FieldByIndex(layout.imutex).UnsafeAddr()))
	sc := private(iv, layout.scopes).MapIndex(reflect.ValueOf("main"))
	if !sc.IsValid() || sc.IsNil() {
		return func() {}
	}
	tab := private(sc.Elem(), layout.sym)
	mu.RLock()
	saved := reflect.MakeMapWithSize(tab.Type(), tab.Len())
	for it := tab.MapRange(); it.Next(); {
		saved.SetMapIndex(it.Key(), it.Value())
	}
	mu.RUnlock()
	return func() {
		mu.Lock()
		defer mu.Unlock()
		for it := tab.MapRange(); it.Next(); {
			if !saved.MapIndex(it.Key()).IsValid() {
				tab.SetMapIndex(it.Key(), reflect.Value{})
			}
		}
		for it := saved.MapRange(); it.Next(); {
			tab.SetMapIndex(it.Key(), it.Value())
		}
	}
}

// dropSym removes name from yaegi's package scope.
func (s *Session) dropSym(name string) {
	if layoutErr != nil {
		return
	}
	iv := reflect.ValueOf(s.yi).Elem()
	mu := (*sync.RWMutex)(unsafe.Pointer(iv.FieldByIndex(layout.imutex).UnsafeAddr()))
	mu.Lock()
	defer mu.Unlock()
	if sc := private(iv, layout.scopes).MapIndex(reflect.ValueOf("main")); sc.IsValid() && !sc.IsNil() {
		private(sc.Elem(), layout.sym).SetMapIndex(reflect.ValueOf(name), reflect.Value{})
	}
}

// methodSets returns what puts back the method sets of the types named
// (and of their pointer types) as they are now: a compile that fails has
// already attached its methods to their receivers' types.
func (s *Session) methodSets(names []string) (restore func()) {
	if layoutErr != nil {
		return func() {}
	}
	l := &layout
	iv := reflect.ValueOf(s.yi).Elem()
	mu := (*sync.RWMutex)(unsafe.Pointer(iv.FieldByIndex(l.imutex).UnsafeAddr()))
	sc := private(iv, l.scopes).MapIndex(reflect.ValueOf("main"))
	if !sc.IsValid() || sc.IsNil() {
		return func() {}
	}
	type saved struct{ field, value reflect.Value }
	var all []saved
	keep := func(f reflect.Value) {
		v := reflect.New(f.Type()).Elem()
		v.Set(f)
		all = append(all, saved{f, v})
	}
	mu.RLock()
	for _, name := range names {
		sym := sc.Elem().FieldByIndex(l.sym).MapIndex(reflect.ValueOf(name))
		if !sym.IsValid() || sym.IsNil() {
			continue
		}
		t := private(sym.Elem(), l.styp)
		if t.IsNil() {
			continue
		}
		keep(private(t.Elem(), l.method))
		ptr := private(t.Elem(), l.ptr)
		keep(ptr)
		if !ptr.IsNil() {
			keep(private(ptr.Elem(), l.method))
		}
	}
	mu.RUnlock()
	return func() {
		mu.Lock()
		defer mu.Unlock()
		for _, sv := range all {
			sv.field.Set(sv.value)
		}
	}
}

// rebind re-runs the earlier definitions that mention the types retyped
// (defined anew by cell n, which defined the keys in defined), and says
// on the cell's stderr what it re-bound and what must be re-run.
func (s *Session) rebind(ctx context.Context, n int, retyped []string, defined map[string]bool) {
	s.state.Lock()
	changed := map[string]bool{}
	for _, t := range retyped {
		changed[t] = true
	}
	affected := map[string]*declSource{}
	for grew := true; grew; {
		grew = false
		for key, ds := range s.sources {
			if defined[key] || affected[key] != nil {
				continue
			}
			kind, name, _ := strings.Cut(key, " ")
			hit := false
			for id := range ds.names {
				if changed[id] {
					hit = true
					break
				}
			}
			if !hit {
				continue
			}
			affected[key] = ds
			grew = true
			if kind != "method" {
				changed[name] = true
			}
		}
	}
	s.state.Unlock()
	var failed []string
	for len(affected) > 0 {
		keys := make([]string, 0, len(affected))
		for k := range affected {
			keys = append(keys, k)
		}
		// Types first, then methods, then functions; in cell order.
		rank := map[string]int{"type": 0, "method": 1, "func": 2}
		sort.Slice(keys, func(i, j int) bool {
			ki, _, _ := strings.Cut(keys[i], " ")
			kj, _, _ := strings.Cut(keys[j], " ")
			if ki != kj {
				return rank[ki] < rank[kj]
			}
			a, b := affected[keys[i]], affected[keys[j]]
			if a.cell != b.cell {
				return a.cell < b.cell
			}
			return a.from < b.from
		})
		var src strings.Builder
		src.WriteString("package main\n")
		var recvs []string
		force := map[string]bool{}
		for _, k := range keys {
			src.WriteString(affected[k].src)
			force[k] = true
			if kind, name, _ := strings.Cut(k, " "); kind == "method" {
				recvs = append(recvs, strings.Split(name, ".")[0])
			}
		}
		restoreSyms, restoreMethods := s.symbols(), s.methodSets(recvs)
		_, _, err := s.declare(ctx, n, src.String(), force)
		if err == nil {
			var done []string
			for _, k := range keys {
				done = append(done, describe(k, affected[k]))
			}
			fmt.Fprintf(s.outs.errW, "note: %s changed; re-bound to the new definition: %s\n", typeList(retyped), strings.Join(done, ", "))
			break
		}
		restoreSyms()
		restoreMethods()
		// The definition the error is in stays as it was; the others are tried again.
		bad := ""
		var ce *CellError
		if errors.As(err, &ce) {
			var cell, line int
			if i := strings.Index(ce.Value, "cell "); i >= 0 {
				if _, err := fmt.Sscanf(ce.Value[i:], "cell %d, line %d", &cell, &line); err != nil {
					cell = 0
				}
			}
			if cell > 0 {
				for _, k := range keys {
					if ds := affected[k]; ds.cell == cell && ds.from <= line && line <= ds.to {
						bad = k
					}
				}
			}
		}
		if bad == "" { // no way to tell which: none is re-bound
			for _, k := range keys {
				failed = append(failed, describe(k, affected[k]))
			}
			failed[len(failed)-1] += " (" + err.Error() + ")"
			break
		}
		failed = append(failed, describe(bad, affected[bad])+" ("+err.Error()+")")
		delete(affected, bad)
	}
	if len(failed) > 0 {
		fmt.Fprintf(s.outs.errW, "note: %s changed; these definitions do not compile with the new one and still use the old: %s; fix and re-run them\n", typeList(retyped), strings.Join(failed, "; "))
	}
	// The check knows the changed names no more (see above).
	s.state.Lock()
	v := s.types
	s.state.Unlock()
	for name := range changed {
		_, isType := s.decl("type " + name)
		v.invalid(name, isType)
	}
}

// describe names a definition for the user: "method P.Norm (cell 3)".
func describe(key string, ds *declSource) string {
	return fmt.Sprintf("%s (cell %d)", key, ds.cell)
}

func typeList(names []string) string {
	sort.Strings(names)
	return "type " + strings.Join(names, ", type ")
}
