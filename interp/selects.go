package interp

import (
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"reflect"
	"strconv"
	"strings"

	"github.com/gokernel/gokernel/mlstd/host"
)

// Channel operations without yaegi's select.
//
// yaegi v0.16.1 keeps one []reflect.SelectCase per select statement and
// fills it at each execution: goroutines running the same select at once
// overwrite each other's channels and values, so one could receive from
// another's channel (46 of 400,000 values in a test of 8 goroutines) or
// send on it. The engine made every blocking channel operation of a cell a
// select (to add the interrupt), and user code runs selects in goroutines.
//
// So a select, a blocking receive or send, and a range over a channel run
// through cellSelect, a compiled function with its cases on its own stack:
// the rewriter evaluates the channels and sent values in Go's order into
// temporaries of the statement's own execution, passes them with pointers
// to typed result variables, and dispatches on the chosen case with a
// switch. The variables need the channel's element type written in the
// cell, which the type check provides (chanElems, keyed by position like
// rangeFuncs); where it cannot (a cell it skips, a type the cell cannot
// name), the statement keeps yaegi's select, raced as before.

// chanElems maps the cell position (line, column) of a receive's `<-`, a
// send's arrow and a range-over-channel's `for` to the channel's element
// type as the cell writes it.
type chanElems map[[2]int]string

// exprInfo returns the types.Info in which to record the operands of the
// range statements, channel operations and comma-ok assertions (asserts.go)
// of file, and the objects of its
// identifiers when it declares a type alias inside a function
// (aliases.go), or nil if it needs neither.
func exprInfo(file *ast.File) *types.Info {
	var operands, idents bool
	ast.Inspect(file, func(x ast.Node) bool {
		switch x := x.(type) {
		case *ast.RangeStmt, *ast.SendStmt:
			operands = true
		case *ast.UnaryExpr:
			if x.Op == token.ARROW {
				operands = true
			}
		case *ast.DeclStmt:
			idents = idents || needsIdents(x)
		case *ast.AssignStmt, *ast.ValueSpec:
			operands = operands || commaOKAssert(x) != nil
		}
		return !operands || !idents
	})
	if !operands && !idents {
		return nil
	}
	info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}}
	if idents {
		info.Defs, info.Uses = map[*ast.Ident]types.Object{}, map[*ast.Ident]types.Object{}
	}
	return info
}

// chanElemsOf returns the element types of the channels that the
// receives, sends and ranges of the checked file operate on.
func chanElemsOf(fset *token.FileSet, file *ast.File, info *types.Info, qual types.Qualifier) chanElems {
	if info == nil {
		return nil
	}
	var ce chanElems
	note := func(pos token.Pos, ch ast.Expr) {
		tv, ok := info.Types[ch]
		if !ok || tv.Type == nil {
			return
		}
		c, ok := tv.Type.Underlying().(*types.Chan)
		if !ok {
			return
		}
		t := external(types.TypeString(c.Elem(), qual))
		if !writable(t) {
			return
		}
		if ce == nil {
			ce = chanElems{}
		}
		p := fset.Position(pos)
		ce[[2]int{p.Line, p.Column}] = t
	}
	ast.Inspect(file, func(x ast.Node) bool {
		switch x := x.(type) {
		case *ast.UnaryExpr:
			if x.Op == token.ARROW {
				note(x.OpPos, x.X)
			}
		case *ast.SendStmt:
			note(x.Arrow, x.Chan)
		case *ast.RangeStmt:
			note(x.For, x.X)
		}
		return true
	})
	return ce
}

// writable reports whether type t, as go/types writes it, can be written
// in a cell: it parses, names no unexported member of a package and no
// instance of a generic type.
func writable(t string) bool {
	e, err := parser.ParseExpr(t)
	if err != nil {
		return false
	}
	ok := true
	ast.Inspect(e, func(x ast.Node) bool {
		switch x := x.(type) {
		case *ast.SelectorExpr:
			if !x.Sel.IsExported() {
				ok = false
			}
		case *ast.IndexExpr, *ast.IndexListExpr:
			ok = false // an instantiated generic type: yaegi's are unreliable as declared types
		case *ast.StructType, *ast.InterfaceType:
			// Field and method names may be unexported: go/types writes
			// them unqualified, as a cell would.
		}
		return ok
	})
	return ok && !strings.Contains(t, "invalid type")
}

// elem is the element type of the channel operation at pos, if the check
// found it.
func (r *rewriter) elem(pos token.Pos) (ast.Expr, bool) {
	if r.elems == nil || r.fset == nil || !pos.IsValid() {
		return nil, false
	}
	p := r.fset.Position(pos)
	t, ok := r.elems[[2]int{p.Line, p.Column}]
	if !ok {
		return nil, false
	}
	e, err := parser.ParseExpr(t)
	if err != nil {
		return nil, false
	}
	// At the operation's position: yaegi finds a package name (tensor in
	// *tensor.Tensor) among the imports of the file a node's position is in.
	setPos(e, pos, true)
	return e, true
}

