package interp

import (
	"reflect"
	"unsafe"

	yaegi "github.com/traefik/yaegi/interp"
)

// dropRoots empties yaegi's Interpreter.roots, the list to which every
// Compile and CompileAST appends the root of the AST it converted. Only
// yaegi's debugger reads that list (the engine does not use it), but it
// keeps every cell's syntax tree alive for the life of the session: a
// notebook that runs the cell "1" a thousand times held ~28 MiB more live
// heap, which made each garbage collection slower (the kernel's p99 round
// trip) and the idle process bigger. Declarations a cell makes stay
// reachable through yaegi's scopes and values, so nothing in use is freed.
// If a yaegi version renames the field, this does nothing.
func dropRoots(yi *yaegi.Interpreter) {
	v := reflect.ValueOf(yi).Elem().FieldByName("roots")
	if !v.IsValid() || v.Kind() != reflect.Slice || !v.CanAddr() {
		return
	}
	reflect.NewAt(v.Type(), unsafe.Pointer(v.UnsafeAddr())).Elem().SetZero()
}
