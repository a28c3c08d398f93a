package interp

import (
	"go/ast"
	"go/constant"
	"go/token"
	"reflect"
	"strconv"
)

// rewriter applies the source-to-source fixes that make yaegi v0.16.1 run
// modern notebook Go: interrupt polls at loop tops, range over int,
// per-iteration loop variables, min/max/clear, interruptible channel
// waits, recovering goroutines, and (at cell top level) wrapping of the
// statement forms that crash yaegi's global scope.
type rewriter struct {
	ints      map[string]bool // names known to hold integers
	chans     map[string]bool // names known to hold channels
	globals   map[string]reflect.Value
	noMin     bool                   // the user defined their own min/max/clear
	noRecover bool                   // the user defined their own recover
	recovers  map[*ast.CallExpr]bool // the recover() calls inside __gk.Recovered(…)
	cellMain  bool                   // a cell declared func main, which the engine calls entryMain
	atTop     bool                   // rewriting an expression of a cell top-level statement (global scope)
	fn        string                 // the function being rewritten, for polls ("" at top level)
	tmp       int
	panics    []ast.Node // panic statements wrapped in a literal (see Session.notePanics)
	fset      *token.FileSet
	elems     chanElems // element types of the channel operations, by position (selects.go)
}

func newRewriter(globals map[string]reflect.Value) *rewriter {
	r := &rewriter{ints: map[string]bool{}, chans: map[string]bool{}, globals: globals}
	for name, v := range globals {
		if v.IsValid() && isIntKind(v.Kind()) {
			r.ints[name] = true
		}
		if v.IsValid() && v.Kind() == reflect.Chan && v.Type().ChanDir() == reflect.BothDir {
			r.chans[name] = true
		}
	}
	for _, n := range []string{"min", "max", "clear"} {
		if _, ok := globals[n]; ok {
			r.noMin = true
		}
	}
	_, r.noRecover = globals["recover"]
	return r
}

func isIntKind(k reflect.Kind) bool {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return true
	}
	return false
}

func ident(name string) *ast.Ident { return &ast.Ident{Name: name} }

func rtSel(name string) ast.Expr { return &ast.SelectorExpr{X: ident(rtName), Sel: ident(name)} }

func call(fun ast.Expr, args ...ast.Expr) *ast.CallExpr { return &ast.CallExpr{Fun: fun, Args: args} }

// iife wraps statements in func() { ... }().
func iife(list ...ast.Stmt) ast.Stmt {
	return &ast.ExprStmt{X: call(&ast.FuncLit{
		Type: &ast.FuncType{Params: &ast.FieldList{}},
		Body: &ast.BlockStmt{List: list},
	})}
}

// poll is `if __gkstop { __gkpoll(fn, pos) }`: __gkstop is the
// interrupter's flag (stopFlag; in race builds the condition is
// `len(__gkstop) > 0`), the cheapest check yaegi offers.
// __gkpoll calls __gk.Poll (Session.poll), which stops the cell on an
// interrupt or checks the stack depth; fn (the enclosing function) and pos
// (of the loop or function) say where, should the stack be too deep. The
// interpreted __gkpoll costs nothing while the flag is down; calling
// __gk.Poll here directly would add an allocation to every call of a
// function that polls (24 B of yaegi frame, +5.5% allocations in fib).
func (r *rewriter) poll(pos token.Pos) ast.Stmt {
	return &ast.IfStmt{
		Cond: stopCond(),
		Body: &ast.BlockStmt{List: []ast.Stmt{&ast.ExprStmt{X: call(ident("__gkpoll"),
			&ast.BasicLit{Kind: token.STRING, Value: strconv.Quote(r.fn)},
			&ast.BasicLit{Kind: token.INT, Value: strconv.Itoa(int(pos))})}}},
	}
}

// funcBody rewrites the body of function fn (a function, method or func
// literal) and starts it with the poll, which makes recursion
// interruptible and lets the depth probe stop unbounded recursion
// (recursion.go). A body that calls nothing gets no poll: no recursion
// passes through it, and its loops poll on their own.
func (r *rewriter) funcBody(b *ast.BlockStmt, fn string) {
	if b == nil {
		return
	}
	saved := r.fn
	r.fn = fn
	defer func() { r.fn = saved }()
	calls := callsOut(b)
	pos := b.Lbrace
	if len(b.List) > 0 {
		pos = b.List[0].Pos()
	}
	r.block(b)
	if !calls {
		return
	}
	// On the first statement's line: yaegi names an interpreted frame by
	// the position of its first node (see Session.nameFrame).
	p := r.poll(b.Lbrace)
	setPos(p, pos, false)
	b.List = append([]ast.Stmt{p}, b.List...)
}

