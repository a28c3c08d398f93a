package interp

import (
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"reflect"
	"strconv"
)

// Range over functions (Go 1.23) and the iter package's types, which yaegi
// v0.16.1 knows nothing of ("cannot range over ...": it crashes on a
// function it is given to range over).
//
// The type check of a cell (typecheck) records each range statement whose
// operand is a function, by the cell position of its `for`, with the types
// of the yield function's parameters written as the cell would write
// them. desugarRangeFuncs then rewrites each such statement, as the Go
// compiler does, into a call of the function with a yield closure:
//
//	for k, v := range f { body }
//
// becomes
//
//	{
//		var __gkctlN int  // how the body left the loop
//		var __gkrN_0 R0   // the enclosing function's results, if it returns from the body
//		f(func(k K, v V) bool { body'; return true })
//		if __gkctlN == -1 { return __gkrN_0 }
//		if __gkctlN == 1 { break Outer }
//	}
//
// where in body' (outside nested function literals) a continue of this
// loop is `return true`, a break of it is `return false`, a return stores
// the results, sets __gkctlN to -1 and returns false, and a break,
// continue or goto to a label outside the loop sets __gkctlN to that exit's
// number and returns false, the statement itself run after the call.
// Statements nested in the body are rewritten first, so a range over a
// function inside another composes. Each call of the yield closure has
// fresh parameters: the loop variables are per iteration, as in Go.
//
// A defer in the body belongs to the enclosing function: it is appended
// to a list the function runs, last in first out, when it returns (the
// function starts by deferring that run); the deferred call's function and
// arguments are evaluated where the defer stands, as in Go. The function's
// other defers join the list too, so all run in Go's order; recover() in
// a call from the list does not stop a panic (README lists it).
//
// iter.Seq[V] and iter.Seq2[K, V] are written as the function types they
// stand for (func(func(V) bool), func(func(K, V) bool)): compiled code's
// iter.Seq[string] (strings.Lines) is assignable to them, and yaegi has
// no generic type of a compiled package.

// rangeFuncs maps the cell position (line, column) of the `for` of each
// range over a function to the types of its yield function's parameters.
type rangeFuncs map[[2]int][]string

// desugarRangeFuncs rewrites the ranges over functions in n (a parsed
// unit, positions in fset) listed in rf, and the iter types everywhere.
func desugarRangeFuncs(fset *token.FileSet, n ast.Node, rf rangeFuncs) {
	iterTypes(n)
	if len(rf) == 0 {
		return
	}
	d := &desugarer{fset: fset, rf: rf}
	if b, ok := n.(*ast.BlockStmt); ok {
		// A cell's top-level statements, outside any function.
		b.List = d.list(&fn{}, b.List)
		return
	}
	ast.Inspect(n, func(x ast.Node) bool {
		switch x := x.(type) {
		case *ast.FuncDecl:
			d.function(x.Type, x.Body)
			return false
		case *ast.FuncLit:
			d.function(x.Type, x.Body)
			return false
		}
		return true
	})
}

// cellQualifier writes types as the cell would: its own unqualified,
// packages by the names the cell imports them under (imports maps them to
// import paths).
func cellQualifier(imports map[string]string) types.Qualifier {
	names := map[string]string{}
	for name, p := range imports {
		names[p] = name
	}
	return func(p *types.Package) string {
		if p.Path() == "main" {
			return ""
		}
		if name, ok := names[p.Path()]; ok {
			return name
		}
		return p.Name()
	}
}

// rangeFuncsOf returns the ranges over functions of the checked file,
// whose expressions' types info holds (exprInfo), with the yield
// parameters' types written by qual.
func rangeFuncsOf(fset *token.FileSet, file *ast.File, info *types.Info, qual types.Qualifier) rangeFuncs {
	if info == nil {
		return nil
	}
	var rf rangeFuncs
	ast.Inspect(file, func(x ast.Node) bool {
		rs, ok := x.(*ast.RangeStmt)
		if !ok {
			return true
		}
		tv, ok := info.Types[rs.X]
		if !ok || tv.Type == nil {
			return true
		}
		sig, ok := tv.Type.Underlying().(*types.Signature)
		if !ok || sig.Params().Len() != 1 {
			return true
		}
		yield, ok := sig.Params().At(0).Type().Underlying().(*types.Signature)
		if !ok {
			return true
		}
		var params []string
		for i := range yield.Params().Len() {
			params = append(params, external(types.TypeString(yield.Params().At(i).Type(), qual)))
		}
		if rf == nil {
			rf = rangeFuncs{}
		}
		p := fset.Position(rs.For)
		rf[[2]int{p.Line, p.Column}] = params
		return true
	})
	return rf
}

