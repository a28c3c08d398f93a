package interp

import (
	"cmp"
	"fmt"
	"go/ast"
	"go/token"
	"iter"
	"reflect"
	"slices"
	"sort"
	"strings"
)

// The generic functions of slices, maps, iter and cmp have no compiled
// symbols (a generic function has no reflect.Value). The rewriter turns
// their calls into the compiled helpers below, which take the slice as any
// (sorting, searching: compiled speed on any element type), or into
// interpreted generic wrappers in slicesHelperSource where the result must
// keep the element type or is an iterator. Iterators are the function
// types iter.Seq and iter.Seq2 stand for (rangefunc.go).

// slicesCalls maps the generic members of slices, maps, iter and cmp to
// their replacement: a runtime helper ("rt:X", __gk.X) or, for those not
// listed, the interpreted generic wrapper __gk<pkg><Name>.
var slicesCalls = map[string]map[string]string{
	"slices": {
		"Sort": "rt:SlicesSort", "SortFunc": "rt:SlicesSortFunc", "SortStableFunc": "rt:SlicesSortFunc",
		"Reverse": "rt:SlicesReverse", "Contains": "rt:SlicesContains", "Index": "rt:SlicesIndex",
		"ContainsFunc": "rt:SlicesContainsFunc", "IndexFunc": "rt:SlicesIndexFunc", "Equal": "rt:SlicesEqual",
		"IsSorted": "rt:SlicesIsSorted",
		"All":      "", "AppendSeq": "", "Backward": "", "BinarySearch": "", "BinarySearchFunc": "", "Chunk": "",
		"Clip": "", "Clone": "", "Collect": "", "Compact": "", "CompactFunc": "", "Compare": "", "CompareFunc": "",
		"Concat": "", "Delete": "", "DeleteFunc": "", "EqualFunc": "", "Grow": "", "Insert": "", "IsSortedFunc": "",
		"Max": "", "MaxFunc": "", "Min": "", "MinFunc": "", "Repeat": "", "Replace": "", "Sorted": "",
		"SortedFunc": "", "SortedStableFunc": "", "Values": "",
	},
	"maps": {
		"All": "", "Clone": "", "Collect": "", "Copy": "", "DeleteFunc": "", "Equal": "", "EqualFunc": "",
		"Insert": "", "Keys": "", "Values": "",
	},
	"iter": {"Pull": "", "Pull2": ""},
	"cmp":  {"Compare": "", "Less": "", "Or": ""},
}

// slicesCall returns the replacement of the call target pkg.name, or nil.
func (r *rewriter) slicesCall(fun ast.Expr) ast.Expr {
	if ix, ok := fun.(*ast.IndexExpr); ok { // explicit instantiation: slices.Collect[int]
		if f := r.slicesCall(ix.X); f != nil {
			return &ast.IndexExpr{X: f, Index: ix.Index}
		}
		return nil
	}
	if ix, ok := fun.(*ast.IndexListExpr); ok {
		if f := r.slicesCall(ix.X); f != nil {
			return &ast.IndexListExpr{X: f, Indices: ix.Indices}
		}
		return nil
	}
	sel, ok := fun.(*ast.SelectorExpr)
	if !ok {
		return nil
	}
	pkg, ok := sel.X.(*ast.Ident)
	if !ok {
		return nil
	}
	if _, shadowed := r.globals[pkg.Name]; shadowed {
		return nil
	}
	to, ok := slicesCalls[pkg.Name][sel.Sel.Name]
	if !ok {
		return nil
	}
	if rt, isRT := strings.CutPrefix(to, "rt:"); isRT {
		return rtSel(rt)
	}
	return ident("__gk" + pkg.Name + sel.Sel.Name)
}

