package interp

import (
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
)

// Type aliases declared inside a function.
//
// yaegi v0.16.1 reports a use of a type alias declared inside a function
// (`type celsius = float64` in a func body) as undefined; at top level
// aliases work. An alias is only another name for its type, so the
// engine writes the type itself where the cell names the alias, and
// drops the declaration: the cell's type check finds each use of a local
// alias (go/types resolves the scopes) and records the aliased type as
// the cell would write it (localAliases, keyed by position like
// chanElems). A type the cell cannot write (an unexported type of a
// package, an instance of a generic type) leaves the alias to yaegi, and
// its error, as before.

// localAliases maps the cell position (line, column) of each use of a
// local type alias to the aliased type as the cell writes it, and the
// position of each local alias's name in its declaration to "".
type localAliases map[[2]int]string

// needsIdents reports whether x declares a type alias inside a function,
// for which the check must record identifiers' objects.
func needsIdents(x ast.Node) bool {
	d, ok := x.(*ast.DeclStmt)
	if !ok {
		return false
	}
	gd, ok := d.Decl.(*ast.GenDecl)
	if !ok || gd.Tok != token.TYPE {
		return false
	}
	for _, sp := range gd.Specs {
		if ts, ok := sp.(*ast.TypeSpec); ok && ts.Assign.IsValid() {
			return true
		}
	}
	return false
}

// localAliasesOf returns the uses and declarations of the type aliases
// declared inside the functions of the checked file.
func localAliasesOf(fset *token.FileSet, file *ast.File, info *types.Info, qual types.Qualifier) localAliases {
	if info == nil || info.Defs == nil || info.Uses == nil {
		return nil
	}
	la := localAliases{}
	at := func(pos token.Pos) [2]int {
		p := fset.Position(pos)
		return [2]int{p.Line, p.Column}
	}
	local := map[types.Object]string{}
	ast.Inspect(file, func(x ast.Node) bool {
		if !needsIdents(x) {
			return true
		}
		for _, sp := range x.(*ast.DeclStmt).Decl.(*ast.GenDecl).Specs {
			ts := sp.(*ast.TypeSpec)
			obj, ok := info.Defs[ts.Name].(*types.TypeName)
			if !ok || !ts.Assign.IsValid() || ts.TypeParams != nil {
				continue
			}
			t := external(types.TypeString(unaliasLocal(obj.Type()), qual))
			if !writable(t) {
				continue
			}
			local[obj] = t
			la[at(ts.Name.Pos())] = ""
		}
		return true
	})
	if len(local) == 0 {
		return nil
	}
	for id, obj := range info.Uses {
		if t, ok := local[obj]; ok {
			la[at(id.Pos())] = t
		}
	}
	return la
}

// unaliasLocal returns t with every local alias in it replaced by its
// type: the declarations of local aliases are dropped, so their names
// must not remain in the types written for the others.
func unaliasLocal(t types.Type) types.Type {
	switch x := t.(type) {
	case *types.Alias:
		o := x.Obj()
		if o.Pkg() == nil || o.Parent() == o.Pkg().Scope() {
			return t // top level, or predeclared (any): yaegi knows it
		}
		return unaliasLocal(types.Unalias(x))
	case *types.Pointer:
		return types.NewPointer(unaliasLocal(x.Elem()))
	case *types.Slice:
		return types.NewSlice(unaliasLocal(x.Elem()))
	case *types.Array:
		return types.NewArray(unaliasLocal(x.Elem()), x.Len())
	case *types.Map:
		return types.NewMap(unaliasLocal(x.Key()), unaliasLocal(x.Elem()))
	case *types.Chan:
		return types.NewChan(x.Dir(), unaliasLocal(x.Elem()))
	case *types.Signature:
		if x.TypeParams() != nil || x.Recv() != nil {
			return t
		}
		return types.NewSignatureType(nil, nil, nil, unaliasTuple(x.Params()), unaliasTuple(x.Results()), x.Variadic())
	case *types.Struct:
		fields := make([]*types.Var, x.NumFields())
		tags := make([]string, x.NumFields())
		for i := range fields {
			f := x.Field(i)
			fields[i] = types.NewField(f.Pos(), f.Pkg(), f.Name(), unaliasLocal(f.Type()), f.Embedded())
			tags[i] = x.Tag(i)
		}
		return types.NewStruct(fields, tags)
	}
	return t
}

func unaliasTuple(t *types.Tuple) *types.Tuple {
	if t == nil {
		return nil
	}
	vars := make([]*types.Var, t.Len())
	for i := range vars {
		v := t.At(i)
		vars[i] = types.NewParam(v.Pos(), v.Pkg(), v.Name(), unaliasLocal(v.Type()))
	}
	return types.NewTuple(vars...)
}

// substituteAliases writes the aliased type in place of each use of a
// local alias in n, and drops the aliases' declarations.
func substituteAliases(fset *token.FileSet, n ast.Node, la localAliases) {
	if len(la) == 0 {
		return
	}
	at := func(pos token.Pos) (string, bool) {
		p := fset.Position(pos)
		t, ok := la[[2]int{p.Line, p.Column}]
		return t, ok
	}
	fresh := map[*ast.Ident]bool{} // in the types written: at a use's position, not uses
	replaceNodes(n, func(x ast.Node) ast.Node {
		switch x := x.(type) {
		case *ast.Ident:
			t, ok := at(x.Pos())
			if !ok || t == "" || fresh[x] {
				return nil
			}
			e, err := parser.ParseExpr(t)
			if err != nil {
				return nil
			}
			setPos(e, x.Pos(), true)
			ast.Inspect(e, func(y ast.Node) bool {
				if id, ok := y.(*ast.Ident); ok {
					fresh[id] = true
				}
				return true
			})
			return e
		case *ast.DeclStmt:
			if dropAliases(x, at) {
				return &ast.EmptyStmt{Semicolon: x.Pos(), Implicit: true}
			}
		}
		return nil
	})
}

// dropAliases removes from s the local aliases marked in la (through at)
// and reports whether it declared nothing else.
func dropAliases(s *ast.DeclStmt, at func(token.Pos) (string, bool)) bool {
	if !needsIdents(s) {
		return false
	}
	gd := s.Decl.(*ast.GenDecl)
	kept := gd.Specs[:0]
	for _, sp := range gd.Specs {
		if t, ok := at(sp.(*ast.TypeSpec).Name.Pos()); ok && t == "" {
			continue
		}
		kept = append(kept, sp)
	}
	gd.Specs = kept
	return len(kept) == 0
}