type desugarer struct {
	fset *token.FileSet
	rf   rangeFuncs
	seq  int
}

// fn is the function whose body is being rewritten.
type fn struct {
	typ    *ast.FuncType
	defers bool // a range body defers: the function runs __gkdefers
}

// function rewrites the ranges over functions in body, of a function of
// type typ.
func (d *desugarer) function(typ *ast.FuncType, blk *ast.BlockStmt) {
	if blk == nil {
		return
	}
	f := &fn{typ: typ}
	blk.List = d.list(f, blk.List)
	if f.defers {
		// The function's other defers join the list, in their order.
		b := &body{d: d, f: f, n: "f" + strconv.Itoa(d.seq)}
		var walk func(l []ast.Stmt)
		walk = func(l []ast.Stmt) {
			for i, s := range l {
				if ds, ok := s.(*ast.DeferStmt); ok {
					l[i] = b.deferStmt(ds)
					continue
				}
				ast.Inspect(s, func(x ast.Node) bool {
					switch x := x.(type) {
					case *ast.FuncLit:
						return false
					case *ast.BlockStmt:
						walk(x.List)
						return false
					case *ast.CaseClause:
						walk(x.Body)
						return false
					case *ast.CommClause:
						walk(x.Body)
						return false
					}
					return true
				})
			}
		}
		walk(blk.List)
		// var __gkdefers []func()
		// defer func() { for i := len(__gkdefers) - 1; i >= 0; i-- { __gkdefers[i]() } }()
		blk.List = append(parseStmts(`var __gkdefers []func()
defer func() {
	for __gki := len(__gkdefers) - 1; __gki >= 0; __gki-- {
		__gkdefers[__gki]()
	}
}()`), blk.List...)
	}
}

// list rewrites the statements of l (and those nested in them) in f.
func (d *desugarer) list(f *fn, l []ast.Stmt) []ast.Stmt {
	for i, s := range l {
		l[i] = d.stmt(f, s, nil)
	}
	return l
}

func (d *desugarer) block(f *fn, b *ast.BlockStmt) {
	if b != nil {
		b.List = d.list(f, b.List)
	}
}

// stmt rewrites s; label is the label of s, if any.
func (d *desugarer) stmt(f *fn, s ast.Stmt, label *ast.Ident) ast.Stmt {
	switch s := s.(type) {
	case *ast.LabeledStmt:
		inner := d.stmt(f, s.Stmt, s.Label)
		if _, ok := s.Stmt.(*ast.RangeStmt); ok && inner != s.Stmt {
			return inner // the label's uses were all in the body
		}
		s.Stmt = inner
	case *ast.BlockStmt:
		d.block(f, s)
	case *ast.IfStmt:
		d.funcLits(f, s.Init, s.Cond)
		d.block(f, s.Body)
		if s.Else != nil {
			s.Else = d.stmt(f, s.Else, nil)
		}
	case *ast.ForStmt:
		d.funcLits(f, s.Init, s.Cond, s.Post)
		d.block(f, s.Body)
	case *ast.SwitchStmt:
		d.funcLits(f, s.Init, s.Tag)
		for _, c := range s.Body.List {
			cc := c.(*ast.CaseClause)
			d.funcLits(f, cc)
			cc.Body = d.list(f, cc.Body)
		}
	case *ast.TypeSwitchStmt:
		d.funcLits(f, s.Init, s.Assign)
		for _, c := range s.Body.List {
			c.(*ast.CaseClause).Body = d.list(f, c.(*ast.CaseClause).Body)
		}
	case *ast.SelectStmt:
		for _, c := range s.Body.List {
			cc := c.(*ast.CommClause)
			d.funcLits(f, cc.Comm)
			cc.Body = d.list(f, cc.Body)
		}
	case *ast.RangeStmt:
		d.funcLits(f, s.X)
		d.block(f, s.Body)
		p := d.fset.Position(s.For)
		if params, ok := d.rf[[2]int{p.Line, p.Column}]; ok {
			return d.rangeFunc(f, s, label, params)
		}
	default:
		d.funcLits(f, s)
	}
	return s
}

// funcLits rewrites the bodies of the function literals in nodes.
func (d *desugarer) funcLits(_ *fn, nodes ...ast.Node) {
	for _, n := range nodes {
		if n == nil || reflect.ValueOf(n).IsNil() {
			continue
		}
		ast.Inspect(n, func(x ast.Node) bool {
			if fl, ok := x.(*ast.FuncLit); ok {
				d.function(fl.Type, fl.Body)
				return false
			}
			return true
		})
	}
}