// typeConstArgs gives literal arguments their default type when all the
// arguments of a call are literals (cmp.Compare(1.5, 2)): yaegi cannot
// infer a type parameter from untyped constants alone.
func typeConstArgs(args []ast.Expr) {
	typ := ""
	for _, a := range args {
		lit, ok := ast.Unparen(a).(*ast.BasicLit)
		if u, neg := ast.Unparen(a).(*ast.UnaryExpr); neg && (u.Op == token.SUB || u.Op == token.ADD) {
			lit, ok = u.X.(*ast.BasicLit)
		}
		if !ok {
			return
		}
		t := map[token.Token]string{token.INT: "int", token.FLOAT: "float64", token.STRING: "string", token.CHAR: "rune", token.IMAG: "complex128"}[lit.Kind]
		switch {
		case typ == "" || typ == t:
			typ = t
		case typ == "int" && (t == "float64" || t == "complex128"), typ == "float64" && t == "complex128", typ == "rune" && t != "int":
			typ = t
		case typ == "float64" && t == "int", typ == "complex128" && (t == "int" || t == "float64"):
		default:
			return // mixed: let yaegi say what is wrong
		}
	}
	for i, a := range args {
		args[i] = &ast.CallExpr{Fun: &ast.Ident{NamePos: a.Pos(), Name: typ}, Lparen: a.Pos(), Args: []ast.Expr{a}, Rparen: a.End()}
	}
}

// loadWrappers compiles slicesHelperSource before node, about to be
// compiled, if node is the first to use one of its wrappers: their ~50
// generic functions cost yaegi ~1 MiB and a few milliseconds, which a
// session that never calls them does not pay (start-up figures in README).
// The wrappers stay, like a cell's declarations.
func (s *Session) loadWrappers(node any) error {
	n, ok := node.(ast.Node)
	if s.wrappers || !ok {
		return nil
	}
	uses := false
	ast.Inspect(n, func(x ast.Node) bool {
		if id, ok := x.(*ast.Ident); ok && strings.HasPrefix(id.Name, "__gk") {
			for pkg := range slicesCalls {
				if strings.HasPrefix(id.Name, "__gk"+pkg) {
					uses = true
				}
			}
		}
		return !uses
	})
	if !uses {
		return nil
	}
	if _, err := s.yi.Eval(slicesHelperSource); err != nil {
		return fmt.Errorf("compiling the slices, maps, iter and cmp wrappers: %v", err)
	}
	s.wrappers = true
	s.rel.freeze(s.yi)
	return nil
}

