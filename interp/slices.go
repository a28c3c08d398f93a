package interp

import (
	"cmp"
	"fmt"
	"go/ast"
	"reflect"
	"slices"
	"sort"
	"strings"
)

// Go's generic slices and maps functions are missing from yaegi's symbol
// tables (a generic function has no reflect.Value). The rewriter turns
// calls of the common ones into the compiled helpers below, which take the
// slice as any, or into small generic wrappers in helperSource where the
// result must keep the element type (Max, Min, Clone, Sorted, maps.Keys).

// slicesCalls maps slices.F and maps.F to their replacement: a runtime
// helper (__gk.X) or an interpreted generic wrapper (__gkX).
var slicesCalls = map[string]map[string]string{
	"slices": {
		"Sort": "rt:SlicesSort", "SortFunc": "rt:SlicesSortFunc", "SortStableFunc": "rt:SlicesSortFunc",
		"Reverse": "rt:SlicesReverse", "Contains": "rt:SlicesContains", "Index": "rt:SlicesIndex",
		"ContainsFunc": "rt:SlicesContainsFunc", "IndexFunc": "rt:SlicesIndexFunc", "Equal": "rt:SlicesEqual",
		"IsSorted": "rt:SlicesIsSorted",
		"Max":      "__gkslicesMax", "Min": "__gkslicesMin", "Clone": "__gkslicesClone",
		"Sorted": "__gkslicesSorted", "Collect": "__gkslicesClone",
	},
	"maps": {"Keys": "__gkmapsKeys", "Values": "__gkmapsValues"},
}

// slicesCall returns the replacement of the call target pkg.name, or nil.
func (r *rewriter) slicesCall(fun ast.Expr) ast.Expr {
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
	return ident(to)
}

const slicesHelperSource = `
func __gkslicesMax[__gkE any](x []__gkE) __gkE { return x[__gk.SlicesMaxIndex(x)] }

func __gkslicesMin[__gkE any](x []__gkE) __gkE { return x[__gk.SlicesMinIndex(x)] }

func __gkslicesClone[__gkE any](x []__gkE) []__gkE {
	if x == nil {
		return nil
	}
	return append([]__gkE{}, x...)
}

func __gkslicesSorted[__gkE any](x []__gkE) []__gkE {
	y := append([]__gkE{}, x...)
	__gk.SlicesSort(y)
	return y
}

func __gkmapsKeys[__gkK comparable, __gkV any](m map[__gkK]__gkV) []__gkK {
	r := make([]__gkK, 0, len(m))
	for k := range m {
		r = append(r, k)
	}
	return r
}

func __gkmapsValues[__gkK comparable, __gkV any](m map[__gkK]__gkV) []__gkV {
	r := make([]__gkV, 0, len(m))
	for _, v := range m {
		r = append(r, v)
	}
	return r
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
	}
}
