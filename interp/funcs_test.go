package interp

import (
	"reflect"
	"runtime"
	"testing"
)

// TestFuncRedefinitionReachesCallers: a function redefined with the same
// signature is run by every caller compiled before (functions, methods,
// closures, goroutines, itself recursively); a value taken before keeps
// the body it was taken with.
func TestFuncRedefinitionReachesCallers(t *testing.T) {
	runCases(t, []cellCase{
		{code: "func f() int { return 1 }\nfunc g() int { return f() * 10 }\ntype R struct{}\nfunc (R) m() int { return f() * 100 }\nlater := func() int { return f() + 1000 }\nold := f\ng()", result: "10"},
		{code: "func f() int { return 2 }"},
		{code: "fmt.Println(g(), R{}.m(), later(), old())", stdout: "20 200 1002 1\n"},
		{code: "ch := make(chan int)\ngo func() { ch <- g() }()\nfromG := <-ch\nfromG", result: "20"},
		{code: "func f() int { return 3 }\ng()", result: "30"}, // every incarnation, not just the last
		{code: "func fact(n int) int { if n < 2 { return 1 }; return n * fact(n-1) }\nfunc facts() int { return fact(5) }\nfacts()", result: "120"},
		{code: "func fact(n int) int { if n < 2 { return 1 }; return 2 * fact(n-1) }\nfacts()", result: "16"},
		{code: "func fact(n int) int { if n < 2 { return 1 }; return n * fact(n-1) }\nfact(4)", result: "24"},
		// two functions redefined in one cell, calling each other
		{code: "func even(n int) bool { return n == 0 || odd(n-1) }\nfunc odd(n int) bool { return n != 0 && even(n-1) }\nfunc isEven7() bool { return even(7) }\nisEven7()", result: "false"},
		{code: "func even(n int) bool { return true }\nfunc odd(n int) bool { return true }\nisEven7()", result: "true"},
		// a function named like an earlier cell's variable
		{code: "h := 1"},
		{code: "func h() int { return 5 }\nh()", result: "5"},
		{code: "fmt.Sprint(f)[:2]", result: "0x"}, // a function value
		// a redefinition whose cell also calls it (its node stays patched),
		// then one whose cell does not (later code binds the first node)
		{code: "func k() int { return 1 }\nfunc viaOld() int { return k() }"},
		{code: "func k() int { return 2 }\nfunc viaSame() int { return k() * 10 }"},
		{code: "func k() int { return 3 }"},
		{code: "func viaLater() int { return k() * 100 }"},
		{code: "func k() int { return 4 }"},
		{code: "fmt.Println(viaOld(), viaSame(), viaLater(), k())", stdout: "4 40 400 4\n"},
	})
}

// TestFuncCallsAreDirect: a call of a cell function is yaegi's direct
// interpreted call, 2 Go frames (funcs.go); through a func value it would go
// through reflect's wrapper, 6 frames. The recursion limit's message
// (recursion.go) relies on these figures.
func TestFuncCallsAreDirect(t *testing.T) {
	s := newSession(t)
	frames := func() int { return runtime.Callers(0, make([]uintptr, 1<<16)) }
	if err := s.yi.Use(map[string]map[string]reflect.Value{"gkdebug/gkdebug": {"Frames": reflect.ValueOf(frames)}}); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := run(s, "import \"gkdebug\"\nfunc rec(n int) int { if n == 0 { return gkdebug.Frames() }; return rec(n-1) }\ntype W struct{}\nfunc (w W) rec(n int) int { if n == 0 { return gkdebug.Frames() }; return w.rec(n-1) }"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		code string
		want int
	}{
		{"(rec(200) - rec(100)) / 100", framesPerCall},
		{"func rec(n int) int { if n == 0 { return gkdebug.Frames() }; return rec(n-1) + 0 }\n(rec(200) - rec(100)) / 100", framesPerCall}, // redefined
		{"(W{}.rec(200) - W{}.rec(100)) / 100", framesPerWrap},
	} {
		if res, _, _, err := run(s, c.code); err != nil || res != itoa(c.want) {
			t.Errorf("%s: %q, %v; want %d Go frames per call", c.code, res, err, c.want)
		}
	}
}

// TestFuncReadsStatementGlobals: a function reads a global that a
// top-level statement defined (yaegi does not mark it global) correctly
// also when called from a func literal (globalVars).
func TestFuncReadsStatementGlobals(t *testing.T) {
	runCases(t, []cellCase{
		{code: "import \"strconv\"\na, e := strconv.Atoi(\"3\")\nfunc fa(n int) int { return a + n }\nfor _, l := range []int{0, 1} { fmt.Print(fa(l), \" \") }", stdout: "3 4 "},
		{code: "func() { fmt.Print(fa(2), e) }()", stdout: "5 <nil>"},
	})
}