// callsOut reports whether b calls a function: anything but a builtin, a
// conversion to a predeclared or composite type, or a func literal called
// in place (whose body counts for itself).
func callsOut(b *ast.BlockStmt) bool {
	found := false
	ast.Inspect(b, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.CallExpr:
			switch f := n.Fun.(type) {
			case *ast.Ident:
				found = found || !predeclared[f.Name]
			case *ast.FuncLit, *ast.ArrayType, *ast.MapType, *ast.ChanType, *ast.FuncType, *ast.InterfaceType:
			default:
				found = true
			}
		}
		return !found
	})
	return found
}

// predeclared are the builtin functions and types a call may name.
var predeclared = map[string]bool{
	"append": true, "cap": true, "clear": true, "close": true, "complex": true, "copy": true, "delete": true,
	"imag": true, "len": true, "make": true, "max": true, "min": true, "new": true, "panic": true,
	"print": true, "println": true, "real": true, "recover": true,
	"any": true, "bool": true, "byte": true, "complex64": true, "complex128": true, "error": true,
	"float32": true, "float64": true, "int": true, "int8": true, "int16": true, "int32": true, "int64": true,
	"rune": true, "string": true, "uint": true, "uint8": true, "uint16": true, "uint32": true, "uint64": true, "uintptr": true,
}

// interruptClause is `case <-__gk.Done(): __gk.Raise()`.
func interruptClause() *ast.CommClause {
	return &ast.CommClause{
		Comm: &ast.ExprStmt{X: &ast.UnaryExpr{Op: token.ARROW, X: call(rtSel("Done"))}},
		Body: []ast.Stmt{&ast.ExprStmt{X: call(rtSel("Raise"))}},
	}
}

// goRecover is `defer func() { if r := recover(); r != nil { __gk.GoPanic(r) } }()`.
func goRecover() ast.Stmt {
	return &ast.DeferStmt{Call: call(&ast.FuncLit{
		Type: &ast.FuncType{Params: &ast.FieldList{}},
		Body: &ast.BlockStmt{List: []ast.Stmt{&ast.IfStmt{
			Init: &ast.AssignStmt{Lhs: []ast.Expr{ident("r")}, Tok: token.DEFINE, Rhs: []ast.Expr{call(ident("recover"))}},
			Cond: &ast.BinaryExpr{X: ident("r"), Op: token.NEQ, Y: ident("nil")},
			Body: &ast.BlockStmt{List: []ast.Stmt{&ast.ExprStmt{X: call(rtSel("GoPanic"), ident("r"))}}},
		}}},
	})}
}

// list rewrites a statement list; top marks the cell's top level.
func (r *rewriter) list(l []ast.Stmt, top bool) []ast.Stmt {
	var out []ast.Stmt
	for _, s := range l {
		out = append(out, r.stmt(s, top)...)
	}
	return out
}

func (r *rewriter) block(b *ast.BlockStmt) {
	if b != nil {
		b.List = r.list(b.List, false)
	}
}

