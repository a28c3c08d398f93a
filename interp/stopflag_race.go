//go:build race

package interp

import (
	"go/ast"
	"go/token"
	"reflect"

	yaegi "github.com/traefik/yaegi/interp"
)

// stopFlag is __gkstop, the poll flag (see stopflag.go), in race builds: a
// channel of capacity 1 that holds a value while the flag is raised, read
// with len, which Go's spec allows concurrently with sends and receives.
type stopFlag struct{ c chan struct{} }

const stopFlagSource = "var __gkstop = __gk.Stop"

func stopCond() ast.Expr {
	return &ast.BinaryExpr{X: call(ident("len"), ident("__gkstop")), Op: token.GTR, Y: &ast.BasicLit{Kind: token.INT, Value: "0"}}
}

func newStopFlag() stopFlag { return stopFlag{c: make(chan struct{}, 1)} }

func (f *stopFlag) export(rt map[string]reflect.Value) { rt["Stop"] = reflect.ValueOf(f.c) }

func (f *stopFlag) bind(*yaegi.Interpreter) error { return nil }

func (f *stopFlag) set(up bool) {
	if up {
		select {
		case f.c <- struct{}{}:
		default:
		}
		return
	}
	select {
	case <-f.c:
	default:
	}
}