// tmpName returns a fresh temporary name with prefix.
func (r *rewriter) tmpName(prefix string) string {
	r.tmp++
	return prefix + strconv.Itoa(r.tmp)
}

func varDecl(name string, typ, value ast.Expr) ast.Stmt {
	vs := &ast.ValueSpec{Names: []*ast.Ident{ident(name)}, Type: typ}
	if value != nil {
		vs.Values = []ast.Expr{value}
	}
	return &ast.DeclStmt{Decl: &ast.GenDecl{Tok: token.VAR, Specs: []ast.Spec{vs}}}
}

func addr(name string) ast.Expr { return &ast.UnaryExpr{Op: token.AND, X: ident(name)} }

// rtCall is __gk.name(args...) at pos (yaegi resolves the package name in
// the file of the node's position: a chunk without any, such as `select
// {}`, would not see it).
func rtCall(pos token.Pos, name string, args ...ast.Expr) *ast.CallExpr {
	return call(&ast.SelectorExpr{X: &ast.Ident{Name: rtName, NamePos: pos}, Sel: ident(name)}, args...)
}

// selectCall is __gk.Select(sends, hasDefault, ch0, p0, ch1, p1, ...).
func selectCall(pos token.Pos, sends uint64, hasDefault bool, pairs ...ast.Expr) *ast.CallExpr {
	def := "false"
	if hasDefault {
		def = "true"
	}
	return rtCall(pos, "Select", append([]ast.Expr{&ast.BasicLit{Kind: token.INT, Value: strconv.FormatUint(sends, 10)}, ident(def)}, pairs...)...)
}

// recvStmts receives from ch (the receive expression u) into the
// variables of lhs with tok (`v = <-ch`, `v, ok := <-ch`; no lhs: the
// value is dropped): a declaration of a typed result, the call, and the
// assignment. It returns nil when the element type is unknown.
func (r *rewriter) recvStmts(u *ast.UnaryExpr, lhs []ast.Expr, tok token.Token) []ast.Stmt {
	if len(lhs) == 0 {
		return []ast.Stmt{&ast.ExprStmt{X: rtCall(u.OpPos, "Recv", u.X, ident("nil"))}}
	}
	t, ok := r.elem(u.OpPos)
	if !ok {
		return nil
	}
	v, okName := r.tmpName("__gkr"), r.tmpName("__gkok")
	out := []ast.Stmt{
		varDecl(v, t, nil),
		&ast.AssignStmt{Lhs: []ast.Expr{ident(okName)}, Tok: token.DEFINE, Rhs: []ast.Expr{rtCall(u.OpPos, "Recv", u.X, addr(v))}},
	}
	rhs := []ast.Expr{ident(v), ident(okName)}[:len(lhs)]
	return append(out, &ast.AssignStmt{Lhs: lhs, Tok: tok, Rhs: rhs})
}

// sendStmts sends s's value on s's channel, or returns nil when the
// element type is unknown.
func (r *rewriter) sendStmts(s *ast.SendStmt) []ast.Stmt {
	t, ok := r.elem(s.Arrow)
	if !ok {
		return nil
	}
	c, v := r.tmpName("__gkc"), r.tmpName("__gks")
	return []ast.Stmt{
		&ast.AssignStmt{Lhs: []ast.Expr{ident(c)}, Tok: token.DEFINE, Rhs: []ast.Expr{s.Chan}},
		varDecl(v, t, s.Value),
		&ast.ExprStmt{X: rtCall(s.Arrow, "Send", ident(c), addr(v))},
	}
}

