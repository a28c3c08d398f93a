package interp

import (
	"strings"
	"testing"
)

// A cell with a compile or type error anywhere runs none of its lines.
func TestErrorsBeforeEffects(t *testing.T) {
	s := newSession(t)
	setup := "type Acc struct{ n int }\nfunc (a *Acc) Add(k int) { a.n += k }\nfunc twice(k int) int { return 2 * k }\nmodel := nn.NewLinear(2, 3)\nacc := &Acc{}"
	if _, _, _, err := run(s, setup); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ code, has string }{
		{"var s string = 5", "cannot use 5 (untyped int constant) as string value"},
		{"n := len(42)", "invalid argument: 42 (untyped int constant) for built-in len"},
		{"lin := nn.NewLinear(\"a\", 3)", "cannot use \"a\" (untyped string constant) as int value in argument to nn.NewLinear"},
		{"y := model.Forwrd(tensor.Randn(1, 4, 2))", "model.Forwrd undefined (type *nn.Linear has no field or method Forwrd)"},
		{"acc.Ad(1)", "acc.Ad undefined"},
		{"twice(1, 2)", "too many arguments in call to twice"},
		{"for i := 0; i < 3; i++ {\n\tacc.Add(\"x\")\n}", "line 6: cannot use \"x\""},
		{"func later() string { return twice(2) }", "cannot use twice(2) (value of type int) as string value in return statement"},
	} {
		code := "ran = true\nfmt.Println(\"side effect\")\nacc.Add(100)\n" + c.code
		_, out, _, err := run(s, "ran := false\n"+code)
		ce, ok := err.(*CellError)
		if !ok || ce.Name != "CompileError" || !strings.Contains(ce.Value, c.has) || !strings.Contains(ce.Value, "nothing in this cell ran") {
			t.Errorf("%q: want a CompileError containing %q, got %v", c.code, c.has, err)
		}
		if out != "" {
			t.Errorf("%q: printed %q before the error", c.code, out)
		}
	}
	if res, _, _, err := run(s, "acc.n"); err != nil || res != "0" {
		t.Errorf("acc.n = %q, %v: a refused cell ran", res, err)
	}
	// A changed method of an unchanged type is refused before anything
	// runs, too (a changed type is accepted: retype.go).
	_, out, _, err := run(s, "fmt.Println(\"side effect\")\nfunc (a *Acc) Add(k int) { a.n -= k }")
	if ce, ok := err.(*CellError); !ok || ce.Name != "RedefinitionError" || out != "" {
		t.Errorf("changed method: %v, printed %q", err, out)
	}
}

// Valid Go, and the engine's forms that compiled Go would refuse, pass
// the check and run.
func TestCheckAcceptsCells(t *testing.T) {
	runCases(t, []cellCase{
		{code: "xs := []int{3, 1, 2}\nlen(xs)", result: "3"},                                      // a builtin's value as the result
		{code: "n := 7\nfloat64(n) / 2", result: "3.5"},                                           // a conversion as the result
		{code: "n\nn * 2", result: "14"},                                                          // an expression not last
		{code: "import \"sort\"\nfunc f() int { unused := 1; return 2 }\nf()", result: "2"},       // unused import and variable
		{code: "slices.Sort(xs)\nslices.Max(xs)", result: "3"},                                    // generic functions the engine provides
		{code: "ks := slices.Collect(maps.Keys(map[string]int{\"a\": 1}))\nlen(ks)", result: "1"}, // an iterator, as in Go
		{code: "v := 1\nv := \"s\"\nlen(v)", result: "1"},                                         // redefined in the same cell
		{code: "type P struct{ X int }\nfunc (p P) Twice() int { return 2 * p.X }\np := P{2}\np.Twice()", result: "4"},
		{code: "type P struct{ X int }\nfunc (p P) Twice() int { return 2 * p.X }\np := P{3}\np.Twice()", result: "6"}, // re-run
		{code: "func (p P) Thrice() int { return 3 * p.X }\np.Thrice()", result: "9"},                                  // a method in a later cell
		{code: "func g(a int) int { return a + 1 }\ng(1)", result: "2"},
		{code: "g = func(a int) int { return a + 2 }\ng(1)", errName: "CompileError", errHas: "cannot assign to g"}, // a function, as in Go
		{code: "func g(a, b int) int { return a * b }\ng(2, 3)", result: "6"},                                       // a new signature
		{code: "X := 5\npp := P{X: X}\npp.X", result: "5"},                                                          // a field named like a global
		{code: "var fib func(int) int\nfib = func(k int) int { if k < 2 { return k }; return fib(k-1) + fib(k-2) }\nfib(10)", result: "55"},
		{code: "for i := range 3 { fmt.Print(i) }", stdout: "012"},
		{code: "const (\n\tA = iota\n\tB\n)\nB", result: "1"},
		{code: "m := map[string]int{\"a\": 1}\nval, ok := m[\"a\"]\nfmt.Println(val, ok)", stdout: "1 true\n"},
		{code: "var q any = 2.5\nswitch z := q.(type) {\ncase float64:\n\tfmt.Println(\"f\", z)\n}", stdout: "f 2.5\n"},
		{code: "func Map[T, U any](xs []T, f func(T) U) []U {\n\tvar out []U\n\tfor _, x := range xs {\n\t\tout = append(out, f(x))\n\t}\n\treturn out\n}\nMap[int, string]([]int{1}, func(i int) string { return fmt.Sprint(i) })", result: "[1]"},
		{code: "outer:\nfor i := 0; i < 3; i++ {\n\tfor j := 0; j < 3; j++ {\n\t\tif j == 1 { continue outer }\n\t\tfmt.Printf(\"%d%d \", i, j)\n\t}\n}", stdout: "00 10 20 "},
		{code: "ch := make(chan int, 1)\nch <- 4\nr, ok2 := <-ch\nfmt.Println(r, ok2)", stdout: "4 true\n"},
		{code: "fmt.Println(\"a\")\n!echo b", stdout: "a\nb\n"},
	})
}

