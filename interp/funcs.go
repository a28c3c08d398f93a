package interp

import (
	"context"
	"fmt"
	"go/ast"
	"go/types"
	"reflect"
	"strings"
	"sync"
	"unsafe"
)

// Cell functions.
//
// A top-level function of a cell is compiled as what it is, a yaegi
// function declaration: a call of it is a direct interpreted call (yaegi's
// `call` runs the callee's body on a new frame), where a variable holding
// a func literal would go through reflect.MakeFunc's wrapper on every call
// (reflect.callReflect, twice the time of the call itself).
//
// yaegi binds each call to the declaration node it saw when compiling the
// caller, so a redefinition alone would leave every earlier caller on the
// old body. defineFuncs therefore patches every earlier node of the function
// (its incarnations) with the new one's body and frame layout: yaegi's call
// reads both from the callee's node at each call, so every caller —
// functions, methods, closures, goroutines of earlier cells — runs the new
// body from its next call on. This needs the same signature (the frame
// layout of the arguments and results is the caller's); a function whose
// signature changed starts anew, and functions compiled before keep
// calling the old one, which the cell says. A func value taken before the
// redefinition (`g := f`, a callback handed to compiled code) keeps the
// body it was taken with, as a copied closure would. Patching is two
// stores into yaegi's private node (see yaegiroots.go for the layout): a
// goroutine of an earlier cell calling the function at that instant may
// see one of the two changed, as it could see a torn variable before.
type cellFunc struct {
	sig   string          // the signature as written, parameter names dropped
	val   reflect.Value   // the function as a value (globals' entry)
	nodes []reflect.Value // *node of every incarnation with this signature that code may call
}

// funcSig is the signature of fd without parameter names: "func(int, ...string) (int, error)".
func funcSig(fd *ast.FuncDecl) string {
	t := &ast.FuncType{Params: unnamed(fd.Type.Params), Results: unnamed(fd.Type.Results)}
	return types.ExprString(t)
}

func unnamed(fl *ast.FieldList) *ast.FieldList {
	if fl == nil {
		return nil
	}
	out := &ast.FieldList{}
	for _, f := range fl.List {
		for range max(len(f.Names), 1) {
			out.List = append(out.List, &ast.Field{Type: f.Type})
		}
	}
	return out
}

// defineFuncs records the functions fds just compiled in chunk: each new
// one, or each redefinition, which it patches into the earlier
// incarnations. It returns the notes the cell prints (changed signatures).
func (s *Session) defineFuncs(ctx context.Context, fds []*ast.FuncDecl, chunk []ast.Decl) []string {
	var notes []string
	for _, fd := range fds {
		name := fd.Name.Name
		node := s.funcNode(name)
		val, err := s.exec(ctx, name)
		if !node.IsValid() || err != nil || val.Kind() != reflect.Func {
			s.state.Lock()
			delete(s.funcs, name) // (yaegi did not make it a function)
			s.state.Unlock()
			continue
		}
		sig := funcSig(fd)
		s.state.Lock()
		old := s.funcs[name]
		switch {
		case old == nil:
			s.funcs[name] = &cellFunc{sig: sig, val: val, nodes: []reflect.Value{node}}
		case old.sig == sig && old.val.Type() == val.Type():
			for _, o := range old.nodes {
				patchFunc(o, node)
			}
			old.val = val
			if mentions(chunk, name) {
				// Code of this chunk calls the new node: keep it patched.
				old.nodes = append(old.nodes, node)
			} else {
				// Nothing was compiled against the new node: code compiled
				// from now on binds to the first incarnation (which runs
				// the new body), so re-running a cell does not grow the
				// list; a node kept in it keeps its whole chunk alive (its
				// ancestors and scope), ~9 KB for a one-line func.
				s.setFuncNode(name, old.nodes[0])
			}
		default:
			notes = append(notes, fmt.Sprintf("note: %s now has a different signature; functions defined before this cell still call the old %s until they are re-run", name, name))
			s.funcs[name] = &cellFunc{sig: sig, val: val, nodes: []reflect.Value{node}}
		}
		s.state.Unlock()
	}
	return notes
}

