package interp

import (
	"context"
	"strings"
	"testing"
)

// TestRerunRetainsLittle fails if re-running a cell keeps far more live
// heap than issue 15's target of 8 KiB per run (bound: 3x), or if a
// defining cell keeps far more than 64 KiB (bound: 3x). Before release
// (yaegiroots.go) the model cell kept 400 KB per run: every old model.
func TestRerunRetainsLittle(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a few hundred cells")
	}
	for _, c := range rerunCells {
		s := newSession(t)
		if per := retainedPerRun(t, s, c.setup, c.code, 5, 40); per > 3*8<<10 {
			t.Errorf("re-running %s kept %.0f bytes per run; want < %d", c.name, per, 3*8<<10)
		}
	}
	s := newSession(t)
	ctx := context.Background()
	const defs = 200
	before := liveHeap()
	for i := 0; i < defs; i++ {
		if _, err := s.Execute(ctx, defCell(i), Output{}); err != nil {
			t.Fatalf("cell %d: %v", i, err)
		}
	}
	if per := float64(liveHeap()-before) / defs; per > 3*64<<10 {
		t.Errorf("a defining cell kept %.0f bytes; want < %d", per, 3*64<<10)
	}
}

// TestReleaseKeepsLiveValues runs what could read a slot release cleared
// or reused, with many cells in between: values that outlive the chunk
// that computed them must be intact.
func TestReleaseKeepsLiveValues(t *testing.T) {
	filler := []cellCase{
		{code: "tmp := mk(1).n + len([]int{1, 2, 3})"},
		{code: "acc := 0\nfor i := 0; i < 10; i++ { acc += i }\nacc", result: "45"},
		{code: "fmt.Sprint(mk(5).Get(), twice(3))", result: "5 6"},
	}
	var cases []cellCase
	cases = append(cases,
		cellCase{code: "type Acc struct{ n int }\nfunc (a Acc) Get() int { return a.n }\nfunc mk(n int) Acc { return Acc{n} }"},
		// A method value on a receiver computed at top level: yaegi reads
		// the receiver from its frame slot at each call.
		cellCase{code: "get := mk(41).Get"},
		// A closure created at top level writes its slot back after each call.
		cellCase{code: "fs := []func() int{}\nfs = append(fs, func() int { return 7 })"},
		cellCase{code: "x := 1\nfunc getx() int { return x }\nfunc twice(x int) int { return 2 * x }"},
		// Retyping x gives it a new slot; getx, compiled before, keeps the old one.
		cellCase{code: `x := "s"`},
		cellCase{code: "p := &Acc{n: 3}\nq := []*Acc{p, &Acc{n: 4}}"},
		cellCase{code: "ch := make(chan int, 1)\ngo func() { ch <- twice(21) }()"},
	)
	for i := 0; i < 5; i++ {
		cases = append(cases, filler...)
	}
	cases = append(cases,
		cellCase{code: "get()", result: "41"},
		cellCase{code: "fs[0]() + fs[0]()", result: "14"},
		cellCase{code: "getx()", result: "1"},
		cellCase{code: "x", result: "s"},
		cellCase{code: "p.n + q[1].n", result: "7"},
		cellCase{code: "v := <-ch\nv", result: "42"},
		cellCase{code: "get() + getx()", result: "42"},
	)
	runCases(t, cases)
}

// TestDefinedFuncTraceback: a panic in a cell function is named by the
// cell's lines (the function is compiled with its cell's methods, see
// runDecls).
func TestDefinedFuncTraceback(t *testing.T) {
	s := newSession(t)
	_, _, _, err := run(s, "func boom() { panic(\"b\") }\nboom()")
	ce, ok := err.(*CellError)
	want := []string{"panic: b", "  at cell 1, line 1, in boom", "  at cell 1, line 2, in main (approximate)"}
	if !ok || strings.Join(ce.Traceback, "\n") != strings.Join(want, "\n") {
		t.Fatalf("error %v (%T) %q, want traceback %q", err, err, ce.Traceback, want)
	}
}

// TestRedefinedFuncs: a function redefined with another signature starts
// anew (funcs.go); functions compiled before keep calling the old one,
// and a later redefinition with the new signature reaches the new one.
func TestRedefinedFuncs(t *testing.T) {
	runCases(t, []cellCase{
		{code: "func f(x int) int { return x + 1 }\nfunc g() int { return f(1) }"},
		{code: "func f(x string) string { return x + \"!\" }"},
		{code: "f(\"a\")", result: "a!"},
		{code: "g()", result: "2"},
		{code: "func f(x string) string { return x + \"?\" }"},
		{code: "f(\"b\")", result: "b?"},
	})
}

// TestVarRedeclared: `var x T` of an existing x of type T is an assignment
// of T's zero value (the old value is not kept in a slot of its own), seen
// by functions defined before; of another type it declares x anew.
func TestVarRedeclared(t *testing.T) {
	runCases(t, []cellCase{
		{code: "var v []int\nv = append(v, 1, 2)\nfunc n() int { return len(v) }"},
		{code: "n()", result: "2"},
		{code: "var v []int"},
		{code: "n()", result: "0"},
		{code: "v = append(v, 3)\nn()", result: "1"},
		{code: "var a, b [3]int\na[0], b[1] = 1, 2"},
		{code: "var a, b [3]int\na[1] + b[1]", result: "0"},
		{code: "var v string\nv + \"x\"", result: "x"},
	})
}
