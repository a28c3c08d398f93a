package interp

import (
	"errors"
	"fmt"
	"reflect"
	"sync"
	"unsafe"

	yaegi "github.com/traefik/yaegi/interp"
)

// Releasing what yaegi keeps of finished chunks.
//
// yaegi v0.16.1 was written to run one program, not thousands of chunks
// in one interpreter, and keeps every chunk it compiled alive for the life
// of the session:
//
//   - Interpreter.roots lists the root of every chunk's syntax tree (only
//     its debugger reads it);
//   - every scope lists the scopes pushed inside it (scope.child, again
//     only read by the debugger), so the package scope reaches every
//     function literal and block of every chunk, and with them the nodes;
//   - all top-level code shares one frame, the global frame, whose slots
//     are allocated by appending to the universe scope's frame layout:
//     besides the globals, each chunk adds a slot for every intermediate
//     value of its top-level code (the layers in
//     `nn.NewSequential(nn.NewLinear(784, 128), ...)`, each func literal).
//     The slots are never reused nor cleared, so every value a re-run
//     computed stays reachable, and every top-level func literal, which
//     copies the whole global frame when it is created (frame.clone), pins
//     a copy of all of them, its own old closures included.
//
// release undoes this after each cell: it drops roots and scope children,
// clears the global frame's slots the cell's chunks added that no global
// names (their code will never run again), and truncates the frame layout
// to the last slot that must stay, so the next cell reuses the slots.
// Slots that stay: those of symbols of a package scope (globals; a global
// redeclared with another type keeps its old slot, which functions
// compiled earlier still use), slots read later through a method value or
// wrapper bound to a receiver computed at top level (`f := mk().Method`:
// yaegi reads the receiver from the slot at each call), and slots of
// func-typed values: a closure created at top level writes its slot's
// original value back after each call, so such an index must never be
// given to another value (its value is cleared all the same).
//
// A chunk stopped by force may still be running, so the slots it uses are
// then never touched again (freeze). Everything is reached through reflect
// and unsafe against yaegi v0.16.1's private layout; layoutErr says what
// is missing if a yaegi upgrade changes it, and then release does nothing
// (TestYaegiLayout fails).

// yaegiLayout holds the field indices of yaegi's private types used by
// release and by the redefinition of cell functions (funcs.go).
type yaegiLayout struct {
	roots, universe, scopes, frame, imutex     []int // Interpreter
	child, sym, types, level                   []int // scope
	index, snode, skind, sglobal, styp         []int // symbol
	method, ptr                                []int // itype
	data, fmutex                               []int // frame
	root                                       []int // Program
	nchild, recv, findex, nscope, nsym, ntypes []int // node
	rnode                                      []int // receiver
}