// rangeChanTyped rewrites `for k := range ch` (k optional) as a loop of
// receives through cellSelect, the channel evaluated once:
//
//	L: for c := ch; ; { var r T; ok := __gk.Recv(c, &r); if !ok { break L }; k := r; body }
//
// It returns nil when the element type is unknown.
func (r *rewriter) rangeChanTyped(s *ast.RangeStmt, label *ast.Ident) ast.Stmt {
	t, ok := r.elem(s.For)
	if !ok || s.Value != nil {
		return nil
	}
	r.block(s.Body)
	lbl := label
	if lbl == nil {
		lbl = ident(r.tmpName("__gkL"))
	}
	retargetBreaks(s.Body.List, lbl.Name)
	c, v, okName := r.tmpName("__gkc"), r.tmpName("__gkr"), r.tmpName("__gkok")
	var p ast.Expr = ident("nil")
	head := []ast.Stmt{}
	if s.Key != nil && !isIdent(s.Key, "_") {
		p = addr(v)
		head = append(head, varDecl(v, t, nil))
	}
	head = append(head,
		&ast.AssignStmt{Lhs: []ast.Expr{ident(okName)}, Tok: token.DEFINE, Rhs: []ast.Expr{rtCall(s.For, "Recv", ident(c), p)}},
		&ast.IfStmt{Cond: &ast.UnaryExpr{Op: token.NOT, X: ident(okName)}, Body: &ast.BlockStmt{List: []ast.Stmt{&ast.BranchStmt{Tok: token.BREAK, Label: ident(lbl.Name)}}}},
	)
	if s.Key != nil && !isIdent(s.Key, "_") {
		head = append(head, &ast.AssignStmt{Lhs: []ast.Expr{s.Key}, Tok: s.Tok, Rhs: []ast.Expr{ident(v)}})
	}
	loop := &ast.ForStmt{
		For:  s.For,
		Init: &ast.AssignStmt{Lhs: []ast.Expr{ident(c)}, Tok: token.DEFINE, Rhs: []ast.Expr{s.X}},
		Body: &ast.BlockStmt{List: append(head, s.Body.List...)},
	}
	if label != nil {
		return loop
	}
	return &ast.LabeledStmt{Label: lbl, Stmt: loop}
}

// selectTyped rewrites a select statement (its clauses' bodies already
// rewritten) as one call of cellSelect and a switch on the chosen case,
// the label, if any, on the switch:
//
//	{ c0 := ch0; var s1 T1 = v1; c1 := ch1; var r0 T0
//	  i, ok := __gk.Select(sends, hasDefault, c0, &r0, c1, &s1)
//	  L: switch i { case 0: v, ok := r0, ok; body0; case 1: body1; default: body }
//	}
//
// It returns nil when an element type is unknown or the select has more
// than 64 cases.
func (r *rewriter) selectTyped(s *ast.SelectStmt, label *ast.Ident) ast.Stmt {
	if len(s.Body.List) > 64 {
		return nil
	}
	var (
		pre     []ast.Stmt // channels and sent values, in source order
		results []ast.Stmt // the receive results' declarations
		pairs   []ast.Expr
		clauses []ast.Stmt
		sends   uint64
		hasDef  bool
	)
	chosen, okName := r.tmpName("__gki"), r.tmpName("__gkok")
	k := 0
	for _, st := range s.Body.List {
		cc := st.(*ast.CommClause)
		if cc.Comm == nil {
			hasDef = true
			clauses = append(clauses, &ast.CaseClause{Body: cc.Body})
			continue
		}
		c := r.tmpName("__gkc")
		var body []ast.Stmt
		switch comm := cc.Comm.(type) {
		case *ast.SendStmt:
			t, ok := r.elem(comm.Arrow)
			if !ok {
				return nil
			}
			r.expr(comm.Chan)
			r.expr(comm.Value)
			v := r.tmpName("__gks")
			pre = append(pre, &ast.AssignStmt{Lhs: []ast.Expr{ident(c)}, Tok: token.DEFINE, Rhs: []ast.Expr{comm.Chan}}, varDecl(v, t, comm.Value))
			pairs = append(pairs, ident(c), addr(v))
			sends |= 1 << k
		default:
			var u *ast.UnaryExpr
			var lhs []ast.Expr
			tok := token.ILLEGAL
			switch comm := comm.(type) {
			case *ast.ExprStmt:
				u, _ = comm.X.(*ast.UnaryExpr)
			case *ast.AssignStmt:
				if len(comm.Rhs) == 1 {
					u, _ = comm.Rhs[0].(*ast.UnaryExpr)
				}
				lhs, tok = comm.Lhs, comm.Tok
			}
			if u == nil || u.Op != token.ARROW {
				return nil
			}
			r.expr(u.X)
			pre = append(pre, &ast.AssignStmt{Lhs: []ast.Expr{ident(c)}, Tok: token.DEFINE, Rhs: []ast.Expr{u.X}})
			if len(lhs) == 0 {
				pairs = append(pairs, ident(c), ident("nil"))
				break
			}
			t, ok := r.elem(u.OpPos)
			if !ok {
				return nil
			}
			v := r.tmpName("__gkr")
			results = append(results, varDecl(v, t, nil))
			pairs = append(pairs, ident(c), addr(v))
			rhs := []ast.Expr{ident(v), ident(okName)}[:len(lhs)]
			body = append(body, &ast.AssignStmt{Lhs: lhs, Tok: tok, Rhs: rhs})
		}
		clauses = append(clauses, &ast.CaseClause{
			List: []ast.Expr{&ast.BasicLit{Kind: token.INT, Value: strconv.Itoa(k)}},
			Body: append(body, cc.Body...),
		})
		k++
	}
	sw := &ast.SwitchStmt{Tag: ident(chosen), Body: &ast.BlockStmt{List: clauses}}
	var swStmt ast.Stmt = sw
	if label != nil {
		swStmt = &ast.LabeledStmt{Label: label, Stmt: sw}
	}
	list := append(pre, results...)
	list = append(list,
		&ast.AssignStmt{Lhs: []ast.Expr{ident(chosen), ident(okName)}, Tok: token.DEFINE, Rhs: []ast.Expr{selectCall(s.Select, sends, hasDef, pairs...)}},
		// (ok is read only by receives that ask for it)
		&ast.AssignStmt{Lhs: []ast.Expr{ident("_")}, Tok: token.ASSIGN, Rhs: []ast.Expr{ident(okName)}},
		swStmt,
	)
	return &ast.BlockStmt{List: list}
}