// slicesHelperSource are the interpreted wrappers. Slices are []E rather
// than Go's S ~[]E: a named slice type comes back as its unnamed []E.
const slicesHelperSource = `package main

func __gkzero[E any](s []E) {
	var zero E
	for i := range s {
		s[i] = zero
	}
}

func __gkslicesAll[E any](s []E) func(func(int, E) bool) {
	return func(yield func(int, E) bool) {
		for i, v := range s {
			if !yield(i, v) {
				return
			}
		}
	}
}

func __gkslicesValues[E any](s []E) func(func(E) bool) {
	return func(yield func(E) bool) {
		for _, v := range s {
			if !yield(v) {
				return
			}
		}
	}
}

func __gkslicesBackward[E any](s []E) func(func(int, E) bool) {
	return func(yield func(int, E) bool) {
		for i := len(s) - 1; i >= 0; i-- {
			if !yield(i, s[i]) {
				return
			}
		}
	}
}

func __gkslicesAppendSeq[E any](s []E, seq func(func(E) bool)) []E {
	seq(func(v E) bool {
		s = append(s, v)
		return true
	})
	return s
}

func __gkslicesCollect[E any](seq func(func(E) bool)) []E {
	var s []E
	seq(func(v E) bool {
		s = append(s, v)
		return true
	})
	return s
}

func __gkslicesSorted[E any](seq func(func(E) bool)) []E {
	s := __gkslicesCollect(seq)
	__gk.SlicesSort(s)
	return s
}

func __gkslicesSortedFunc[E any](seq func(func(E) bool), cmp func(E, E) int) []E {
	s := __gkslicesCollect(seq)
	__gk.SlicesSortFunc(s, cmp)
	return s
}

func __gkslicesSortedStableFunc[E any](seq func(func(E) bool), cmp func(E, E) int) []E {
	s := __gkslicesCollect(seq)
	__gk.SlicesSortFunc(s, cmp)
	return s
}

func __gkslicesChunk[E any](s []E, n int) func(func([]E) bool) {
	if n < 1 {
		panic("cannot be less than 1")
	}
	return func(yield func([]E) bool) {
		for i := 0; i < len(s); i += n {
			end := i + n
			if end > len(s) {
				end = len(s)
			}
			if !yield(s[i:end:end]) {
				return
			}
		}
	}
}

func __gkslicesBinarySearch[E any](x []E, target E) (int, bool) {
	i, j := 0, len(x)
	for i < j {
		h := int(uint(i+j) >> 1)
		if __gk.Compare(x[h], target) < 0 {
			i = h + 1
		} else {
			j = h
		}
	}
	return i, i < len(x) && __gk.Compare(x[i], target) == 0
}

func __gkslicesBinarySearchFunc[E, T any](x []E, target T, cmp func(E, T) int) (int, bool) {
	i, j := 0, len(x)
	for i < j {
		h := int(uint(i+j) >> 1)
		if cmp(x[h], target) < 0 {
			i = h + 1
		} else {
			j = h
		}
	}
	return i, i < len(x) && cmp(x[i], target) == 0
}

func __gkslicesClip[E any](s []E) []E { return s[:len(s):len(s)] }

func __gkslicesClone[E any](s []E) []E {
	if s == nil {
		return nil
	}
	return append([]E{}, s...)
}

func __gkslicesCompact[E comparable](s []E) []E {
	if len(s) < 2 {
		return s
	}
	k := 1
	for i := 1; i < len(s); i++ {
		if s[i] != s[k-1] {
			s[k] = s[i]
			k++
		}
	}
	__gkzero(s[k:])
	return s[:k]
}

func __gkslicesCompactFunc[E any](s []E, eq func(E, E) bool) []E {
	if len(s) < 2 {
		return s
	}
	k := 1
	for i := 1; i < len(s); i++ {
		if !eq(s[k-1], s[i]) {
			s[k] = s[i]
			k++
		}
	}
	__gkzero(s[k:])
	return s[:k]
}

func __gkslicesCompare[E any](s1, s2 []E) int {
	for i, v1 := range s1 {
		if i >= len(s2) {
			return +1
		}
		if c := __gk.Compare(v1, s2[i]); c != 0 {
			return c
		}
	}
	if len(s1) < len(s2) {
		return -1
	}
	return 0
}

func __gkslicesCompareFunc[E1, E2 any](s1 []E1, s2 []E2, cmp func(E1, E2) int) int {
	for i, v1 := range s1 {
		if i >= len(s2) {
			return +1
		}
		if c := cmp(v1, s2[i]); c != 0 {
			return c
		}
	}
	if len(s1) < len(s2) {
		return -1
	}
	return 0
}

func __gkslicesConcat[E any](s []E, ss ...[]E) []E {
	n := len(s)
	for _, x := range ss {
		n += len(x)
	}
	r := make([]E, 0, n)
	r = append(r, s...)
	for _, x := range ss {
		r = append(r, x...)
	}
	return r
}

func __gkslicesDelete[E any](s []E, i, j int) []E {
	_ = s[i:j:len(s)]
	if i == j {
		return s
	}
	oldlen := len(s)
	s = append(s[:i], s[j:]...)
	__gkzero(s[len(s):oldlen])
	return s
}

func __gkslicesDeleteFunc[E any](s []E, del func(E) bool) []E {
	k := 0
	for _, v := range s {
		if !del(v) {
			s[k] = v
			k++
		}
	}
	__gkzero(s[k:])
	return s[:k]
}

func __gkslicesEqualFunc[E1, E2 any](s1 []E1, s2 []E2, eq func(E1, E2) bool) bool {
	if len(s1) != len(s2) {
		return false
	}
	for i, v1 := range s1 {
		if !eq(v1, s2[i]) {
			return false
		}
	}
	return true
}

func __gkslicesGrow[E any](s []E, n int) []E {
	if n < 0 {
		panic("cannot be negative")
	}
	if n -= cap(s) - len(s); n > 0 {
		s = append(s[:cap(s)], make([]E, n)...)[:len(s)]
	}
	return s
}

func __gkslicesInsert[E any](s []E, i int, v ...E) []E {
	_ = s[i:]
	r := make([]E, 0, len(s)+len(v))
	r = append(r, s[:i]...)
	r = append(r, v...)
	return append(r, s[i:]...)
}

func __gkslicesIsSortedFunc[E any](x []E, cmp func(a, b E) int) bool {
	for i := len(x) - 1; i > 0; i-- {
		if cmp(x[i], x[i-1]) < 0 {
			return false
		}
	}
	return true
}

func __gkslicesMax[E any](x []E) E { return x[__gk.SlicesMaxIndex(x)] }

func __gkslicesMin[E any](x []E) E { return x[__gk.SlicesMinIndex(x)] }

func __gkslicesMaxFunc[E any](x []E, cmp func(a, b E) int) E {
	if len(x) < 1 {
		panic("slices.MaxFunc: empty list")
	}
	m := x[0]
	for i := 1; i < len(x); i++ {
		if cmp(x[i], m) > 0 {
			m = x[i]
		}
	}
	return m
}

func __gkslicesMinFunc[E any](x []E, cmp func(a, b E) int) E {
	if len(x) < 1 {
		panic("slices.MinFunc: empty list")
	}
	m := x[0]
	for i := 1; i < len(x); i++ {
		if cmp(x[i], m) < 0 {
			m = x[i]
		}
	}
	return m
}

func __gkslicesRepeat[E any](x []E, count int) []E {
	if count < 0 {
		panic("cannot be negative")
	}
	r := make([]E, 0, len(x)*count)
	for i := 0; i < count; i++ {
		r = append(r, x...)
	}
	return r
}

func __gkslicesReplace[E any](s []E, i, j int, v ...E) []E {
	_ = s[i:j]
	r := make([]E, 0, len(s)-(j-i)+len(v))
	r = append(r, s[:i]...)
	r = append(r, v...)
	return append(r, s[j:]...)
}

func __gkmapsAll[K comparable, V any](m map[K]V) func(func(K, V) bool) {
	return func(yield func(K, V) bool) {
		for k, v := range m {
			if !yield(k, v) {
				return
			}
		}
	}
}

func __gkmapsKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func __gkmapsValues[K comparable, V any](m map[K]V) func(func(V) bool) {
	return func(yield func(V) bool) {
		for _, v := range m {
			if !yield(v) {
				return
			}
		}
	}
}

func __gkmapsClone[K comparable, V any](m map[K]V) map[K]V {
	if m == nil {
		return nil
	}
	r := make(map[K]V, len(m))
	for k, v := range m {
		r[k] = v
	}
	return r
}

func __gkmapsCollect[K comparable, V any](seq func(func(K, V) bool)) map[K]V {
	m := map[K]V{}
	seq(func(k K, v V) bool {
		m[k] = v
		return true
	})
	return m
}

func __gkmapsInsert[K comparable, V any](m map[K]V, seq func(func(K, V) bool)) {
	seq(func(k K, v V) bool {
		m[k] = v
		return true
	})
}

func __gkmapsCopy[K comparable, V any](dst, src map[K]V) {
	for k, v := range src {
		dst[k] = v
	}
}

func __gkmapsDeleteFunc[K comparable, V any](m map[K]V, del func(K, V) bool) {
	for k, v := range m {
		if del(k, v) {
			delete(m, k)
		}
	}
}

func __gkmapsEqual[K, V comparable](m1, m2 map[K]V) bool {
	if len(m1) != len(m2) {
		return false
	}
	for k, v1 := range m1 {
		if v2, ok := m2[k]; !ok || v1 != v2 {
			return false
		}
	}
	return true
}

func __gkmapsEqualFunc[K comparable, V1, V2 any](m1 map[K]V1, m2 map[K]V2, eq func(V1, V2) bool) bool {
	if len(m1) != len(m2) {
		return false
	}
	for k, v1 := range m1 {
		if v2, ok := m2[k]; !ok || !eq(v1, v2) {
			return false
		}
	}
	return true
}

func __gkcmpCompare[T any](x, y T) int { return __gk.Compare(x, y) }

func __gkcmpLess[T any](x, y T) bool { return __gk.Compare(x, y) < 0 }

func __gkcmpOr[T comparable](v T, vals ...T) T {
	var zero T
	if v != zero {
		return v
	}
	for _, v := range vals {
		if v != zero {
			return v
		}
	}
	return zero
}

func __gkiterPull[V any](seq func(func(V) bool)) (func() (V, bool), func()) {
	next, stop := __gk.Pull(seq)
	return func() (V, bool) {
			var v V
			x, ok := next()
			if x != nil {
				v = x.(V)
			}
			return v, ok
		}, stop
}

func __gkiterPull2[K, V any](seq func(func(K, V) bool)) (func() (K, V, bool), func()) {
	next, stop := __gk.Pull2(seq)
	return func() (K, V, bool) {
			var k K
			var v V
			x, y, ok := next()
			if x != nil {
				k = x.(K)
			}
			if y != nil {
				v = y.(V)
			}
			return k, v, ok
		}, stop
}
`

