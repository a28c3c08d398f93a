//go:build !race

package interp

import (
	"errors"
	"go/ast"
	"reflect"

	yaegi "github.com/traefik/yaegi/interp"
)

// stopFlag is __gkstop, the flag the rewritten code polls at every loop
// top and function entry (rewriter.poll): an interpreted bool, set by the
// host through reflection. Its reads and writes race, harmlessly: it is
// one byte, written by one goroutine at a time (under interrupter.mu), and
// Go's memory model has a read of a racing word see one of the values
// written, so a loop sees a raised flag at its next iteration or so.
// Race builds use the synchronised form of stopflag_race.go instead, so
// that the race detector checks everything else; it is not the default
// because it costs two allocations per poll (+11% allocations in fib)
// and ~30% more CPU time in a tight interpreted loop (measured with
// `for i := 0; i < n; i++ { t += i }`).
type stopFlag struct{ v reflect.Value }

// stopFlagSource declares the flag in the interpreter (helperSource).
const stopFlagSource = "var __gkstop bool"

// stopCond is the poll's condition.
func stopCond() ast.Expr { return ident("__gkstop") }

func newStopFlag() stopFlag { return stopFlag{} }

// export adds what stopFlagSource needs to the runtime symbols.
func (f *stopFlag) export(map[string]reflect.Value) {}

// bind finds the flag in the interpreter yi has just declared it in.
func (f *stopFlag) bind(yi *yaegi.Interpreter) error {
	v := yi.Globals()["__gkstop"]
	if !v.IsValid() || !v.CanSet() {
		return errors.New("interrupt flag is not settable")
	}
	f.v = v
	return nil
}

func (f *stopFlag) set(up bool) {
	if f.v.IsValid() {
		f.v.SetBool(up)
	}
}