func (r *rewriter) stmt(s ast.Stmt, top bool) []ast.Stmt {
	saved := r.atTop
	r.atTop = top
	defer func() { r.atTop = saved }()
	wrap := func(s ast.Stmt) []ast.Stmt {
		if top {
			return []ast.Stmt{iife(s)}
		}
		return []ast.Stmt{s}
	}
	switch s := s.(type) {
	case *ast.BlockStmt:
		r.block(s)
		return wrap(s)
	case *ast.IfStmt:
		r.ifStmt(s)
		return wrap(s)
	case *ast.ForStmt:
		r.forStmt(s)
		return wrap(s)
	case *ast.RangeStmt:
		return wrap(r.rangeStmt(s, nil))
	case *ast.SwitchStmt:
		r.simple(s.Init)
		r.expr(s.Tag)
		for _, c := range s.Body.List {
			cc := c.(*ast.CaseClause)
			for _, e := range cc.List {
				r.expr(e)
			}
			cc.Body = r.list(cc.Body, false)
		}
		return wrap(s)
	case *ast.TypeSwitchStmt:
		r.simple(s.Init)
		r.simple(s.Assign)
		for _, c := range s.Body.List {
			cc := c.(*ast.CaseClause)
			cc.Body = r.list(cc.Body, false)
		}
		return wrap(s)
	case *ast.SelectStmt:
		return wrap(r.selectStmt(s, nil))
	case *ast.LabeledStmt:
		if rs, ok := s.Stmt.(*ast.RangeStmt); ok {
			s.Stmt = r.rangeStmt(rs, s.Label)
			return wrap(s)
		}
		if ss, ok := s.Stmt.(*ast.SelectStmt); ok {
			if st := r.selectStmt(ss, s.Label); st != ss {
				return wrap(st) // the label is on the switch inside
			}
			return wrap(s)
		}
		inner := r.stmt(s.Stmt, false)
		if len(inner) == 1 {
			s.Stmt = inner[0]
		} else {
			s.Stmt = &ast.BlockStmt{List: inner}
		}
		return wrap(s)
	case *ast.GoStmt:
		return wrap(r.goStmt(s))
	case *ast.ExprStmt:
		if u, ok := s.X.(*ast.UnaryExpr); ok && u.Op == token.ARROW {
			r.expr(u.X)
			return wrap(r.recvStmts(u, nil, token.ILLEGAL)[0]) // <-ch: interruptible (selects.go)
		}
		r.expr(s.X)
		if c, ok := s.X.(*ast.CallExpr); ok && !top && isIdent(c.Fun, "panic") {
			// yaegi names a frame by its first node: a panic in a function
			// would be reported at the function's first statement. In a
			// literal of its own, its frame starts on the panic's line.
			r.panics = append(r.panics, s)
			return []ast.Stmt{iife(s)}
		}
	case *ast.AssignStmt:
		for _, e := range s.Rhs {
			r.expr(e)
		}
		for _, e := range s.Lhs {
			r.expr(e)
		}
		if len(s.Rhs) == 1 && len(s.Lhs) == 2 && s.Tok == token.DEFINE && !top {
			// (at top level yaegi cannot instantiate the helper reliably)
			if c := r.knownRecv(s.Rhs[0]); c != nil {
				s.Rhs[0] = call(ident("__gkrecv2"), c) // v, ok := <-ch
				return []ast.Stmt{s}
			}
		}
		for i, e := range s.Rhs {
			// (yaegi cannot instantiate the helper in a global-scope define)
			if c := r.knownRecv(e); c != nil && len(s.Rhs) == len(s.Lhs) && !(top && s.Tok == token.DEFINE) {
				s.Rhs[i] = call(ident("__gkrecv"), c)
			}
		}
		if top && s.Tok == token.DEFINE && len(s.Rhs) == len(s.Lhs) {
			parenRecvs(s.Rhs)
		}
		parenComposites(s.Rhs)
		if len(s.Rhs) == 1 {
			if u, ok := s.Rhs[0].(*ast.UnaryExpr); ok && u.Op == token.ARROW && s.Tok == token.ASSIGN && len(s.Lhs) <= 2 {
				if stmts := r.recvStmts(u, s.Lhs, token.ASSIGN); stmts != nil {
					return wrap(&ast.BlockStmt{List: stmts}) // (selects.go)
				}
				// The element type unknown: yaegi's select.
				// v = <-ch -> select { case t := <-ch: v = t; case <-interrupt: raise }
				// (yaegi's select mishandles the `case v = <-ch` form).
				var tmps []ast.Expr
				for i := range s.Lhs {
					tmps = append(tmps, ident("__gkr"+strconv.Itoa(i)))
				}
				sel := &ast.SelectStmt{Body: &ast.BlockStmt{List: []ast.Stmt{
					&ast.CommClause{
						Comm: &ast.AssignStmt{Lhs: tmps, Tok: token.DEFINE, Rhs: s.Rhs},
						Body: []ast.Stmt{&ast.AssignStmt{Lhs: s.Lhs, Tok: token.ASSIGN, Rhs: cloneIdents(tmps)}},
					},
					interruptClause(),
				}}}
				return wrap(sel)
			}
		}
		if s.Tok == token.DEFINE {
			r.noteInts(s)
		}
		if top && s.Tok == token.DEFINE && len(s.Lhs) == 2 && len(s.Rhs) == 1 {
			if out := r.commaOK(s); out != nil {
				return out
			}
		}
	case *ast.DeclStmt:
		if gd, ok := s.Decl.(*ast.GenDecl); ok {
			for _, sp := range gd.Specs {
				if vs, ok := sp.(*ast.ValueSpec); ok {
					for _, v := range vs.Values {
						r.expr(v)
					}
					if top && len(vs.Values) == len(vs.Names) {
						parenRecvs(vs.Values)
					}
					parenComposites(vs.Values)
					if id, ok := vs.Type.(*ast.Ident); ok && isIntTypeName(id.Name) {
						for _, n := range vs.Names {
							r.ints[n.Name] = true
						}
					}
				}
			}
		}
	case *ast.ReturnStmt:
		for _, e := range s.Results {
			r.expr(e)
		}
		if len(s.Results) == 1 {
			if u, ok := s.Results[0].(*ast.UnaryExpr); ok && u.Op == token.ARROW {
				// return <-ch: an interruptible receive (selects.go), then return
				ret := r.tmpName("__gkret")
				if stmts := r.recvStmts(u, []ast.Expr{ident(ret)}, token.DEFINE); stmts != nil {
					return append(stmts, &ast.ReturnStmt{Return: s.Return, Results: []ast.Expr{ident(ret)}})
				}
			}
		}
		// yaegi fails `return <-ch` at run time ("reflect.Value.Set using
		// unaddressable value"); in parentheses the value is copied.
		parenRecvs(s.Results)
	case *ast.DeferStmt:
		r.expr(s.Call)
	case *ast.SendStmt:
		r.expr(s.Chan)
		r.expr(s.Value)
		// A blocking send must notice an interrupt too.
		if stmts := r.sendStmts(s); stmts != nil {
			return wrap(&ast.BlockStmt{List: stmts}) // (selects.go)
		}
		return wrap(&ast.SelectStmt{Body: &ast.BlockStmt{List: []ast.Stmt{
			&ast.CommClause{Comm: s}, interruptClause(),
		}}})
	case *ast.IncDecStmt:
		r.expr(s.X)
	}
	return []ast.Stmt{s}
}