// `x := e` keeps x only when e's type is x's; otherwise x is declared
// anew with e's type, as `x := 1` after `x := "s"`.
func TestRedefineWithNewType(t *testing.T) {
	runCases(t, []cellCase{
		{code: "var z any = 5"},
		{code: "z := 0\nz += 1\nz", result: "1"},
		{code: "z + 1", result: "2"},
		{code: "f := 1.5\nkeep := func() float64 { return f }"},
		{code: "f := 2.5\nkeep()", result: "2.5"}, // same type: assigned, closures see it
		{code: "f := 3\nf * 2", result: "6"},      // new type
		{code: "var w any = \"s\"\nw := \"t\"\nw + \"u\"", result: "tu"},
	})
}

// The view of the session follows what ran: methods added to an earlier
// cell's type, a cell refused and then fixed, %reset, a cell stopped by a
// panic halfway.
func TestCheckFollowsSession(t *testing.T) {
	runCases(t, []cellCase{
		{code: "type P struct{ X int }\np := P{2}"},
		{code: "func (p P) Thrice() int { return 3 * p.X }\np.Thrice()", result: "6"},
		{code: "p.Thrice() + 1", result: "7"},
		{code: "func (p *P) Bump() { p.X++ }\nfmt.Println(\"x\")\np.Bump(\"bad\")", errName: "CompileError", errHas: "too many arguments in call to p.Bump (nothing in this cell ran)"},
		{code: "func (p *P) Bump() { p.X++ }\np.Bump()\np.X", result: "3"},
		{code: "p.Bump()\np.X", result: "4"},
		{code: "p.Thrice(1)", errName: "CompileError", errHas: "too many arguments"},
		{code: "type Q struct{ A int }\nfunc (q Q) Get() int { return q.A }\nvar bad string = 1", errName: "CompileError", errHas: "line 3"},
		{code: "type Q struct{ A int }\nfunc (q Q) Get() int { return q.A }\nQ{4}.Get()", result: "4"},
		{code: "Q{5}.Get() + len(\"ab\")", result: "7"},
		{code: "func f() int { panic(\"boom\") }\nr := 1\nr2 := f()\nr3 := 3", errName: "panic", errHas: "boom"},
		{code: "r + 1", result: "2"},
		{code: "r + \"s\"", errName: "CompileError", errHas: "mismatched types int and untyped string"},
		{code: "r3", errName: "CompileError", errHas: "undefined: r3"},
		{code: "%reset", stdout: "session reset: all variables, functions, types and imports are gone\n"},
		{code: "p", errName: "CompileError", errHas: "undefined: p"},
		{code: "type P struct{ Y string }\np := P{\"s\"}\np.Y", result: "s"},
	})
}