var (
	layout    yaegiLayout
	layoutErr = func() error {
		var errs []error
		fieldOf := func(t reflect.Type, name string, kind reflect.Kind) []int {
			if t.Kind() == reflect.Pointer {
				t = t.Elem()
			}
			f, ok := t.FieldByName(name)
			if !ok || f.Type.Kind() != kind {
				errs = append(errs, fmt.Errorf("yaegi's %s has no %s field %s", t.Name(), kind, name))
				return nil
			}
			return f.Index
		}
		typeOf := func(t reflect.Type, idx []int) reflect.Type {
			if idx == nil {
				return reflect.TypeOf(struct{}{})
			}
			return t.Elem().FieldByIndex(idx).Type
		}
		l := &layout
		it := reflect.TypeOf((*yaegi.Interpreter)(nil))
		l.roots = fieldOf(it, "roots", reflect.Slice)
		l.universe = fieldOf(it, "universe", reflect.Pointer)
		l.scopes = fieldOf(it, "scopes", reflect.Map)
		l.frame = fieldOf(it, "frame", reflect.Pointer)
		l.imutex = fieldOf(it, "mutex", reflect.Struct)
		st := typeOf(it, l.universe)
		l.child = fieldOf(st, "child", reflect.Slice)
		l.sym = fieldOf(st, "sym", reflect.Map)
		l.types = fieldOf(st, "types", reflect.Slice)
		l.level = fieldOf(st, "level", reflect.Int)
		if l.sym != nil {
			symt := st.Elem().FieldByIndex(l.sym).Type.Elem()
			l.index = fieldOf(symt, "index", reflect.Int)
			l.snode = fieldOf(symt, "node", reflect.Pointer)
			l.skind = fieldOf(symt, "kind", reflect.Uint)
			l.sglobal = fieldOf(symt, "global", reflect.Bool)
			l.styp = fieldOf(symt, "typ", reflect.Pointer)
			if l.styp != nil {
				itt := symt.Elem().FieldByIndex(l.styp).Type
				l.method = fieldOf(itt, "method", reflect.Slice)
				l.ptr = fieldOf(itt, "ptr", reflect.Pointer)
			}
		}
		ft := typeOf(it, l.frame)
		l.data = fieldOf(ft, "data", reflect.Slice)
		l.fmutex = fieldOf(ft, "mutex", reflect.Struct)
		pt := reflect.TypeOf((*yaegi.Program)(nil))
		l.root = fieldOf(pt, "root", reflect.Pointer)
		nt := typeOf(pt, l.root)
		l.nchild = fieldOf(nt, "child", reflect.Slice)
		l.recv = fieldOf(nt, "recv", reflect.Pointer)
		l.findex = fieldOf(nt, "findex", reflect.Int)
		l.nscope = fieldOf(nt, "scope", reflect.Pointer)
		l.nsym = fieldOf(nt, "sym", reflect.Pointer)
		l.ntypes = fieldOf(nt, "types", reflect.Slice)
		if l.recv != nil {
			l.rnode = fieldOf(nt.Elem().FieldByIndex(l.recv).Type, "node", reflect.Pointer)
		}
		if len(errs) == 0 {
			if typeOf(it, l.imutex) != reflect.TypeOf(sync.RWMutex{}) || ft.Elem().FieldByIndex(l.fmutex).Type != reflect.TypeOf(sync.RWMutex{}) {
				errs = append(errs, errors.New("yaegi's Interpreter.mutex or frame.mutex is not a sync.RWMutex"))
			}
			if ft.Elem().FieldByIndex(l.data).Type != reflect.TypeOf([]reflect.Value(nil)) || st.Elem().FieldByIndex(l.types).Type != reflect.TypeOf([]reflect.Type(nil)) ||
				nt.Elem().FieldByIndex(l.ntypes).Type != reflect.TypeOf([]reflect.Type(nil)) {
				errs = append(errs, errors.New("yaegi's frame.data, scope.types or node.types changed type"))
			}
		}
		return errors.Join(errs...)
	}()
)

// private returns a settable view of the field at idx of the struct v.
func private(v reflect.Value, idx []int) reflect.Value {
	f := v.FieldByIndex(idx)
	return reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem()
}

// releaser tracks which slots of an interpreter's global frame release
// may still clear (those at and above mark) and the chunks that ran since
// the last release.
type releaser struct {
	mark int
	ran  []*yaegi.Program
	// boot holds the scopes the session's bootstrap made (the universe,
	// the generic standard packages yaegi compiles from source) with their
	// number of symbols: cells add to them only by adding symbols (generic
	// instances), so while that number holds, their symbols need no scan.
	boot map[uintptr]int
}

// done records that prog ran to its end.
func (r *releaser) done(prog *yaegi.Program) { r.ran = append(r.ran, prog) }

// globalLen is the length of the global frame layout.
func globalLen(yi *yaegi.Interpreter) int {
	if layoutErr != nil {
		return 0
	}
	return private(reflect.ValueOf(yi).Elem(), layout.universe).Elem().FieldByIndex(layout.types).Len()
}

// freeze makes release leave every slot allocated so far alone: a chunk
// abandoned after an interrupt may still be running on them. The first
// freeze (after the bootstrap) also records the bootstrap's scopes.
func (r *releaser) freeze(yi *yaegi.Interpreter) {
	r.mark = max(r.mark, globalLen(yi))
	r.ran = nil
	if r.boot != nil || layoutErr != nil {
		return
	}
	r.boot = map[uintptr]int{}
	iv := reflect.ValueOf(yi).Elem()
	boot := func(sc reflect.Value) { r.boot[sc.Pointer()] = sc.Elem().FieldByIndex(layout.sym).Len() }
	boot(private(iv, layout.universe))
	for it := private(iv, layout.scopes).MapRange(); it.Next(); {
		if it.Key().String() != "main" {
			boot(it.Value())
		}
	}
}