func (r *rewriter) simple(s ast.Stmt) {
	if s == nil {
		return
	}
	// Simple statements (if/switch/for init) never need replacing.
	switch s := s.(type) {
	case *ast.AssignStmt:
		for _, e := range s.Rhs {
			r.expr(e)
		}
		if s.Tok == token.DEFINE {
			r.noteInts(s)
		}
	case *ast.ExprStmt:
		r.expr(s.X)
	case *ast.IncDecStmt:
		r.expr(s.X)
	case *ast.SendStmt:
		r.expr(s.Value)
	}
}

func (r *rewriter) ifStmt(s *ast.IfStmt) {
	r.simple(s.Init)
	r.expr(s.Cond)
	r.block(s.Body)
	switch e := s.Else.(type) {
	case *ast.BlockStmt:
		r.block(e)
	case *ast.IfStmt:
		r.ifStmt(e)
	}
}

func (r *rewriter) forStmt(s *ast.ForStmt) {
	r.simple(s.Init)
	r.expr(s.Cond)
	r.simple(s.Post)
	r.block(s.Body)
	// Go 1.22 per-iteration loop variables, when a closure or address could observe them.
	if init, ok := s.Init.(*ast.AssignStmt); ok && init.Tok == token.DEFINE && captures(s.Body) {
		var names []ast.Expr
		for _, l := range init.Lhs {
			if id, ok := l.(*ast.Ident); ok && id.Name != "_" && !assigns(s.Body, id.Name) {
				names = append(names, ident(id.Name))
			}
		}
		if len(names) > 0 {
			cp := &ast.AssignStmt{Lhs: names, Tok: token.DEFINE, Rhs: cloneIdents(names)}
			s.Body.List = append([]ast.Stmt{cp}, s.Body.List...)
		}
	}
	s.Body.List = append([]ast.Stmt{r.poll(s.For)}, s.Body.List...)
}

func (r *rewriter) rangeStmt(s *ast.RangeStmt, label *ast.Ident) ast.Stmt {
	r.expr(s.X)
	if st := r.rangeChanTyped(s, label); st != nil {
		return st
	}
	if id, ok := s.X.(*ast.Ident); ok && r.chans[id.Name] && s.Value == nil && s.Tok != token.ASSIGN {
		return r.rangeChan(s, label)
	}
	if s.Tok == token.DEFINE {
		if id, ok := s.Key.(*ast.Ident); ok && s.Value == nil && r.isInt(s.X) {
			r.ints[id.Name] = true
		}
	}
	r.block(s.Body)
	if s.Value == nil && r.isInt(s.X) {
		// for i := range n  ->  for i := n - n; i < n; i++ (n is side-effect free here)
		key := "__gki" + strconv.Itoa(r.tmp)
		r.tmp++
		if id, ok := s.Key.(*ast.Ident); ok && s.Tok == token.DEFINE {
			key = id.Name
		}
		n := s.X
		var zero ast.Expr = &ast.BinaryExpr{X: n, Op: token.SUB, Y: n}
		if _, lit := n.(*ast.BasicLit); lit {
			zero = &ast.BasicLit{Kind: token.INT, Value: "0"}
		}
		f := &ast.ForStmt{
			For:  s.For,
			Init: &ast.AssignStmt{Lhs: []ast.Expr{ident(key)}, Tok: token.DEFINE, Rhs: []ast.Expr{zero}},
			Cond: &ast.BinaryExpr{X: ident(key), Op: token.LSS, Y: n},
			Post: &ast.IncDecStmt{X: ident(key), Tok: token.INC},
			Body: s.Body,
		}
		if s.Key != nil && s.Tok == token.ASSIGN {
			s.Body.List = append([]ast.Stmt{&ast.AssignStmt{Lhs: []ast.Expr{s.Key}, Tok: token.ASSIGN, Rhs: []ast.Expr{ident(key)}}}, s.Body.List...)
		}
		r.forStmt(f)
		return f
	}
	if s.Tok == token.DEFINE && captures(s.Body) {
		var names []ast.Expr
		for _, e := range []ast.Expr{s.Key, s.Value} {
			if id, ok := e.(*ast.Ident); ok && id.Name != "_" {
				names = append(names, ident(id.Name))
			}
		}
		if len(names) > 0 {
			s.Body.List = append([]ast.Stmt{&ast.AssignStmt{Lhs: names, Tok: token.DEFINE, Rhs: cloneIdents(names)}}, s.Body.List...)
		}
	}
	s.Body.List = append([]ast.Stmt{r.poll(s.For)}, s.Body.List...)
	return s
}