// rangeFunc rewrites s, a range over a function whose yield takes
// parameters of the types params, labelled label (or nil), in f.
func (d *desugarer) rangeFunc(f *fn, s *ast.RangeStmt, label *ast.Ident, params []string) ast.Stmt {
	d.seq++
	n := strconv.Itoa(d.seq)
	ctl := "__gkctl" + n
	lit := &ast.FuncLit{
		Type: &ast.FuncType{Func: s.For, Params: &ast.FieldList{}, Results: &ast.FieldList{List: []*ast.Field{{Type: ident("bool")}}}},
		Body: s.Body,
	}
	vars := []ast.Expr{s.Key, s.Value}
	var assign []ast.Expr // for k, v = range f: the yield's parameters are assigned to k, v
	var temps []ast.Expr
	for i, t := range params {
		name := "_"
		if i < len(vars) && vars[i] != nil {
			if id, ok := vars[i].(*ast.Ident); ok && s.Tok == token.DEFINE {
				name = id.Name
			} else if !isIdent(vars[i], "_") {
				name = "__gkp" + n + "_" + strconv.Itoa(i)
				assign = append(assign, vars[i])
				temps = append(temps, ident(name))
			}
		}
		typ, err := parser.ParseExpr(t)
		if err != nil {
			typ = ident(t) // not an expression: yaegi will say what is wrong
		}
		lit.Type.Params.List = append(lit.Type.Params.List, &ast.Field{Names: []*ast.Ident{ident(name)}, Type: typ})
	}
	b := &body{d: d, f: f, label: label, ctl: ctl, n: n}
	b.list(s.Body.List, false, false)
	if len(assign) > 0 {
		s.Body.List = append([]ast.Stmt{&ast.AssignStmt{Lhs: assign, Tok: token.ASSIGN, Rhs: temps}}, s.Body.List...)
	}
	s.Body.List = append(s.Body.List, &ast.ReturnStmt{Results: []ast.Expr{ident("true")}})

	var out []ast.Stmt
	if b.used {
		out = append(out, &ast.DeclStmt{Decl: &ast.GenDecl{Tok: token.VAR, Specs: []ast.Spec{
			&ast.ValueSpec{Names: []*ast.Ident{ident(ctl)}, Type: ident("int")}}}})
	}
	for i, r := range b.results {
		out = append(out, &ast.DeclStmt{Decl: &ast.GenDecl{Tok: token.VAR, Specs: []ast.Spec{
			&ast.ValueSpec{Names: []*ast.Ident{ident(r)}, Type: b.resultTypes[i]}}}})
	}
	out = append(out, &ast.ExprStmt{X: &ast.CallExpr{Fun: s.X, Lparen: s.X.End(), Args: []ast.Expr{lit}}})
	if b.returns {
		ret := &ast.ReturnStmt{}
		for _, r := range b.results {
			ret.Results = append(ret.Results, ident(r))
		}
		out = append(out, ctlIf(ctl, -1, ret))
	}
	for i, exit := range b.exits {
		out = append(out, ctlIf(ctl, i+1, exit))
	}
	blk := &ast.BlockStmt{Lbrace: s.For, List: out, Rbrace: s.Body.Rbrace}
	fixPos(blk, s.For)
	return blk
}

// ctlIf is `if ctl == v { then }`.
func ctlIf(ctl string, v int, then ast.Stmt) ast.Stmt {
	return &ast.IfStmt{
		Cond: &ast.BinaryExpr{X: ident(ctl), Op: token.EQL, Y: &ast.BasicLit{Kind: token.INT, Value: strconv.Itoa(v)}},
		Body: &ast.BlockStmt{List: []ast.Stmt{then}},
	}
}

// body rewrites the branches, returns and defers of a range body that
// leave it.
type body struct {
	d           *desugarer
	f           *fn
	label       *ast.Ident // the range statement's label
	ctl, n      string
	used        bool       // ctl is set somewhere
	returns     bool       // the body returns from the function
	results     []string   // temporaries for the function's results
	resultTypes []ast.Expr // their types
	exits       []ast.Stmt // branches to labels outside, by exit number - 1
	inner       map[string]bool
}

// list rewrites l; inLoop says l is inside a loop nested in the body (an
// unlabelled break or continue is that loop's), inBreakable inside a
// switch or select nested in the body (an unlabelled break is its).
func (b *body) list(l []ast.Stmt, inLoop, inBreakable bool) {
	for i, s := range l {
		l[i] = b.stmt(s, inLoop, inBreakable)
	}
}