func sliceValue(fn string, x any) reflect.Value {
	v := reflect.ValueOf(x)
	if v.Kind() != reflect.Slice {
		panic(fmt.Sprintf("slices.%s: argument of type %T is not a slice", fn, x))
	}
	return v
}

// compareValues is cmp.Compare for values of one ordered kind.
func compareValues(fn string, a, b reflect.Value) int {
	switch a.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return cmp.Compare(a.Int(), b.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return cmp.Compare(a.Uint(), b.Uint())
	case reflect.Float32, reflect.Float64:
		return cmp.Compare(a.Float(), b.Float())
	case reflect.String:
		return cmp.Compare(a.String(), b.String())
	}
	panic(fmt.Sprintf("slices.%s: elements of type %v are not ordered", fn, a.Type()))
}

func slicesSort(x any) {
	switch v := x.(type) {
	case []int:
		slices.Sort(v)
	case []float64:
		slices.Sort(v)
	case []string:
		slices.Sort(v)
	case []float32:
		slices.Sort(v)
	case []int64:
		slices.Sort(v)
	case []int32:
		slices.Sort(v)
	case []byte:
		slices.Sort(v)
	default:
		rv := sliceValue("Sort", x)
		sort.SliceStable(x, func(i, j int) bool { return compareValues("Sort", rv.Index(i), rv.Index(j)) < 0 })
	}
}