// selectStmt rewrites a select statement, labelled label (or nil), into
// a call of cellSelect (selects.go); or, when an element type is unknown,
// keeps it with an interrupt clause added to a select that blocks.
func (r *rewriter) selectStmt(s *ast.SelectStmt, label *ast.Ident) ast.Stmt {
	hasDefault := false
	for _, c := range s.Body.List {
		cc := c.(*ast.CommClause)
		if cc.Comm == nil {
			hasDefault = true
		}
		cc.Body = r.list(cc.Body, false)
	}
	if st := r.selectTyped(s, label); st != nil {
		return st
	}
	if !hasDefault {
		s.Body.List = append(s.Body.List, interruptClause())
	}
	return s
}

func (r *rewriter) goStmt(s *ast.GoStmt) ast.Stmt {
	if fl, ok := s.Call.Fun.(*ast.FuncLit); ok {
		r.expr(s.Call)
		fl.Body.List = append([]ast.Stmt{goRecover()}, fl.Body.List...)
		return s
	}
	r.expr(s.Call)
	// go f(a, b) -> { a0, a1 := a, b; go func() { defer recover...; f(a0, a1) }() }
	var lhs, args []ast.Expr
	for i, a := range s.Call.Args {
		name := "__gka" + strconv.Itoa(i)
		lhs = append(lhs, ident(name))
		args = append(args, a)
		_ = i
	}
	inner := &ast.CallExpr{Fun: s.Call.Fun, Args: cloneIdents(lhs), Ellipsis: s.Call.Ellipsis}
	g := &ast.GoStmt{Call: call(&ast.FuncLit{
		Type: &ast.FuncType{Params: &ast.FieldList{}},
		Body: &ast.BlockStmt{List: []ast.Stmt{goRecover(), &ast.ExprStmt{X: inner}}},
	})}
	if len(lhs) == 0 {
		return g
	}
	return &ast.BlockStmt{List: []ast.Stmt{
		&ast.AssignStmt{Lhs: lhs, Tok: token.DEFINE, Rhs: args},
		g,
	}}
}

// parenRecvs puts the receives among the values of a top-level definition
// in parentheses: yaegi keeps a global defined by `v := <-ch` as the
// received reflect.Value itself, which is not addressable, so a later
// `v = 2` was silently lost and `v++` or `v := 1` panicked. In parentheses
// the value is copied into the variable.
func parenRecvs(values []ast.Expr) {
	for i, e := range values {
		if u, ok := e.(*ast.UnaryExpr); ok && u.Op == token.ARROW {
			values[i] = &ast.ParenExpr{X: u}
		}
	}
}

// parenComposites puts the composite literals among several values of
// one assignment, definition or var spec in parentheses: yaegi v0.16.1
// gives the other values their zero value (`m, n := map[string]int{}, 3`
// left n at 0, silently); in parentheses each value is its own.
func parenComposites(values []ast.Expr) {
	if len(values) < 2 {
		return
	}
	for i, e := range values {
		if c, ok := e.(*ast.CompositeLit); ok {
			values[i] = &ast.ParenExpr{Lparen: c.Pos(), X: c, Rparen: c.End() - 1}
		}
	}
}

