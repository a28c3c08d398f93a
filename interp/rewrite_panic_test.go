package interp

import (
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"strings"
	"testing"
)

// rewriteFunc rewrites the body of the one function in src and prints it.
func rewriteFunc(t *testing.T, src string) string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "_.go", "package main\n"+src, 0)
	if err != nil {
		t.Fatal(err)
	}
	fd := f.Decls[0].(*ast.FuncDecl)
	newRewriter(nil).block(fd.Body)
	var b strings.Builder
	if err := printer.Fprint(&b, fset, fd); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestPanicWrap: a panic statement runs in a literal of its own, which
// does not make its loop copy the loop variables per iteration (the copy
// is for closures that outlive an iteration), while a real closure still does.
func TestPanicWrap(t *testing.T) {
	got := rewriteFunc(t, "func f(n int) {\n\tfor i := 0; i < n; i++ {\n\t\tif i > 5 {\n\t\t\tpanic(i)\n\t\t}\n\t}\n}")
	if !strings.Contains(got, "func() {\n\t\t\t\tpanic(i)\n\t\t\t}()") {
		t.Errorf("panic not wrapped:\n%s", got)
	}
	if strings.Contains(got, "i := i") {
		t.Errorf("a wrapped panic made the loop copy its variable:\n%s", got)
	}
	got = rewriteFunc(t, "func f(n int) (fs []func() int) {\n\tfor i := 0; i < n; i++ {\n\t\tfunc() { fs = append(fs, func() int { return i }) }()\n\t}\n\treturn\n}")
	if !strings.Contains(got, "i := i") {
		t.Errorf("a closure kept by an immediately called literal did not make the loop copy its variable:\n%s", got)
	}
}
