package interp

import (
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"io"
	"log"
	"math/bits"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

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
	var v __gkT
	__gk.Recv(c, &v)
	return v
}

func __gkrecv2[__gkT any](c chan __gkT) (__gkT, bool) {
	var v __gkT
	ok := __gk.Recv(c, &v)
	return v, ok
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

// runtimeSymbols returns the session's own symbols by import path, given
// to yaegi the first time a chunk imports the path (loadPackages): the
// runtime helper package (rtPath), and patches applied over a standard
// package's table; and the MapTypes of the patched functions. The patches
// are what yaegi's fixStdlib sets, on the session's streams (fmt's Print
// and Scan functions, flag.CommandLine, os.Args, os.Stdout and os.Stderr,
// os's environment functions on a copy of the environment,
// math/bits.UintSize), and the session's own (log, time.AfterFunc,
// time.Sleep).
func (s *Session) runtimeSymbols(stdin io.Reader) (own map[string]map[string]reflect.Value, types map[reflect.Value][]reflect.Type) {
	in := s.intr
	rt := map[string]reflect.Value{
		"Poll":   reflect.ValueOf(s.poll),
		"Raise":  reflect.ValueOf(func() { panic(host.ErrInterrupted) }),
		"Done":   reflect.ValueOf(func() <-chan struct{} { return in.channel() }),
		"Select": reflect.ValueOf(cellSelect(in.channel)),
		"Recv":   reflect.ValueOf(cellRecv(in.channel)),
		"Send":   reflect.ValueOf(cellSend(in.channel)),
		"Result": reflect.ValueOf(func(v any, text string) {
			s.result.Store(&resultBox{v: v, text: text})
		}),
		"ResultV": reflect.ValueOf(func(v any) {
			s.result.Store(&resultBox{v: v, text: fmt.Sprintf("%v", v)})
		}),
		"Keep":      reflect.ValueOf(func(ptrs []any) { s.kept = ptrs }),
		"GoPanic":   reflect.ValueOf(func(r any) { s.goPanic(r) }),
		"Clear":     reflect.ValueOf(clearValue),
		"Recovered": reflect.ValueOf(recovered),
		"NonNil":    reflect.ValueOf(nonNil),
	}
	in.flag.export(rt)
	for k, v := range slicesSymbols() {
		rt[k] = v
	}
	stdout, stderr := s.outs.outW, s.outs.errW
	logs, types := logSymbols(stderr)
	fmts := map[string]reflect.Value{
		"Print":   reflect.ValueOf(func(a ...any) (int, error) { return fmt.Fprint(stdout, a...) }),
		"Printf":  reflect.ValueOf(func(f string, a ...any) (int, error) { return fmt.Fprintf(stdout, f, a...) }),
		"Println": reflect.ValueOf(func(a ...any) (int, error) { return fmt.Fprintln(stdout, a...) }),
		"Scan":    reflect.ValueOf(func(a ...any) (int, error) { return fmt.Fscan(stdin, a...) }),
		"Scanf":   reflect.ValueOf(func(f string, a ...any) (int, error) { return fmt.Fscanf(stdin, f, a...) }),
		"Scanln":  reflect.ValueOf(func(a ...any) (int, error) { return fmt.Fscanln(stdin, a...) }),
	}
	formatted := []reflect.Type{reflect.TypeFor[fmt.Formatter](), reflect.TypeFor[fmt.Stringer]()}
	for _, name := range []string{"Print", "Printf", "Println"} {
		types[fmts[name]] = formatted
	}
	for _, name := range []string{"Scan", "Scanf", "Scanln"} {
		types[fmts[name]] = []reflect.Type{reflect.TypeFor[fmt.Scanner]()}
	}
	flags := flag.NewFlagSet(os.Args[0], flag.PanicOnError)
	flags.SetOutput(stderr)
	args := s.opts.Args
	env := map[string]string{}
	for _, e := range os.Environ() {
		k, v, _ := strings.Cut(e, "=")
		env[k] = v
	}
	getenv := func(key string) string { return env[key] }
	return map[string]map[string]reflect.Value{
		rtPath:      rt,
		"fmt":       fmts,
		"log":       logs,
		"flag":      {"CommandLine": reflect.ValueOf(&flags).Elem()},
		"math/bits": {"UintSize": reflect.ValueOf(constant.MakeInt64(bits.UintSize))},
		"os": {
			"Args":      reflect.ValueOf(&args).Elem(),
			"Stdout":    reflect.ValueOf(&stdout).Elem(),
			"Stderr":    reflect.ValueOf(&stderr).Elem(),
			"Clearenv":  reflect.ValueOf(func() { env = map[string]string{} }),
			"ExpandEnv": reflect.ValueOf(func(s string) string { return os.Expand(s, getenv) }),
			"Getenv":    reflect.ValueOf(getenv),
			"LookupEnv": reflect.ValueOf(func(key string) (v string, ok bool) { v, ok = env[key]; return }),
			"Setenv":    reflect.ValueOf(func(key, value string) error { env[key] = value; return nil }),
			"Unsetenv":  reflect.ValueOf(func(key string) error { delete(env, key); return nil }),
			"Environ": reflect.ValueOf(func() (a []string) {
				for k, v := range env {
					a = append(a, k+"="+v)
				}
				return
			}),
		},
		"time": {
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
	}, types
}

// loadPackages gives s.yi the compiled packages of the import paths a
// chunk imports, each the first time: its table (symbols.Table, built once
// per process and shared by all sessions), then the session's own symbols
// for the path (runtimeSymbols). A path with neither is left to yaegi,
// which says it cannot find it. Loading per import rather than every table
// at New saves a session start ~1 ms of building ~170 tables and ~1.5 ms
// of copying their ~6,000 entries into yaegi's maps (README's kernel
// start-up figures). Only the goroutine compiling chunks calls it.
func (s *Session) loadPackages(paths []string) error {
	for _, p := range paths {
		if s.loaded[p] {
			continue
		}
		syms, name, ok := table(p)
		own := s.own[p]
		if !ok && own == nil {
			continue
		}
		if !ok {
			name = importName(p)
		}
		// The key is "path//name", not "path/name": yaegi's Use takes a
		// call that brings "fmt/fmt" for the standard library's arrival,
		// then patches the packages loaded so far (fixStdlib: the session
		// applies its own patches instead, to packages loaded later too)
		// and compiles its generic slices, maps and cmp sources (~2.5 ms
		// of every session start; cells call the rewriter's helpers
		// instead, slices.go). Use splits the key with path.Dir and
		// path.Base, which give the same import path and name for both.
		key := p + "//" + name
		for _, t := range []map[string]reflect.Value{syms, own} {
			if t == nil {
				continue
			}
			if err := s.yi.Use(yaegi.Exports{key: t}); err != nil {
				return err
			}
		}
		if src, ok := typeSources[p]; ok {
			if _, err := s.yi.Compile(src); err != nil {
				return err
			}
		}
		s.loaded[p] = true
	}
	return nil
}

// typeSources declare, for loadPackages, the generic types of compiled
// packages that cells use: yaegi looks a type missing from a compiled
// package up in the source package of the same path. cmp.Ordered is the
// only one (the generic functions of slices, maps, iter and cmp are the
// rewriter's helpers, slices.go; iter.Seq and Seq2 are rewritten into the
// function types they stand for, rangefunc.go).
var typeSources = map[string]string{"cmp": `package cmp

type Ordered interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 | ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uintptr | ~float32 | ~float64 | ~string
}
`}

// chunkImports returns the import paths of a chunk (an *ast.File or Go source).
func chunkImports(node any) []string {
	var f *ast.File
	switch n := node.(type) {
	case string:
		f, _ = parser.ParseFile(token.NewFileSet(), "", n, parser.ImportsOnly)
	case *ast.File:
		f = n
	}
	if f == nil {
		return nil
	}
	var paths []string
	for _, d := range f.Decls {
		if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.IMPORT {
			for _, spec := range g.Specs {
				if p, err := strconv.Unquote(spec.(*ast.ImportSpec).Path.Value); err == nil {
					paths = append(paths, p)
				}
			}
		}
	}
	return paths
}

// logSymbols are the log package's functions, on one logger writing to
// the cell's stderr, as yaegi's fixStdlib sets them up except for Fatal,
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

// recovered is what a cell's recover() returns (the rewriter wraps each
// call): a panic of reflect's that stands for one of Go's run-time errors
// in interpreted code (an index out of range, a nil dereference) becomes a
// runtime.Error, as Go recovers it, so that r.(runtime.Error) and r.(error)
// hold as in a compiled program; other values are returned as they are.
func recovered(r any) any {
	var msg string
	switch v := r.(type) {
	case string:
		msg = v
	case *reflect.ValueError:
		msg = v.Error()
	default:
		return r
	}
	// Only reflect's own messages: a string a cell panics with stays as
	// it is, whatever it says.
	if m, ok := goRuntimeError(msg); ok && strings.HasPrefix(msg, "reflect: ") {
		return runtimeError(m)
	}
	return r
}

// nonNil returns v, or for a nil v a value of a type with no methods,
// which a comma-ok assertion to an interface with methods rejects as Go
// rejects nil (asserts.go).
func nonNil(v any) any {
	if v == nil {
		return noMethods{}
	}
	return v
}

// noMethods is nonNil's stand-in for nil.
type noMethods struct{}

// goRuntimeError returns the message of the Go run-time error that a
// panic message of reflect's stands for in interpreted code, if it stands
// for one.
func goRuntimeError(msg string) (string, bool) {
	switch {
	case strings.HasPrefix(msg, "reflect: ") && strings.Contains(msg, "index out of range"):
		return "index out of range (the interpreter does not report the index)", true
	case strings.Contains(msg, "on zero Value") || strings.Contains(msg, "nil pointer dereference"):
		return "invalid memory address or nil pointer dereference", true
	}
	return "", false
}

// runtimeError is a Go run-time error raised in interpreted code.
type runtimeError string

func (e runtimeError) Error() string { return "runtime error: " + string(e) }

// RuntimeError marks it as a runtime.Error.
func (runtimeError) RuntimeError() {}

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