// commaOK rewrites top-level `v, ok := m[k]` and `v, ok := x.(T)`, which
// crash yaegi in global scope.
func (r *rewriter) commaOK(s *ast.AssignStmt) []ast.Stmt {
	v, _ := s.Lhs[0].(*ast.Ident)
	ok, _ := s.Lhs[1].(*ast.Ident)
	if v == nil || ok == nil {
		return nil
	}
	rhs := s.Rhs[0]
	okFunc := func() ast.Stmt {
		// ok := func() bool { _, ok := <rhs>; return ok }()
		return &ast.AssignStmt{Lhs: []ast.Expr{ident(ok.Name)}, Tok: token.DEFINE, Rhs: []ast.Expr{call(&ast.FuncLit{
			Type: &ast.FuncType{Params: &ast.FieldList{}, Results: &ast.FieldList{List: []*ast.Field{{Type: ident("bool")}}}},
			Body: &ast.BlockStmt{List: []ast.Stmt{
				&ast.AssignStmt{Lhs: []ast.Expr{ident("_"), ident("__gkok")}, Tok: token.DEFINE, Rhs: []ast.Expr{rhs}},
				&ast.ReturnStmt{Results: []ast.Expr{ident("__gkok")}},
			}},
		})}}
	}
	var out []ast.Stmt
	switch x := rhs.(type) {
	case *ast.IndexExpr:
		if v.Name != "_" {
			out = append(out, &ast.AssignStmt{Lhs: []ast.Expr{ident(v.Name)}, Tok: token.DEFINE, Rhs: []ast.Expr{rhs}})
		}
		if ok.Name != "_" {
			out = append(out, okFunc())
		}
		return out
	case *ast.TypeAssertExpr:
		if x.Type == nil {
			return nil
		}
		okName := ok.Name
		if okName == "_" {
			okName = "__gkok" + strconv.Itoa(r.tmp)
			r.tmp++
			ok = ident(okName)
		}
		out = append(out, okFunc())
		if v.Name != "_" {
			out = append(out,
				&ast.DeclStmt{Decl: &ast.GenDecl{Tok: token.VAR, Specs: []ast.Spec{&ast.ValueSpec{Names: []*ast.Ident{ident(v.Name)}, Type: x.Type}}}},
				iife(&ast.IfStmt{Cond: ident(okName), Body: &ast.BlockStmt{List: []ast.Stmt{
					&ast.AssignStmt{Lhs: []ast.Expr{ident(v.Name)}, Tok: token.ASSIGN, Rhs: []ast.Expr{rhs}},
				}}}))
		}
		return out
	}
	return nil
}

// expr rewrites function literals and builtin calls inside an expression.
func (r *rewriter) expr(e ast.Expr) {
	if e == nil {
		return
	}
	ast.Inspect(e, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			saved := r.atTop
			r.atTop = false
			r.funcType(n.Type)
			name := "func literal"
			if r.fn != "" {
				name += " in " + r.fn
			}
			r.funcBody(n.Body, name)
			r.atTop = saved
			return false
		case *ast.CallExpr:
			if id, ok := n.Fun.(*ast.Ident); ok && id.Name == "main" && r.cellMain {
				id.Name = entryMain
			}
			r.builtin(n)
			for i, a := range n.Args {
				if c := r.knownRecv(a); c != nil && !r.atTop {
					n.Args[i] = call(ident("__gkrecv"), c)
				}
			}
		}
		return true
	})
}

// knownRecv returns ch if e is `<-ch` on a variable known to be a
// bidirectional channel: such receives become the interruptible __gkrecv.
func (r *rewriter) knownRecv(e ast.Expr) ast.Expr {
	u, ok := e.(*ast.UnaryExpr)
	if !ok || u.Op != token.ARROW {
		return nil
	}
	if id, ok := u.X.(*ast.Ident); ok && r.chans[id.Name] {
		return id
	}
	return nil
}

// funcType records integer parameters (for range-over-int).
func (r *rewriter) funcType(t *ast.FuncType) {
	if t == nil || t.Params == nil {
		return
	}
	for _, f := range t.Params.List {
		if id, ok := f.Type.(*ast.Ident); ok && isIntTypeName(id.Name) {
			for _, n := range f.Names {
				r.ints[n.Name] = true
			}
		}
		if ct, ok := f.Type.(*ast.ChanType); ok && ct.Dir == ast.SEND|ast.RECV {
			for _, n := range f.Names {
				r.chans[n.Name] = true
			}
		}
	}
}

