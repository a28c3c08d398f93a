package interp

import (
	"go/ast"
	"go/token"
	"go/types"
)

// Comma-ok assertions of a nil interface to a compiled interface.
//
// In yaegi v0.16.1, `v, ok := x.(error)` (or any interface of a compiled
// package: fmt.Stringer, runtime.Error, io.Reader) panics with a nil
// dereference when x is a nil interface, where Go gives ok == false, the
// usual way to test a recovered value or an optional field. Assertions to
// an interface the cell declares, to a concrete type, and type switches
// are right. The cell's type check finds the comma-ok assertions to a
// compiled interface with methods (nilAsserts, keyed by position like
// chanElems) and the rewriter passes their operand through __gk.NonNil,
// which gives a value of a compiled type with no methods in place of nil:
// the assertion then fails as Go's does. Other values pass unchanged.

// nilAsserts holds the cell positions (line, column) of the left
// parenthesis of such assertions.
type nilAsserts map[[2]int]bool

// commaOKAssert returns the type assertion that x (an assignment or a var
// spec) tests with comma-ok, if it is one.
func commaOKAssert(x ast.Node) *ast.TypeAssertExpr {
	var rhs []ast.Expr
	switch x := x.(type) {
	case *ast.AssignStmt:
		if len(x.Lhs) == 2 {
			rhs = x.Rhs
		}
	case *ast.ValueSpec:
		if len(x.Names) == 2 {
			rhs = x.Values
		}
	}
	if len(rhs) != 1 {
		return nil
	}
	ta, _ := ast.Unparen(rhs[0]).(*ast.TypeAssertExpr)
	if ta == nil || ta.Type == nil {
		return nil
	}
	return ta
}

// nilAssertsOf returns the comma-ok assertions of the checked file to an
// interface with methods that a package declares (error included).
func nilAssertsOf(fset *token.FileSet, file *ast.File, info *types.Info, cell *types.Package) nilAsserts {
	if info == nil {
		return nil
	}
	var na nilAsserts
	ast.Inspect(file, func(x ast.Node) bool {
		ta := commaOKAssert(x)
		if ta == nil {
			return true
		}
		tv, ok := info.Types[ta.Type]
		if !ok || tv.Type == nil {
			return true
		}
		named, ok := types.Unalias(tv.Type).(*types.Named)
		if !ok || named.Obj().Pkg() == cell || named.Obj().Pkg() != nil && named.Obj().Pkg().Path() == "main" {
			return true // a literal interface or the cell's own: yaegi's are right
		}
		if it, ok := named.Underlying().(*types.Interface); !ok || it.NumMethods() == 0 {
			return true
		}
		if na == nil {
			na = nilAsserts{}
		}
		p := fset.Position(ta.Lparen)
		na[[2]int{p.Line, p.Column}] = true
		return true
	})
	return na
}

// guardNilAsserts passes the operand of each assertion of na under n
// through __gk.NonNil.
func guardNilAsserts(fset *token.FileSet, n ast.Node, na nilAsserts) {
	if len(na) == 0 {
		return
	}
	ast.Inspect(n, func(x ast.Node) bool {
		ta := commaOKAssert(x)
		if ta == nil {
			return true
		}
		p := fset.Position(ta.Lparen)
		if na[[2]int{p.Line, p.Column}] {
			c := call(rtSel("NonNil"), ta.X)
			fixPos(c, ta.X.Pos())
			ta.X = c
		}
		return true
	})
}
