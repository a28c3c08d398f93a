package interp

import (
	"go/ast"
	"go/token"
	"reflect"
)

var (
	posType    = reflect.TypeOf(token.Pos(0))
	objPtrType = reflect.TypeOf((*ast.Object)(nil))
	scopeType  = reflect.TypeOf((*ast.Scope)(nil))
	// ellipsisType is ast.Ellipsis, whose Ellipsis field is a plain position.
	ellipsisType = reflect.TypeOf(ast.Ellipsis{})
)

// fixPos gives every position-less node under n the position pos. yaegi
// resolves imports through the file name of a node's position, so nodes
// synthesized by the rewriter must carry a position in the cell's file.
func fixPos(n ast.Node, pos token.Pos) { setPos(n, pos, false) }

// setPos gives position-less nodes under n the position pos; with all, it
// also overrides existing positions (nodes parsed in another file set),
// except the semantic ones of calls and declarations.
func setPos(n ast.Node, pos token.Pos, all bool) {
	if n == nil || !pos.IsValid() {
		return
	}
	walkAST(n, func(v reflect.Value) {
		if v.Kind() != reflect.Struct {
			return
		}
		for i := 0; i < v.NumField(); i++ {
			f := v.Field(i)
			if f.Type() != posType {
				continue
			}
			switch name := v.Type().Field(i).Name; {
			case name == "Ellipsis" && v.Type() == ellipsisType:
				// the position of the ... node itself
			case name == "Ellipsis", name == "Assign", name == "Lparen", name == "Rparen":
				continue // semantic: variadic call, type alias, grouped decl
			}
			if (f.Int() == 0 || all) && f.CanSet() {
				f.SetInt(int64(pos))
			}
		}
	})
}

// replaceNodes walks n and puts f(x) in place of each node x held in a
// field or slice element of an interface type (ast.Expr, ast.Stmt, …)
// for which f returns a node of that type, then walks on into it.
func replaceNodes(n ast.Node, f func(ast.Node) ast.Node) {
	walkAST(n, func(v reflect.Value) {
		if v.Kind() != reflect.Interface || !v.CanSet() {
			return
		}
		if x, ok := v.Interface().(ast.Node); ok {
			if r := f(x); r != nil && reflect.TypeOf(r).Implements(v.Type()) {
				v.Set(reflect.ValueOf(r))
			}
		}
	})
}

// walkAST calls visit on every interface and struct value under n, then
// walks on into it (into what visit left there): the one reflective walk
// of the engine's AST rewrites. Pointers are followed once each, except to
// the parser's old resolution (ast.Object, ast.Scope), which is cyclic.
func walkAST(n ast.Node, visit func(v reflect.Value)) {
	seen := map[uintptr]bool{}
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer:
			if v.IsNil() || v.Type() == objPtrType || v.Type() == scopeType || seen[v.Pointer()] {
				return
			}
			seen[v.Pointer()] = true
			walk(v.Elem())
		case reflect.Interface:
			if v.IsNil() {
				return
			}
			visit(v)
			walk(v.Elem())
		case reflect.Slice:
			for i := 0; i < v.Len(); i++ {
				walk(v.Index(i))
			}
		case reflect.Struct:
			visit(v)
			for i := 0; i < v.NumField(); i++ {
				walk(v.Field(i))
			}
		}
	}
	walk(reflect.ValueOf(n))
}