func (r *rewriter) builtin(c *ast.CallExpr) {
	if f := r.slicesCall(c.Fun); f != nil {
		c.Fun = f
		typeConstArgs(c.Args)
		return
	}
	id, ok := c.Fun.(*ast.Ident)
	if ok && id.Name == "recover" && len(c.Args) == 0 && !r.noRecover && !r.recovers[c] {
		// recover() still runs in the deferred function; its value goes
		// through __gk.Recovered (runtime.go).
		inner := &ast.CallExpr{Fun: &ast.Ident{Name: "recover", NamePos: id.NamePos}, Lparen: c.Lparen, Rparen: c.Rparen}
		if r.recovers == nil {
			r.recovers = map[*ast.CallExpr]bool{}
		}
		r.recovers[inner] = true
		c.Fun, c.Args = rtSel("Recovered"), []ast.Expr{inner}
		return
	}
	if !ok || r.noMin || len(c.Args) == 0 {
		return
	}
	switch id.Name {
	case "clear":
		c.Fun = rtSel("Clear")
	case "min", "max":
		// Literals take the type of a typed operand, which yaegi's generic
		// inference cannot do for untyped constants: order typed args first.
		var typed, lits []ast.Expr
		for _, a := range c.Args {
			if isConstLit(a) {
				lits = append(lits, a)
			} else {
				typed = append(typed, a)
			}
		}
		if len(typed) == 0 {
			// A constant expression, which yaegi cannot fold: fold it here
			// into a conversion to the constant's default type (a call
			// expression cannot become a literal in place).
			if typ, lit := foldMinMax(id.Name, lits); lit != nil {
				setPos(lit, c.Pos(), true)
				c.Fun, c.Args = &ast.Ident{Name: typ, NamePos: id.NamePos}, []ast.Expr{lit}
			}
			return
		}
		args := append(typed, lits...)
		fn := "__gk" + id.Name
		acc := args[0]
		if len(args) == 1 {
			acc = call(ident(fn), args[0], args[0])
		}
		for _, a := range args[1:] {
			acc = call(ident(fn), acc, a)
		}
		ac := acc.(*ast.CallExpr)
		c.Fun, c.Args = ac.Fun, ac.Args
	}
}

// foldMinMax evaluates min or max of literal constants and returns the
// result with its default type; the result is a float if any operand is
// one, as for Go's untyped constants. lit is nil when an operand is not a
// number or string literal.
func foldMinMax(fn string, args []ast.Expr) (typ string, lit ast.Expr) {
	var best constant.Value
	isFloat := false
	for _, a := range args {
		v := constValue(a)
		if v == nil {
			return "", nil
		}
		if v.Kind() == constant.Float {
			isFloat = true
		}
		if best == nil {
			best = v
			continue
		}
		if (v.Kind() == constant.String) != (best.Kind() == constant.String) {
			return "", nil
		}
		if (fn == "min" && constant.Compare(v, token.LSS, best)) || (fn == "max" && constant.Compare(v, token.GTR, best)) {
			best = v
		}
	}
	switch {
	case best.Kind() == constant.String:
		return "string", &ast.BasicLit{Kind: token.STRING, Value: strconv.Quote(constant.StringVal(best))}
	case isFloat:
		f, _ := constant.Float64Val(constant.ToFloat(best))
		return "float64", &ast.BasicLit{Kind: token.FLOAT, Value: strconv.FormatFloat(f, 'e', -1, 64)}
	}
	return "int", &ast.BasicLit{Kind: token.INT, Value: best.ExactString()}
}

// constValue is the value of a literal, possibly negated and parenthesised.
func constValue(e ast.Expr) constant.Value {
	switch e := e.(type) {
	case *ast.BasicLit:
		switch e.Kind {
		case token.INT, token.FLOAT, token.STRING:
			v := constant.MakeFromLiteral(e.Value, e.Kind, 0)
			if v.Kind() == constant.Unknown {
				return nil
			}
			return v
		}
	case *ast.ParenExpr:
		return constValue(e.X)
	case *ast.UnaryExpr:
		v := constValue(e.X)
		if v == nil || v.Kind() == constant.String || (e.Op != token.SUB && e.Op != token.ADD) {
			return nil
		}
		return constant.UnaryOp(e.Op, v, 0)
	}
	return nil
}

func isConstLit(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.BasicLit:
		return true
	case *ast.UnaryExpr:
		return isConstLit(e.X)
	case *ast.ParenExpr:
		return isConstLit(e.X)
	}
	return false
}

func isIntTypeName(n string) bool {
	switch n {
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "uintptr", "byte", "rune":
		return true
	}
	return false
}

func (r *rewriter) noteInts(s *ast.AssignStmt) {
	if len(s.Lhs) != len(s.Rhs) {
		return
	}
	for i, l := range s.Lhs {
		id, ok := l.(*ast.Ident)
		if !ok {
			continue
		}
		if r.isInt(s.Rhs[i]) {
			r.ints[id.Name] = true
		}
		if c, ok := s.Rhs[i].(*ast.CallExpr); ok && len(c.Args) > 0 {
			if fn, ok := c.Fun.(*ast.Ident); ok && fn.Name == "make" {
				if _, ok := c.Args[0].(*ast.ChanType); ok {
					r.chans[id.Name] = true
				}
			}
		}
	}
}

