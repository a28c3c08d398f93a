package interp

import (
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"go/types"
	"path"
	"reflect"
	"strings"
	"sync"

	"github.com/gokernel/gokernel/interp/symbols"
	"github.com/gokernel/gokernel/interp/symbols/stdlib"
)

// The packages cells import, as go/types sees them: built from the same
// yaegi symbol tables the interpreter uses (reflect values), so a cell is
// type-checked against exactly what it can call. The tables are the same
// for every session of the process, and so are the packages built from
// them: one importer, built lazily, serves all sessions.

// tablePackages builds go/types packages from the symbol tables.
type tablePackages struct {
	mu    sync.Mutex
	pkgs  map[string]*types.Package // by import path
	done  map[string]bool           // packages whose members are filled in
	named map[reflect.Type]types.Type
}

var cellImporter = new(tablePackages) // (maps made on first use: no cost at init)

// table returns the symbol table of import path p and the package's name.
func table(p string) (map[string]reflect.Value, string, bool) {
	for _, name := range []string{importName(p), path.Base(p)} {
		if syms, ok := symbols.Table(p + "/" + name); ok {
			return syms, name, true
		}
	}
	return nil, "", false
}

// Import returns the package of import path p, or an error when no
// symbol table holds it.
func (t *tablePackages) Import(p string) (*types.Package, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.imp(p)
}

// imp is Import with t.mu held.
func (t *tablePackages) imp(p string) (*types.Package, error) {
	syms, name, ok := table(p)
	if !ok {
		return nil, &missingPackage{p}
	}
	if t.pkgs == nil {
		t.pkgs, t.done, t.named = map[string]*types.Package{}, map[string]bool{}, map[reflect.Type]types.Type{}
	}
	pkg := t.pkg(p, name)
	if t.done[p] {
		return pkg, nil
	}
	t.done[p] = true
	if src, ok := stdlib.GenericAPI[p]; ok {
		t.generic(pkg, src)
	}
	sc := pkg.Scope()
	for sym, v := range syms {
		if strings.HasPrefix(sym, "_") || !v.IsValid() || sc.Lookup(sym) != nil {
			continue // yaegi's interface wrappers
		}
		var obj types.Object
		switch {
		case v.Kind() == reflect.Pointer && v.IsNil():
			// A type: (*T)(nil).
			nt := t.typ(v.Type().Elem())
			if n, ok := nt.(*types.Named); ok && n.Obj().Name() == sym && n.Obj().Pkg() == pkg {
				obj = n.Obj()
			} else {
				obj = types.NewTypeName(token.NoPos, pkg, sym, nt) // an alias
			}
		case v.Kind() == reflect.Func && !v.CanAddr():
			sig, ok := t.typ(v.Type()).(*types.Signature)
			if !ok {
				continue
			}
			obj = types.NewFunc(token.NoPos, pkg, sym, sig)
		case v.CanAddr():
			obj = types.NewVar(token.NoPos, pkg, sym, t.typ(v.Type()))
		default:
			obj = t.constant(pkg, sym, v)
		}
		if obj != nil {
			sc.Insert(obj)
		}
	}
	pkg.MarkComplete()
	return pkg, nil
}

// generic declares in pkg the generic API of a standard package (src,
// from stdlib.GenericAPI), which the symbol table cannot hold.
func (t *tablePackages) generic(pkg *types.Package, src string) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, pkg.Path()+".go", src, 0)
	if err != nil {
		return // not a Go release gen knew: the members stay unknown, unreported
	}
	conf := types.Config{Importer: importerFunc(t.imp), Error: func(error) {}, FakeImportC: false}
	_ = types.NewChecker(&conf, fset, pkg, nil).Files([]*ast.File{f})
}

type importerFunc func(string) (*types.Package, error)

func (f importerFunc) Import(p string) (*types.Package, error) { return f(p) }

type missingPackage struct{ path string }

func (m *missingPackage) Error() string { return "no symbols for package " + m.path }

