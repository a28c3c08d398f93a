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
	seen := map[uintptr]bool{}
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer:
			if v.IsNil() || v.Type() == objPtrType || v.Type() == scopeType {
				return
			}
			if seen[v.Pointer()] {
				return
			}
			seen[v.Pointer()] = true
			walk(v.Elem())
		case reflect.Interface:
			if !v.IsNil() {
				walk(v.Elem())
			}
		case reflect.Slice:
			for i := 0; i < v.Len(); i++ {
				walk(v.Index(i))
			}
		case reflect.Struct:
			for i := 0; i < v.NumField(); i++ {
				f := v.Field(i)
				if f.Type() == posType {
					switch name := v.Type().Field(i).Name; {
					case name == "Ellipsis" && v.Type() == ellipsisType:
						// the position of the ... node itself
					case name == "Ellipsis", name == "Assign", name == "Lparen", name == "Rparen":
						continue // semantic: variadic call, type alias, grouped decl
					}
					if (f.Int() == 0 || all) && f.CanSet() {
						f.SetInt(int64(pos))
					}
					continue
				}
				walk(f)
			}
		}
	}
	walk(reflect.ValueOf(n))
}

// replaceNodes walks n and puts f(x) in place of each node x held in a
// field or slice element of an interface type (ast.Expr, ast.Stmt, …)
// for which f returns a node of that type, then walks on into it.
func replaceNodes(n ast.Node, f func(ast.Node) ast.Node) {
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer:
			if !v.IsNil() && v.Type() != objPtrType && v.Type() != scopeType {
				walk(v.Elem())
			}
		case reflect.Interface:
			if v.IsNil() {
				return
			}
			if x, ok := v.Interface().(ast.Node); ok && v.CanSet() {
				if r := f(x); r != nil && reflect.TypeOf(r).Implements(v.Type()) {
					v.Set(reflect.ValueOf(r))
				}
			}
			walk(v.Elem())
		case reflect.Slice:
			for i := 0; i < v.Len(); i++ {
				walk(v.Index(i))
			}
		case reflect.Struct:
			for i := 0; i < v.NumField(); i++ {
				walk(v.Field(i))
			}
		}
	}
	walk(reflect.ValueOf(n))
}
