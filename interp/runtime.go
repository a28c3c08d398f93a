package interp

import (
	"errors"
	"fmt"
	"go/ast"
	"io"
	"log"
	"reflect"
	"strings"
	"time"

	"github.com/gokernel/gokernel/interp/symbols"
	"github.com/gokernel/gokernel/interp/symbols/stdlib"
	"github.com/gokernel/gokernel/mlstd/host"
	yaegi "github.com/traefik/yaegi/interp"
)

// The runtime helper package every session imports under rtName. Rewritten
// cells call into it; users never need to.
const (
	rtName  = "__gk"
	rtPath  = "gokernel/rt"
	fmtName = "__gkfmt"
)

// helperSource is interpreted once per session: the result slot and the
// generic min/max used by the rewrite of Go 1.21's builtins.
const helperSource = `package main

` + stopFlagSource + `

func __gkpoll(fn string, pos int) { __gk.Poll(fn, pos) }



type __gkOrdered interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 | ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uintptr | ~float32 | ~float64 | ~string
}

func __gkrecv[__gkT any](c chan __gkT) __gkT {
	select {
	case v := <-c:
		return v
	case <-__gk.Done():
		__gk.Raise()
	}
	panic("unreachable")
}

func __gkrecv2[__gkT any](c chan __gkT) (__gkT, bool) {
	select {
	case v, ok := <-c:
		return v, ok
	case <-__gk.Done():
		__gk.Raise()
	}
	panic("unreachable")
}

func __gkmin[__gkT __gkOrdered](a, b __gkT) __gkT {
	if b < a || b != b {
		return b
	}
	return a
}

func __gkmax[__gkT __gkOrdered](a, b __gkT) __gkT {
	if b > a || b != b {
		return b
	}
	return a
}
`

func (s *Session) runtimeSymbols() yaegi.Exports {
	in := s.intr
	rt := map[string]reflect.Value{
		"Poll":  reflect.ValueOf(s.poll),
		"Raise": reflect.ValueOf(func() { panic(host.ErrInterrupted) }),
		"Done":  reflect.ValueOf(func() <-chan struct{} { return in.channel() }),
		"Result": reflect.ValueOf(func(v any, text string) {
			s.result.Store(&resultBox{v: v, text: text})
		}),
		"ResultV": reflect.ValueOf(func(v any) {
			s.result.Store(&resultBox{v: v, text: fmt.Sprintf("%v", v)})
		}),
		"Keep":    reflect.ValueOf(func(ptrs []any) { s.kept = ptrs }),
		"GoPanic": reflect.ValueOf(func(r any) { s.goPanic(r) }),
		"Clear":   reflect.ValueOf(clearValue),
	}
	in.flag.export(rt)
	for k, v := range slicesSymbols() {
		rt[k] = v
	}
	logs, logTypes := logSymbols(s.outs.errW)
	return yaegi.Exports{
		rtPath + "/rt": rt,
		"log/log":      logs,
		".":            {"MapTypes": reflect.ValueOf(logTypes)},
		"time/time": {
			// AfterFunc is time's, counted in s.timers until the callback
			// starts (see watchDeadlock).
			"AfterFunc": reflect.ValueOf(func(d time.Duration, f func()) *time.Timer {
				s.timers.Add(1)
				return time.AfterFunc(d, func() {
					s.timers.Add(-1)
					f()
				})
			}),
			"Sleep": reflect.ValueOf(func(d time.Duration) {
				if d <= 0 {
					return
				}
				t := time.NewTimer(d)
				defer t.Stop()
				select {
				case <-t.C:
				case <-in.channel():
					panic(host.ErrInterrupted)
				}
			}),
		},
	}
}