func slicesIsSorted(x any) bool {
	rv := sliceValue("IsSorted", x)
	for i := 1; i < rv.Len(); i++ {
		if compareValues("IsSorted", rv.Index(i), rv.Index(i-1)) < 0 {
			return false
		}
	}
	return true
}

func slicesSortFunc(x any, cmpFn any) {
	rv := sliceValue("SortFunc", x)
	f := reflect.ValueOf(cmpFn)
	sort.SliceStable(x, func(i, j int) bool {
		return f.Call([]reflect.Value{rv.Index(i), rv.Index(j)})[0].Int() < 0
	})
}

func slicesReverse(x any) {
	rv := sliceValue("Reverse", x)
	swap := reflect.Swapper(x)
	for i, j := 0, rv.Len()-1; i < j; i, j = i+1, j-1 {
		swap(i, j)
	}
}

// extremeIndex is the index of the first maximum (sign 1) or minimum (-1);
// a NaN wins, as in slices.Max.
func extremeIndex(fn string, x any, sign int) int {
	switch v := x.(type) {
	case []float64:
		if len(v) > 0 {
			best := 0
			for i, f := range v {
				if f != f {
					return i
				}
				if cmp.Compare(f, v[best])*sign > 0 {
					best = i
				}
			}
			return best
		}
	case []int:
		if len(v) > 0 {
			best := 0
			for i := range v {
				if cmp.Compare(v[i], v[best])*sign > 0 {
					best = i
				}
			}
			return best
		}
	}
	rv := sliceValue(fn, x)
	if rv.Len() == 0 {
		panic("slices." + fn + ": empty list")
	}
	best := 0
	for i := 0; i < rv.Len(); i++ {
		e := rv.Index(i)
		if (e.Kind() == reflect.Float32 || e.Kind() == reflect.Float64) && e.Float() != e.Float() {
			return i
		}
		if compareValues(fn, e, rv.Index(best))*sign > 0 {
			best = i
		}
	}
	return best
}