// release frees what yaegi keeps of the chunks compiled since the last
// call (those that ran were passed to done). No chunk may be running.
func (r *releaser) release(yi *yaegi.Interpreter) {
	ran := r.ran
	r.ran = nil
	if layoutErr != nil {
		return
	}
	l := &layout
	iv := reflect.ValueOf(yi).Elem()
	imu := (*sync.RWMutex)(unsafe.Pointer(iv.FieldByIndex(l.imutex).UnsafeAddr()))
	imu.Lock()
	defer imu.Unlock()
	private(iv, l.roots).SetZero()

	universe := private(iv, l.universe).Elem()
	types := private(universe, l.types).Interface().([]reflect.Type)
	n := len(types)
	keep := make([]bool, max(n-r.mark, 0)) // slot mark+i stays valid
	pin := r.mark                          // slots below pin keep their index
	mark := func(i int, valid bool) {
		if i < r.mark || i >= n {
			return
		}
		if valid {
			keep[i-r.mark] = true
		}
		pin = max(pin, i+1)
	}
	// Symbols of the package scopes (and of blocks at their level, whose
	// children are dropped here), then the scopes' children.
	var global []reflect.Value // scopes sharing the global frame
	seen := map[uintptr]bool{}
	var scan func(sc reflect.Value)
	scan = func(sc reflect.Value) {
		if sc.IsNil() || seen[sc.Pointer()] || sc.Elem().FieldByIndex(l.level).Int() != 0 {
			return
		}
		seen[sc.Pointer()] = true
		nsyms, booted := r.boot[sc.Pointer()]
		sc = sc.Elem()
		global = append(global, sc)
		if syms := sc.FieldByIndex(l.sym); !booted || syms.Len() != nsyms {
			for it := syms.MapRange(); it.Next(); {
				if s := it.Value(); !s.IsNil() {
					mark(int(s.Elem().FieldByIndex(l.index).Int()), true)
				}
			}
		}
		children := sc.FieldByIndex(l.child)
		for i := 0; i < children.Len(); i++ {
			scan(children.Index(i))
		}
		private(sc, l.child).SetZero()
	}
	scan(private(iv, l.universe))
	for it := private(iv, l.scopes).MapRange(); it.Next(); {
		scan(it.Value())
	}
	for _, prog := range ran {
		r.receivers(private(reflect.ValueOf(prog).Elem(), l.root), mark)
	}

	fv := private(iv, l.frame).Elem()
	fmu := (*sync.RWMutex)(unsafe.Pointer(fv.FieldByIndex(l.fmutex).UnsafeAddr()))
	fmu.Lock()
	defer fmu.Unlock()
	data := private(fv, l.data).Interface().([]reflect.Value)
	for i := r.mark; i < len(data); i++ {
		if i < n && keep[i-r.mark] {
			continue
		}
		if i < n && types[i].Kind() == reflect.Func {
			mark(i, false) // a closure may write its slot back
		}
		data[i] = reflect.Value{}
	}
	if len(data) > pin {
		private(fv, l.data).Set(reflect.ValueOf(data[:pin]))
	}
	for _, sc := range global {
		if t := private(sc, l.types); t.Len() > pin {
			t.Set(t.Slice(0, pin))
		}
	}
	r.mark = pin
}

// receivers marks the global frame slots of receivers that method values
// and function wrappers created by the chunk rooted at root read later.
func (r *releaser) receivers(root reflect.Value, mark func(int, bool)) {
	l := &layout
	var walk func(n reflect.Value)
	walk = func(n reflect.Value) {
		if n.IsNil() {
			return
		}
		n = n.Elem()
		if recv := n.FieldByIndex(l.recv); !recv.IsNil() {
			if rn := recv.Elem().FieldByIndex(l.rnode); !rn.IsNil() {
				rn = rn.Elem()
				if sc := rn.FieldByIndex(l.nscope); !sc.IsNil() && sc.Elem().FieldByIndex(l.level).Int() == 0 && rn.FieldByIndex(l.nsym).IsNil() {
					mark(int(rn.FieldByIndex(l.findex).Int()), true)
				}
			}
		}
		children := n.FieldByIndex(l.nchild)
		for i := 0; i < children.Len(); i++ {
			walk(children.Index(i))
		}
	}
	walk(root)
}