func (b *body) stmt(s ast.Stmt, inLoop, inBreakable bool) ast.Stmt {
	switch s := s.(type) {
	case *ast.LabeledStmt:
		if b.inner == nil {
			b.inner = map[string]bool{}
		}
		b.inner[s.Label.Name] = true
		s.Stmt = b.stmt(s.Stmt, inLoop, inBreakable)
	case *ast.BlockStmt:
		b.list(s.List, inLoop, inBreakable)
	case *ast.IfStmt:
		b.list(s.Body.List, inLoop, inBreakable)
		if s.Else != nil {
			s.Else = b.stmt(s.Else, inLoop, inBreakable)
		}
	case *ast.ForStmt:
		b.list(s.Body.List, true, false)
	case *ast.RangeStmt:
		b.list(s.Body.List, true, false)
	case *ast.SwitchStmt:
		for _, c := range s.Body.List {
			b.list(c.(*ast.CaseClause).Body, inLoop, true)
		}
	case *ast.TypeSwitchStmt:
		for _, c := range s.Body.List {
			b.list(c.(*ast.CaseClause).Body, inLoop, true)
		}
	case *ast.SelectStmt:
		for _, c := range s.Body.List {
			b.list(c.(*ast.CommClause).Body, inLoop, true)
		}
	case *ast.BranchStmt:
		return b.branch(s, inLoop, inBreakable)
	case *ast.ReturnStmt:
		return b.ret(s)
	case *ast.DeferStmt:
		return b.deferStmt(s)
	}
	return s
}

func (b *body) branch(s *ast.BranchStmt, inLoop, inBreakable bool) ast.Stmt {
	mine := s.Label != nil && b.label != nil && s.Label.Name == b.label.Name
	switch s.Tok {
	case token.CONTINUE:
		if mine || s.Label == nil && !inLoop {
			return returnBool(s.Pos(), "true")
		}
	case token.BREAK:
		if mine || s.Label == nil && !inLoop && !inBreakable {
			return returnBool(s.Pos(), "false")
		}
	case token.FALLTHROUGH:
		return s
	}
	if s.Label == nil || b.inner[s.Label.Name] {
		return s
	}
	// A branch to a label outside the loop: leave it, then branch.
	b.used = true
	b.exits = append(b.exits, &ast.BranchStmt{Tok: s.Tok, Label: ident(s.Label.Name)})
	return b.leave(s.Pos(), len(b.exits))
}

// leave is `{ ctl = v; return false }`.
func (b *body) leave(pos token.Pos, v int) ast.Stmt {
	b.used = true
	return &ast.BlockStmt{Lbrace: pos, List: []ast.Stmt{
		&ast.AssignStmt{Lhs: []ast.Expr{ident(b.ctl)}, Tok: token.ASSIGN, Rhs: []ast.Expr{&ast.BasicLit{Kind: token.INT, Value: strconv.Itoa(v)}}},
		returnBool(pos, "false"),
	}}
}

func returnBool(pos token.Pos, v string) ast.Stmt {
	return &ast.ReturnStmt{Return: pos, Results: []ast.Expr{&ast.Ident{NamePos: pos, Name: v}}}
}

// ret rewrites a return from the enclosing function.
func (b *body) ret(s *ast.ReturnStmt) ast.Stmt {
	if !b.returns {
		b.returns = true
		if b.f.typ != nil && b.f.typ.Results != nil {
			for _, field := range b.f.typ.Results.List {
				k := max(len(field.Names), 1)
				for range k {
					b.results = append(b.results, "__gkr"+b.n+"_"+strconv.Itoa(len(b.results)))
					b.resultTypes = append(b.resultTypes, field.Type)
				}
			}
		}
	}
	leave := b.leave(s.Pos(), -1).(*ast.BlockStmt)
	if len(s.Results) > 0 {
		var lhs []ast.Expr
		for _, r := range b.results {
			lhs = append(lhs, ident(r))
		}
		leave.List = append([]ast.Stmt{&ast.AssignStmt{Lhs: lhs, Tok: token.ASSIGN, Rhs: s.Results, TokPos: s.Pos()}}, leave.List...)
	} else if len(b.results) > 0 {
		// A bare return of named results: their current values.
		var rhs []ast.Expr
		for _, field := range b.f.typ.Results.List {
			for _, name := range field.Names {
				rhs = append(rhs, ident(name.Name))
			}
		}
		var lhs []ast.Expr
		for _, r := range b.results {
			lhs = append(lhs, ident(r))
		}
		leave.List = append([]ast.Stmt{&ast.AssignStmt{Lhs: lhs, Tok: token.ASSIGN, Rhs: rhs, TokPos: s.Pos()}}, leave.List...)
	}
	return leave
}

