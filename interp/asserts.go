package interp

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"strings"
)

// Comma-ok assertions to a compiled interface.
//
// In yaegi v0.16.1, `v, ok := x.(error)` (or any interface of a compiled
// package: fmt.Stringer, runtime.Error, io.Reader) goes wrong in two ways:
//   - it panics with a nil dereference when x is a nil interface, where Go
//     gives ok == false, the usual way to test a recovered value;
//   - it gives ok == false when x holds a value of a cell type that
//     implements the interface (`var x any = MyErr{5}`), because the
//     interpreted type's methods are not the compiled type's. (A panic
//     value of a cell type is recovered without its type at all, which
//     this cannot mend.)
//
// Assertions to an interface the cell declares, to a concrete type, and
// type switches are right. The cell's type check finds the comma-ok
// assertions to a compiled interface with methods (nilAsserts, keyed by
// position like chanElems), with the session's types that implement it.
// The rewriter passes the operand through __gk.NonNil, which gives a value
// of a compiled type with no methods in place of nil, so that the
// assertion fails as Go's does; and when cell types implement the
// interface, it makes the assertion a call of a function literal that
// tries them in a type switch after the compiled assertion: a case of a
// concrete cell type matches, and returning the value as the interface
// converts it as an assignment does.

// nilAsserts maps the cell position (line, column) of the left
// parenthesis of such an assertion to what the rewriter needs.
type nilAsserts map[[2]int]assertFix

// assertFix is an assertion's interface as the cell writes it and the
// session's types that implement it ("T", "*T"), if any.
type assertFix struct {
	iface string
	impls []string
}

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
// interface with methods that a package declares (error included), with
// the types of the session's scope that implement it.
func nilAssertsOf(fset *token.FileSet, file *ast.File, info *types.Info, cell *types.Package, session *types.Scope, qual types.Qualifier) nilAsserts {
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
		it, ok := named.Underlying().(*types.Interface)
		if !ok || it.NumMethods() == 0 {
			return true
		}
		if na == nil {
			na = nilAsserts{}
		}
		p := fset.Position(ta.Lparen)
		na[[2]int{p.Line, p.Column}] = assertFix{iface: types.TypeString(tv.Type, qual), impls: implementers(session, cell.Scope(), it)}
		return true
	})
	return na
}

// implementers returns the names of the non-generic types of the scopes
// that implement it, and of the pointers to them that do (as "*T").
func implementers(session, cell *types.Scope, it *types.Interface) []string {
	var names []string
	seen := map[string]bool{}
	for _, sc := range []*types.Scope{session, cell} {
		for _, n := range sc.Names() {
			tn, ok := sc.Lookup(n).(*types.TypeName)
			if !ok || tn.IsAlias() || seen[n] || strings.Contains(n, "·") {
				continue // renamed old versions of redefined types too
			}
			named, ok := tn.Type().(*types.Named)
			if !ok || named.TypeParams() != nil || types.IsInterface(named) {
				continue
			}
			seen[n] = true
			if types.Implements(named, it) {
				names = append(names, n)
			}
			if types.Implements(types.NewPointer(named), it) {
				names = append(names, "*"+n)
			}
		}
	}
	return names
}

// guardNilAsserts rewrites each assertion of na under n: its operand
// through __gk.NonNil, and, when cell types implement its interface, the
// assertion into the call of a function literal that tries them.
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
		fix, ok := na[[2]int{p.Line, p.Column}]
		if !ok {
			return true
		}
		if len(fix.impls) == 0 {
			c := call(rtSel("NonNil"), ta.X)
			fixPos(c, ta.X.Pos())
			ta.X = c
			return true
		}
		var b strings.Builder
		fmt.Fprintf(&b, "func(__gkX any) (%s, bool) {\n", fix.iface)
		fmt.Fprintf(&b, "\tif __gkR, __gkOK := %s.NonNil(__gkX).(%s); __gkOK {\n\t\treturn __gkR, true\n\t}\n", rtName, fix.iface)
		b.WriteString("\tswitch __gkT := __gkX.(type) {\n")
		for _, t := range fix.impls {
			fmt.Fprintf(&b, "\tcase %s:\n\t\treturn __gkT, true\n", t)
		}
		fmt.Fprintf(&b, "\t}\n\tvar __gkZ %s\n\treturn __gkZ, false\n}", fix.iface)
		lit, err := parser.ParseExpr(b.String())
		if err != nil {
			return true // cannot happen: the names come from the check
		}
		setPos(lit, ta.Pos(), true)
		c := &ast.CallExpr{Fun: lit, Lparen: ta.Lparen, Args: []ast.Expr{ta.X}, Rparen: ta.Rparen}
		switch x := x.(type) {
		case *ast.AssignStmt:
			x.Rhs[0] = c
		case *ast.ValueSpec:
			x.Values[0] = c
		}
		return true
	})
}