func slicesIndex(s, v any) int {
	switch x := s.(type) {
	case []string:
		if t, ok := v.(string); ok {
			return slices.Index(x, t)
		}
	case []int:
		if t, ok := v.(int); ok {
			return slices.Index(x, t)
		}
	case []float64:
		switch t := v.(type) {
		case float64:
			return slices.Index(x, t)
		case int: // an untyped constant passed as any
			return slices.Index(x, float64(t))
		}
	}
	rv := sliceValue("Index", s)
	et := rv.Type().Elem()
	tv := reflect.ValueOf(v)
	if !tv.IsValid() {
		tv = reflect.Zero(et)
	} else if tv.Type() != et && tv.Type().ConvertibleTo(et) && et.Kind() != reflect.Interface {
		tv = tv.Convert(et)
	}
	target := tv.Interface()
	for i := 0; i < rv.Len(); i++ {
		if rv.Index(i).Interface() == target {
			return i
		}
	}
	return -1
}

func slicesIndexFunc(s, f any) int {
	rv := sliceValue("IndexFunc", s)
	fv := reflect.ValueOf(f)
	for i := 0; i < rv.Len(); i++ {
		if fv.Call([]reflect.Value{rv.Index(i)})[0].Bool() {
			return i
		}
	}
	return -1
}

func slicesEqual(a, b any) bool {
	ra, rb := sliceValue("Equal", a), sliceValue("Equal", b)
	if ra.Len() != rb.Len() {
		return false
	}
	for i := 0; i < ra.Len(); i++ {
		if ra.Index(i).Interface() != rb.Index(i).Interface() {
			return false
		}
	}
	return true
}

// slicesSymbols are the runtime helpers above, for runtimeSymbols.
func slicesSymbols() map[string]reflect.Value {
	return map[string]reflect.Value{
		"SlicesSort":         reflect.ValueOf(slicesSort),
		"SlicesSortFunc":     reflect.ValueOf(slicesSortFunc),
		"SlicesIsSorted":     reflect.ValueOf(slicesIsSorted),
		"SlicesReverse":      reflect.ValueOf(slicesReverse),
		"SlicesMaxIndex":     reflect.ValueOf(func(x any) int { return extremeIndex("Max", x, 1) }),
		"SlicesMinIndex":     reflect.ValueOf(func(x any) int { return extremeIndex("Min", x, -1) }),
		"SlicesIndex":        reflect.ValueOf(slicesIndex),
		"SlicesContains":     reflect.ValueOf(func(s, v any) bool { return slicesIndex(s, v) >= 0 }),
		"SlicesIndexFunc":    reflect.ValueOf(slicesIndexFunc),
		"SlicesContainsFunc": reflect.ValueOf(func(s, f any) bool { return slicesIndexFunc(s, f) >= 0 }),
		"SlicesEqual":        reflect.ValueOf(slicesEqual),
		"Compare": reflect.ValueOf(func(a, b any) int {
			return compareValues("Compare", reflect.ValueOf(a), reflect.ValueOf(b))
		}),
		"Pull":  reflect.ValueOf(iterPull),
		"Pull2": reflect.ValueOf(iterPull2),
	}
}

// iterPull is iter.Pull of an interpreted iterator seq (a
// func(func(V) bool)), its values as any.
func iterPull(seq any) (func() (any, bool), func()) {
	f := reflect.ValueOf(seq)
	yt := f.Type().In(0)
	return iter.Pull(func(yield func(any) bool) {
		f.Call([]reflect.Value{reflect.MakeFunc(yt, func(args []reflect.Value) []reflect.Value {
			return []reflect.Value{reflect.ValueOf(yield(args[0].Interface()))}
		})})
	})
}

// iterPull2 is iter.Pull2 of an interpreted func(func(K, V) bool).
func iterPull2(seq any) (func() (any, any, bool), func()) {
	f := reflect.ValueOf(seq)
	yt := f.Type().In(0)
	return iter.Pull2(func(yield func(any, any) bool) {
		f.Call([]reflect.Value{reflect.MakeFunc(yt, func(args []reflect.Value) []reflect.Value {
			return []reflect.Value{reflect.ValueOf(yield(args[0].Interface(), args[1].Interface()))}
		})})
	})
}