// deferStmt appends the deferred call to the enclosing function's list,
// its function and arguments evaluated now.
func (b *body) deferStmt(s *ast.DeferStmt) ast.Stmt {
	if b.f.typ == nil {
		return s // at a cell's top level: no function to return
	}
	b.f.defers = true
	c := s.Call
	var lhs, rhs []ast.Expr
	keep := func(e ast.Expr) ast.Expr {
		switch e := e.(type) {
		case *ast.BasicLit, *ast.FuncLit:
			return e
		case *ast.Ident:
			if e.Name == "nil" || e.Name == "true" || e.Name == "false" {
				return e
			}
		}
		name := "__gkd" + b.n + "_" + strconv.Itoa(len(lhs))
		lhs, rhs = append(lhs, ident(name)), append(rhs, e)
		return ident(name)
	}
	call := &ast.CallExpr{Fun: c.Fun, Args: make([]ast.Expr, len(c.Args)), Ellipsis: c.Ellipsis}
	if id, ok := c.Fun.(*ast.Ident); !ok || !isBuiltinName(id.Name) {
		call.Fun = keep(c.Fun)
	}
	for i, a := range c.Args {
		call.Args[i] = keep(a)
	}
	push := &ast.AssignStmt{Lhs: []ast.Expr{ident("__gkdefers")}, Tok: token.ASSIGN, Rhs: []ast.Expr{
		&ast.CallExpr{Fun: ident("append"), Args: []ast.Expr{ident("__gkdefers"), &ast.FuncLit{
			Type: &ast.FuncType{Params: &ast.FieldList{}},
			Body: &ast.BlockStmt{List: []ast.Stmt{&ast.ExprStmt{X: call}}},
		}}},
	}}
	list := []ast.Stmt{push}
	if len(lhs) > 0 {
		list = append([]ast.Stmt{&ast.AssignStmt{Lhs: lhs, Tok: token.DEFINE, Rhs: rhs, TokPos: s.Pos()}}, list...)
	}
	// In a literal called in place: yaegi runs a function's deferred calls
	// holding its frame's lock, which a closure created in that frame
	// takes when it returns (a deadlock).
	st := iife(list...)
	fixPos(st, s.Pos())
	return st
}

func isBuiltinName(n string) bool {
	switch n {
	case "close", "delete", "panic", "print", "println", "recover", "copy", "clear", "append", "len", "cap":
		return true
	}
	return false
}

// parseStmts parses statements of a function body.
func parseStmts(src string) []ast.Stmt {
	f, err := parser.ParseFile(token.NewFileSet(), "", "package p\nfunc _() {\n"+src+"\n}", 0)
	if err != nil {
		panic(err) // the sources are constants of this file
	}
	body := f.Decls[0].(*ast.FuncDecl).Body.List
	setPos(&ast.BlockStmt{List: body}, token.NoPos, true)
	return body
}

// iterTypes replaces iter.Seq[V] and iter.Seq2[K, V] under n by the
// function types they stand for.
func iterTypes(n ast.Node) {
	replaceNodes(n, func(x ast.Node) ast.Node {
		if e, ok := x.(ast.Expr); ok {
			if t := iterType(e); t != nil {
				return t
			}
		}
		return nil
	})
}

// iterType returns the function type of e if e is iter.Seq[V] or
// iter.Seq2[K, V], else nil.
func iterType(e ast.Expr) ast.Expr {
	var x ast.Expr
	var args []ast.Expr
	switch e := e.(type) {
	case *ast.IndexExpr:
		x, args = e.X, []ast.Expr{e.Index}
	case *ast.IndexListExpr:
		x, args = e.X, e.Indices
	default:
		return nil
	}
	sel, ok := x.(*ast.SelectorExpr)
	if !ok || !isIdent(sel.X, "iter") || sel.Sel.Name != "Seq"+map[int]string{1: "", 2: "2"}[len(args)] {
		return nil
	}
	var yield []*ast.Field
	for _, a := range args {
		yield = append(yield, &ast.Field{Type: a})
	}
	return &ast.FuncType{Func: sel.Pos(), Params: &ast.FieldList{List: []*ast.Field{{
		Names: []*ast.Ident{{NamePos: sel.Pos(), Name: "yield"}},
		Type:  &ast.FuncType{Params: &ast.FieldList{List: yield}, Results: &ast.FieldList{List: []*ast.Field{{Type: ident("bool")}}}},
	}}}}
}