// sendValue is the value *p to send on channel c, converted to c's
// element type where it is not assignable (an untyped constant the cell
// gave another default type).
func sendValue(c reflect.Value, p any) reflect.Value {
	v := reflect.ValueOf(p).Elem()
	if c.IsValid() {
		if et := c.Type().Elem(); v.Type() != et && !v.Type().AssignableTo(et) && v.Type().ConvertibleTo(et) {
			v = v.Convert(et)
		}
	}
	return v
}

// received stores a received value v (ok: from a send; else the channel
// is closed) into *p, unless p is nil.
func received(p any, v reflect.Value, ok bool) {
	if p == nil {
		return
	}
	d := reflect.ValueOf(p).Elem()
	if ok {
		d.Set(v)
	} else {
		d.SetZero()
	}
}

// cellRecv is __gk.Recv, a receive statement: cellSelect with one
// receive, tried without blocking first (no select to build when a value
// is waiting).
func cellRecv(done func() <-chan struct{}) func(c, p any) bool {
	return func(c, p any) bool {
		cv := reflect.ValueOf(c)
		var v reflect.Value
		var ok bool
		if cv.IsValid() {
			v, ok = cv.TryRecv()
		}
		if !v.IsValid() { // it would block (or the channel is nil)
			cases := [2]reflect.SelectCase{{Dir: reflect.SelectRecv, Chan: cv}, {Dir: reflect.SelectRecv, Chan: reflect.ValueOf(done())}}
			var i int
			if i, v, ok = reflect.Select(cases[:]); i == 1 {
				panic(host.ErrInterrupted)
			}
		}
		received(p, v, ok)
		return ok
	}
}

// cellSend is __gk.Send, a send statement: the value *p on c, tried
// without blocking first.
func cellSend(done func() <-chan struct{}) func(c, p any) {
	return func(c, p any) {
		cv := reflect.ValueOf(c)
		v := sendValue(cv, p)
		if cv.IsValid() && cv.TrySend(v) {
			return
		}
		cases := [2]reflect.SelectCase{{Dir: reflect.SelectSend, Chan: cv, Send: v}, {Dir: reflect.SelectRecv, Chan: reflect.ValueOf(done())}}
		if i, _, _ := reflect.Select(cases[:]); i == 1 {
			panic(host.ErrInterrupted)
		}
	}
}

// cellSelect is __gk.Select: a select statement of a cell, with its cases
// on this call's stack. pairs holds, for case i, the channel and a pointer:
// for a send (bit i of sends) to the value to send, for a receive to the
// variable that takes the value (nil: dropped). It returns the case chosen
// (-1: default) and, for a receive, whether the value came from a send. A
// select without default also waits for done, the session's interrupt,
// and then panics with host.ErrInterrupted.
func cellSelect(done func() <-chan struct{}) func(sends uint64, hasDefault bool, pairs ...any) (int, bool) {
	return func(sends uint64, hasDefault bool, pairs ...any) (int, bool) {
		n := len(pairs) / 2
		cases := make([]reflect.SelectCase, n+1)
		for i := range n {
			c := reflect.ValueOf(pairs[2*i]) // a nil channel: the zero Value, a case never chosen
			cases[i] = reflect.SelectCase{Dir: reflect.SelectRecv, Chan: c}
			if sends&(1<<i) == 0 {
				continue
			}
			cases[i].Dir, cases[i].Send = reflect.SelectSend, sendValue(c, pairs[2*i+1])
		}
		if hasDefault {
			cases[n] = reflect.SelectCase{Dir: reflect.SelectDefault}
		} else {
			cases[n] = reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(done())}
		}
		i, v, ok := reflect.Select(cases)
		if i == n {
			if hasDefault {
				return -1, false
			}
			panic(host.ErrInterrupted)
		}
		if sends&(1<<i) == 0 {
			received(pairs[2*i+1], v, ok)
		}
		return i, ok
	}
}
