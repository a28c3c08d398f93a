package interp

import (
	"strings"
	"testing"
)

// TestHoistDecls: a cell's functions and types may be declared below their
// use, as in a Go file; statements still run top to bottom.
func TestHoistDecls(t *testing.T) {
	s := newSession(t)
	steps := []struct {
		code, result, stdout string
	}{
		{"x := f(2)\nfunc f(n int) int { return n * n }\nx", "4", ""},
		// imports used by the functions of the same run of declarations
		{"import (\n\t\"math\"\n\t\"strings\"\n)\n\ntype P struct{ X, Y float64 }\n\nfunc (p P) Norm() float64 { return math.Hypot(p.X, p.Y) }\n\np := P{3, 4}\ng := strings.ToUpper(\"hi\")\np.Norm()", "5", ""},
		{"fmt.Println(\"a\")\nhelper()\nfmt.Println(\"c\")\nfunc helper() { fmt.Println(\"b\") }", "", "a\nb\nc\n"},
		// a type and its method, used above them
		{"p := pt{3, 4}\np.norm()\ntype pt struct{ x, y float64 }\nfunc (p pt) norm() float64 { return math.Hypot(p.x, p.y) }", "5", ""},
		// a function using a variable defined above its use runs after that variable
		{"k := 3\nfmt.Println(mul(2))\nfunc mul(n int) int { return n * k }", "", "6\n"},
		// helpers calling each other, declared in two runs below the use
		{"fmt.Println(twice(5))\nfunc twice(n int) int { return add(n, n) }\nz := 0\nfunc add(a, b int) int { return a + b }", "", "10\n"},
		// a function redefined below a use: the use gets the new body, and
		// closures made earlier call it too (the earlier incarnation is patched, funcs.go)
		{"func sq(n int) int { return n * n }\nuse := func() int { return sq(3) }", "", ""},
		{"a := sq(2)\nfunc sq(n int) int { return n * n * n }\na", "8", ""},
		{"use()", "27", ""},
	}
	for _, st := range steps {
		res, stdout, _, err := run(s, st.code)
		if err != nil || res != st.result || stdout != st.stdout {
			t.Fatalf("%q: got result %q, stdout %q, err %v; want %q, %q", st.code, res, stdout, err, st.result, st.stdout)
		}
	}
}

// TestHoistLimits: variables are not hoisted, and neither is a function
// that needs a variable defined after its use; both are refused before
// anything runs, with the line of the definition.
func TestHoistLimits(t *testing.T) {
	s := newSession(t)
	cases := []struct{ code, has string }{
		{"fmt.Println(\"no\")\ny := v + 1\nv := 2", "cell 1, line 2: undefined: v (defined later, on line 3 of this cell; a cell's statements run from top to bottom"},
		{"fmt.Println(\"no\")\nr := g()\nw := 5\nfunc g() int { return w }", "cell 2, line 2: undefined: g (declared on line 4 of this cell, but it uses w, which is defined on line 3, after this line"},
		{"fmt.Println(\"no\")\nfunc isEven(n int) bool { return n == 0 || isOdd(n-1) }\ny := 1\nfunc isOdd(n int) bool { return n != 0 && isEven(n-1) }", "cell 3, line 4: undefined: isEven (declared on line 2 of this cell, in another run of declarations that needs this one"},
	}
	for _, c := range cases {
		_, stdout, _, err := run(s, c.code)
		ce, ok := err.(*CellError)
		if !ok || ce.Name != "CompileError" || !strings.Contains(ce.Value, c.has) || !strings.Contains(ce.Value, "nothing in this cell ran") {
			t.Errorf("%q: want a CompileError containing %q, got %v", c.code, c.has, err)
		}
		if stdout != "" {
			t.Errorf("%q: something ran: %q", c.code, stdout)
		}
	}
	// A compile error only yaegi finds (it cannot use a generic type
	// alias), after a hoisted declaration ran, says which lines ran (a
	// comment between units that ran does not split a range).
	_, _, _, err := run(s, "a := 1\n// comment\nc := 2\ntype Vec[T any] = []T\nvar v Vec[int]\nfunc h() {}")
	if ce, ok := err.(*CellError); !ok || !strings.Contains(ce.Value, "lines 1-4 and 6 of this cell already ran") {
		t.Errorf("want a CompileError noting lines 1-4 and 6 ran, got %v", err)
	}
}

func TestRanLines(t *testing.T) {
	for _, c := range []struct {
		rs   []lineRange
		want string
	}{
		{[]lineRange{{1, 1}}, "line 1"},
		{[]lineRange{{1, 4}}, "lines 1-4"},
		{[]lineRange{{1, 4}, {9, 12}}, "lines 1-4 and 9-12"},
		{[]lineRange{{1, 1}, {3, 3}, {5, 6}}, "lines 1, 3 and 5-6"},
	} {
		if got := ranLines(c.rs); got != c.want {
			t.Errorf("ranLines(%v) = %q, want %q", c.rs, got, c.want)
		}
	}
}