// rangeChan makes `for v := range ch { body }` interruptible:
//
//	L: for { select { case v, ok := <-ch: if !ok { break L }; body; case <-interrupt: raise } }
//
// with body's own unlabeled breaks retargeted to L.
func (r *rewriter) rangeChan(s *ast.RangeStmt, label *ast.Ident) ast.Stmt {
	r.block(s.Body)
	lbl := label
	if lbl == nil {
		lbl = ident("__gkL" + strconv.Itoa(r.tmp))
		r.tmp++
	}
	var key ast.Expr = ident("_")
	if s.Key != nil {
		key = s.Key
	}
	retargetBreaks(s.Body.List, lbl.Name)
	body := append([]ast.Stmt{&ast.IfStmt{
		Cond: &ast.UnaryExpr{Op: token.NOT, X: ident("__gkok")},
		Body: &ast.BlockStmt{List: []ast.Stmt{&ast.BranchStmt{Tok: token.BREAK, Label: ident(lbl.Name)}}},
	}}, s.Body.List...)
	loop := &ast.ForStmt{Body: &ast.BlockStmt{List: []ast.Stmt{&ast.SelectStmt{Body: &ast.BlockStmt{List: []ast.Stmt{
		&ast.CommClause{
			Comm: &ast.AssignStmt{Lhs: []ast.Expr{key, ident("__gkok")}, Tok: token.DEFINE, Rhs: []ast.Expr{&ast.UnaryExpr{Op: token.ARROW, X: s.X}}},
			Body: body,
		},
		interruptClause(),
	}}}}}}
	if label != nil {
		return loop
	}
	return &ast.LabeledStmt{Label: lbl, Stmt: loop}
}

// retargetBreaks points unlabeled breaks that would leave the loop body at label.
func retargetBreaks(list []ast.Stmt, label string) {
	for _, st := range list {
		retargetBreak(st, label)
	}
}

func retargetBreak(st ast.Stmt, label string) {
	switch st := st.(type) {
	case *ast.BranchStmt:
		if st.Tok == token.BREAK && st.Label == nil {
			st.Label = ident(label)
		}
	case *ast.BlockStmt:
		retargetBreaks(st.List, label)
	case *ast.IfStmt:
		retargetBreak(st.Body, label)
		if st.Else != nil {
			retargetBreak(st.Else, label)
		}
	case *ast.LabeledStmt:
		retargetBreak(st.Stmt, label)
	}
	// for, range, switch and select have breaks of their own.
}

// isInt reports whether e certainly has an integer type (syntactically, or
// because it names a known integer variable).
func (r *rewriter) isInt(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.BasicLit:
		return e.Kind == token.INT
	case *ast.ParenExpr:
		return r.isInt(e.X)
	case *ast.Ident:
		return r.ints[e.Name]
	case *ast.CallExpr:
		if id, ok := e.Fun.(*ast.Ident); ok {
			return id.Name == "len" || id.Name == "cap" || isIntTypeName(id.Name)
		}
	case *ast.BinaryExpr:
		switch e.Op {
		case token.ADD, token.SUB, token.MUL, token.QUO, token.REM, token.SHL, token.SHR, token.AND, token.OR, token.XOR:
			return r.isInt(e.X) || r.isInt(e.Y)
		}
	case *ast.UnaryExpr:
		return e.Op == token.SUB && r.isInt(e.X)
	}
	return false
}

// captures reports whether a loop body contains a closure or takes an
// address. A literal called where it is written (as a wrapped panic is)
// ends within the iteration: only what it contains counts.
func captures(b *ast.BlockStmt) bool {
	found := false
	var visit func(n ast.Node) bool
	visit = func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			if fl, ok := n.Fun.(*ast.FuncLit); ok {
				ast.Inspect(fl.Body, visit)
				for _, a := range n.Args {
					ast.Inspect(a, visit)
				}
				return false
			}
		case *ast.FuncLit:
			found = true
		case *ast.UnaryExpr:
			if n.Op == token.AND {
				found = true
			}
		case *ast.GoStmt, *ast.DeferStmt:
			found = true
		}
		return !found
	}
	ast.Inspect(b, visit)
	return found
}

// assigns reports whether body assigns to name.
func assigns(b *ast.BlockStmt, name string) bool {
	found := false
	ast.Inspect(b, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			if n.Tok != token.DEFINE {
				for _, l := range n.Lhs {
					if id, ok := l.(*ast.Ident); ok && id.Name == name {
						found = true
					}
				}
			}
		case *ast.IncDecStmt:
			if id, ok := n.X.(*ast.Ident); ok && id.Name == name {
				found = true
			}
		}
		return !found
	})
	return found
}

func cloneIdents(l []ast.Expr) []ast.Expr {
	out := make([]ast.Expr, len(l))
	for i, e := range l {
		out[i] = ident(e.(*ast.Ident).Name)
	}
	return out
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}