// mentions reports whether the bodies of decls use the identifier name
// (a call of the function, or a local of that name: either way, keep).
func mentions(decls []ast.Decl, name string) bool {
	found := false
	for _, d := range decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Body == nil {
			found = true // (only functions are expected here)
			continue
		}
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok && id.Name == name {
				found = true
			}
			return !found
		})
	}
	return found
}

// funcNode is the declaration node of the package-level function name, or
// the zero Value.
func (s *Session) funcNode(name string) (n reflect.Value) {
	s.mainSymbols(false, func(syms reflect.Value) {
		l := &layout
		sym := syms.MapIndex(reflect.ValueOf(name))
		if !sym.IsValid() || sym.IsNil() || sym.Elem().FieldByIndex(l.index).Int() >= 0 {
			return // not a function (a variable has a frame slot)
		}
		if node := private(sym.Elem(), l.snode); !node.IsNil() {
			n = node
		}
	})
	return n
}

// setFuncNode makes n the declaration node of the package-level function
// name, which code compiled afterwards calls.
func (s *Session) setFuncNode(name string, n reflect.Value) {
	s.mainSymbols(true, func(syms reflect.Value) {
		if sym := syms.MapIndex(reflect.ValueOf(name)); sym.IsValid() && !sym.IsNil() {
			private(sym.Elem(), layout.snode).Set(n)
		}
	})
}

// mainSymbols calls f with yaegi's symbol table of package main (its
// map[string]*symbol) under the interpreter's lock, exclusive when write;
// it does nothing when yaegi's layout is unknown (layoutErr) or there is no
// main scope yet.
func (s *Session) mainSymbols(write bool, f func(syms reflect.Value)) {
	if layoutErr != nil {
		return
	}
	l := &layout
	iv := reflect.ValueOf(s.yi).Elem()
	mu := (*sync.RWMutex)(unsafe.Pointer(iv.FieldByIndex(l.imutex).UnsafeAddr()))
	if write {
		mu.Lock()
		defer mu.Unlock()
	} else {
		mu.RLock()
		defer mu.RUnlock()
	}
	sc := private(iv, l.scopes).MapIndex(reflect.ValueOf("main"))
	if !sc.IsValid() || sc.IsNil() {
		return
	}
	f(sc.Elem().FieldByIndex(l.sym))
}

// patchFunc makes the function node old run new's body.
func patchFunc(old, new reflect.Value) {
	if old.Pointer() == new.Pointer() {
		return
	}
	l := &layout
	o, n := old.Elem(), new.Elem()
	private(o, l.ntypes).Set(private(n, l.ntypes))
	private(o, l.nchild).Set(private(n, l.nchild))
}

// globalVars marks the session's variables as globals for yaegi. yaegi
// marks so only the variables of package-level var declarations: one
// defined by a top-level statement (`a, err := f()`) is reached from a
// function by frame indirection, which is right only while the function is
// called from top-level code (a call from a func literal read the literal's
// frame). Code compiled afterwards reads them from the global frame, where
// they are.
func (s *Session) globalVars() {
	s.mainSymbols(true, func(syms reflect.Value) {
		l := &layout
		for it := syms.MapRange(); it.Next(); {
			sym := it.Value()
			if sym.IsNil() {
				continue
			}
			if k, ok := private(sym.Elem(), l.skind).Interface().(fmt.Stringer); ok && k.String() == "varSym" {
				private(sym.Elem(), l.sglobal).SetBool(true)
			}
		}
	})
}

// withFuncs adds the cell functions that still name functions to yaegi's
// globals (which lists only variables and constants).
// hasFunc reports whether a cell defined the function name.
func (s *Session) hasFunc(name string) bool {
	s.state.Lock()
	defer s.state.Unlock()
	_, ok := s.funcs[name]
	return ok
}

func (s *Session) withFuncs(g map[string]reflect.Value) map[string]reflect.Value {
	s.state.Lock()
	defer s.state.Unlock()
	for name, f := range s.funcs {
		if _, isVar := g[name]; isVar || strings.HasPrefix(name, "__gk") {
			continue
		}
		if n := s.funcNode(name); n.IsValid() && n.Pointer() == f.nodes[len(f.nodes)-1].Pointer() {
			g[name] = f.val
		}
	}
	return g
}