// logSymbols are the log package's functions, on one logger writing to
// the cell's stderr, as yaegi sets them up (fixStdlib) except for Fatal,
// Fatalf and Fatalln: Go's print and call os.Exit(1), which in a cell is the
// panic stdlib.Exit (an ExitError), where yaegi's panic with the message.
// types are their MapTypes (interpreted values are formatted with their own
// String and Format methods).
func logSymbols(w io.Writer) (syms map[string]reflect.Value, types map[reflect.Value][]reflect.Type) {
	l := log.New(w, "", log.LstdFlags)
	exit := func(msg string) {
		l.Output(3, msg)
		panic(stdlib.Exit{Code: 1})
	}
	syms = map[string]reflect.Value{
		"Fatal":     reflect.ValueOf(func(v ...any) { exit(fmt.Sprint(v...)) }),
		"Fatalf":    reflect.ValueOf(func(f string, v ...any) { exit(fmt.Sprintf(f, v...)) }),
		"Fatalln":   reflect.ValueOf(func(v ...any) { exit(fmt.Sprintln(v...)) }),
		"Flags":     reflect.ValueOf(l.Flags),
		"Output":    reflect.ValueOf(l.Output),
		"Panic":     reflect.ValueOf(l.Panic),
		"Panicf":    reflect.ValueOf(l.Panicf),
		"Panicln":   reflect.ValueOf(l.Panicln),
		"Prefix":    reflect.ValueOf(l.Prefix),
		"Print":     reflect.ValueOf(l.Print),
		"Printf":    reflect.ValueOf(l.Printf),
		"Println":   reflect.ValueOf(l.Println),
		"SetFlags":  reflect.ValueOf(l.SetFlags),
		"SetOutput": reflect.ValueOf(l.SetOutput),
		"SetPrefix": reflect.ValueOf(l.SetPrefix),
		"Writer":    reflect.ValueOf(l.Writer),
	}
	formatted := []reflect.Type{reflect.TypeFor[fmt.Formatter](), reflect.TypeFor[fmt.Stringer]()}
	types = map[reflect.Value][]reflect.Type{}
	for _, name := range []string{"Fatal", "Fatalf", "Fatalln", "Panic", "Panicf", "Panicln", "Print", "Printf", "Println"} {
		types[syms[name]] = formatted
	}
	return syms, types
}

// extraSymbols are the compiled packages cells can import besides the stdlib.
func extraSymbols() yaegi.Exports { return symbols.Tables() }

// clearValue implements the clear builtin for maps and slices.
func clearValue(x any) {
	v := reflect.ValueOf(x)
	switch v.Kind() {
	case reflect.Map, reflect.Slice:
		v.Clear()
	case reflect.Invalid:
	default:
		panic(fmt.Sprintf("invalid argument: clear(%s): argument must be a map or slice", v.Type()))
	}
}

// goPanic reports a panic that escaped a goroutine started by a cell: to
// Options.GoPanic if set, else on the cell's stderr, with the goroutine's
// interpreted frames (which would otherwise end up in the traceback of the
// next cell error).
func (s *Session) goPanic(r any) {
	r = unwrapPanic(r)
	if r == host.ErrInterrupted {
		return
	}
	s.state.Lock()
	n := s.cell
	s.state.Unlock()
	err := s.cellError(n, yaegi.Panic{Value: r})
	if s.opts.GoPanic != nil {
		if p := s.prog.Load(); p != nil {
			err = p.exit(err)
		}
		s.opts.GoPanic(err)
		return
	}
	var ce *CellError
	errors.As(err, &ce)
	lines := append([]string{"panic in goroutine (recovered; the session goes on): " + ce.Value}, ce.Traceback[1:]...)
	fmt.Fprintln(s.outs.errW, strings.Join(lines, "\n"))
}

// unwrapPanic turns yaegi's reflect.Value-wrapped panic values into plain values.
func unwrapPanic(r any) any {
	for {
		switch v := r.(type) {
		case reflect.Value:
			if !v.IsValid() {
				return nil
			}
			if !v.CanInterface() {
				return v.String()
			}
			r = v.Interface()
		case yaegi.Panic:
			r = v.Value
		case *yaegi.Panic:
			r = v.Value
		default:
			return r
		}
	}
}

func asNode(n any) ast.Node { return n.(ast.Node) }