// constant turns a constant of a symbol table into a go/types constant:
// yaegi keeps untyped constants as constant.Value, typed ones as values.
func (t *tablePackages) constant(pkg *types.Package, name string, v reflect.Value) types.Object {
	if cv, ok := v.Interface().(constant.Value); ok {
		var typ types.Type
		switch cv.Kind() {
		case constant.Bool:
			typ = types.Typ[types.UntypedBool]
		case constant.String:
			typ = types.Typ[types.UntypedString]
		case constant.Int:
			typ = types.Typ[types.UntypedInt]
		case constant.Float:
			typ = types.Typ[types.UntypedFloat]
		case constant.Complex:
			typ = types.Typ[types.UntypedComplex]
		default:
			return nil
		}
		return types.NewConst(token.NoPos, pkg, name, typ, cv)
	}
	typ := t.typ(v.Type())
	var cv constant.Value
	switch v.Kind() {
	case reflect.Bool:
		cv = constant.MakeBool(v.Bool())
	case reflect.String:
		cv = constant.MakeString(v.String())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		cv = constant.MakeInt64(v.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		cv = constant.MakeUint64(v.Uint())
	case reflect.Float32, reflect.Float64:
		cv = constant.MakeFloat64(v.Float())
	default:
		// Not a constant Go knows: a read-only variable for the checker.
		return types.NewVar(token.NoPos, pkg, name, typ)
	}
	return types.NewConst(token.NoPos, pkg, name, typ, cv)
}

// pkg returns the package of path p, creating it (t.mu held).
func (t *tablePackages) pkg(p, name string) *types.Package {
	if pkg, ok := t.pkgs[p]; ok {
		return pkg
	}
	if name == "" {
		name = importName(p)
	}
	pkg := types.NewPackage(p, name)
	t.pkgs[p] = pkg
	return pkg
}

// typ converts a reflect type of compiled code into a go/types type
// (t.mu held). Unexported methods of interfaces are left out, so no
// compiled type fails to satisfy an interface for want of them.
func (t *tablePackages) typ(rt reflect.Type) types.Type {
	if typ, ok := t.named[rt]; ok {
		return typ
	}
	if rt.Name() != "" && rt.PkgPath() == "" {
		if rt == reflect.TypeFor[error]() {
			return types.Universe.Lookup("error").Type()
		}
		if b := basicKind(rt.Kind()); b != 0 {
			return types.Typ[b]
		}
	}
	if rt.Kind() == reflect.UnsafePointer {
		return types.Typ[types.UnsafePointer]
	}
	if seq := t.iterSeq(rt); seq != nil {
		t.named[rt] = seq
		return seq
	}
	if rt.Name() != "" && rt.PkgPath() != "" {
		pkg := t.pkg(rt.PkgPath(), "")
		obj := types.NewTypeName(token.NoPos, pkg, rt.Name(), nil)
		named := types.NewNamed(obj, nil, nil)
		t.named[rt] = named
		named.SetUnderlying(t.structure(rt).Underlying())
		if rt.Kind() != reflect.Interface {
			t.methods(named, rt)
		}
		return named
	}
	typ := t.structure(rt)
	t.named[rt] = typ
	return typ
}

// iterSeq returns iter.Seq[V] or iter.Seq2[K, V] if rt is an
// instance of them (the result of strings.Lines or maps.All in compiled
// code: reflect names it "Seq[string]"), else nil.
func (t *tablePackages) iterSeq(rt reflect.Type) types.Type {
	if rt.PkgPath() != "iter" || rt.Kind() != reflect.Func || rt.NumIn() != 1 || rt.In(0).Kind() != reflect.Func {
		return nil
	}
	name, _, ok := strings.Cut(rt.Name(), "[")
	if !ok {
		return nil
	}
	iter, err := t.imp("iter")
	if err != nil {
		return nil
	}
	obj, _ := iter.Scope().Lookup(name).(*types.TypeName)
	yield := rt.In(0)
	if obj == nil || obj.Type().(*types.Named).TypeParams().Len() != yield.NumIn() {
		return nil
	}
	args := make([]types.Type, yield.NumIn())
	for i := range args {
		args[i] = t.typ(yield.In(i))
	}
	seq, err := types.Instantiate(nil, obj.Type(), args, true)
	if err != nil {
		return nil
	}
	return seq
}

// basicKind is the go/types kind of a reflect kind of a basic type, or 0.
func basicKind(k reflect.Kind) types.BasicKind {
	switch {
	case k == reflect.Bool:
		return types.Bool
	case k >= reflect.Int && k <= reflect.Complex128:
		return types.Int + types.BasicKind(k-reflect.Int) // the same order
	case k == reflect.String:
		return types.String
	}
	return 0
}

// structure converts the structure of rt, ignoring its name.
func (t *tablePackages) structure(rt reflect.Type) types.Type {
	if b := basicKind(rt.Kind()); b != 0 {
		return types.Typ[b]
	}
	switch rt.Kind() {
	case reflect.UnsafePointer:
		return types.Typ[types.UnsafePointer]
	case reflect.Pointer:
		return types.NewPointer(t.typ(rt.Elem()))
	case reflect.Slice:
		return types.NewSlice(t.typ(rt.Elem()))
	case reflect.Array:
		return types.NewArray(t.typ(rt.Elem()), int64(rt.Len()))
	case reflect.Map:
		return types.NewMap(t.typ(rt.Key()), t.typ(rt.Elem()))
	case reflect.Chan:
		dir := types.SendRecv
		switch rt.ChanDir() {
		case reflect.SendDir:
			dir = types.SendOnly
		case reflect.RecvDir:
			dir = types.RecvOnly
		}
		return types.NewChan(dir, t.typ(rt.Elem()))
	case reflect.Func:
		return t.signature(nil, rt, 0)
	case reflect.Struct:
		fields := make([]*types.Var, rt.NumField())
		tags := make([]string, rt.NumField())
		for i := range fields {
			f := rt.Field(i)
			fields[i] = types.NewField(token.NoPos, t.pkg(pkgOf(f.PkgPath, rt), ""), f.Name, t.typ(f.Type), f.Anonymous)
			tags[i] = string(f.Tag)
		}
		return types.NewStruct(fields, tags)
	case reflect.Interface:
		var methods []*types.Func
		for i := 0; i < rt.NumMethod(); i++ {
			m := rt.Method(i)
			if m.PkgPath != "" {
				continue
			}
			methods = append(methods, types.NewFunc(token.NoPos, nil, m.Name, t.signature(nil, m.Type, 0)))
		}
		return types.NewInterfaceType(methods, nil).Complete()
	}
	return types.Typ[types.Invalid]
}

// pkgOf is the package path of an unexported field, for go/types: the
// field's own path, else the struct's.
func pkgOf(p string, rt reflect.Type) string {
	if p != "" {
		return p
	}
	if rt.PkgPath() != "" {
		return rt.PkgPath()
	}
	return "main"
}

// signature converts func type ft, skipping its first skip parameters (the
// receiver of a method value), with recv as receiver.
func (t *tablePackages) signature(recv *types.Var, ft reflect.Type, skip int) *types.Signature {
	var params, results []*types.Var
	for i := skip; i < ft.NumIn(); i++ {
		params = append(params, types.NewParam(token.NoPos, nil, "", t.typ(ft.In(i))))
	}
	for i := 0; i < ft.NumOut(); i++ {
		results = append(results, types.NewParam(token.NoPos, nil, "", t.typ(ft.Out(i))))
	}
	return types.NewSignatureType(recv, nil, nil, types.NewTuple(params...), types.NewTuple(results...), ft.IsVariadic())
}

// methods adds the exported methods of rt (value receivers) and of *rt
// (pointer receivers) to named.
func (t *tablePackages) methods(named *types.Named, rt reflect.Type) {
	pkg := named.Obj().Pkg()
	has := map[string]bool{}
	for i := 0; i < rt.NumMethod(); i++ {
		m := rt.Method(i)
		has[m.Name] = true
		recv := types.NewVar(token.NoPos, pkg, "", named)
		named.AddMethod(types.NewFunc(token.NoPos, pkg, m.Name, t.signature(recv, m.Type, 1)))
	}
	pt := reflect.PointerTo(rt)
	for i := 0; i < pt.NumMethod(); i++ {
		m := pt.Method(i)
		if has[m.Name] {
			continue
		}
		recv := types.NewVar(token.NoPos, pkg, "", types.NewPointer(named))
		named.AddMethod(types.NewFunc(token.NoPos, pkg, m.Name, t.signature(recv, m.Type, 1)))
	}
}
