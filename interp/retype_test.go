package interp

import (
	"strings"
	"testing"
)

// TestTypeRedefinition: a changed type definition is accepted; values of
// the old type keep their fields and methods, new code uses the new type,
// earlier functions, methods and types that mention it are re-bound, and a
// definition that does not compile with the new type is named.
func TestTypeRedefinition(t *testing.T) {
	s := newSession(t)
	steps := []struct{ code, result, stdout, stderr string }{
		{code: "type P struct{ X int }\nfunc (p P) Sum() int { return p.X }\np := P{1}\np.Sum()", result: "1"},
		{code: "func norm(p P) int { return 2 * p.X }\nfunc twice(p P) int { return 2 * norm(p) }\ntype Ps []P\nfunc (ps Ps) Len() int { return len(ps) }\nfunc count() int { return Ps{P{}}.Len() }"},
		{code: "func (p P) Neg() P { return P{-p.X} }"}, // positional: not valid for the new P
		{code: "type P struct{ X, Y int }\nq := P{1, 2}\nfmt.Println(q, norm(q), twice(q), count(), q.Sum())", stdout: "{1 2} 2 4 1 1\n",
			stderr: "note: type P changed; re-bound to the new definition: type Ps (cell 2), method P.Sum (cell 1), method Ps.Len (cell 2), func norm (cell 2), func twice (cell 2), func count (cell 2)\n" +
				"note: type P changed; these definitions do not compile with the new one and still use the old: method P.Neg (cell 3) (CompileError: cell 3, line 1: too few values in struct literal); fix and re-run them\n"},
		{code: "fmt.Println(p.Sum(), p.Neg(), p, q)", stdout: "1 {-1} {1} {1 2}\n"}, // the old value keeps its type and methods
		{code: "func (p P) Neg() P { return P{X: -p.X, Y: -p.Y} }\nq.Neg()", result: "{-1 -2}"},
		{code: "type P struct{ X, Y int }\nP{3, 4}.Neg()", result: "{-3 -4}"}, // an identical re-run changes nothing
		{code: "norm(P{3, 4}) + Ps{q, q}.Len()", result: "8"},
		// a type parameter named like the type is not the type: Keep is not re-bound
		{code: "func Keep[Q any](x Q) Q { return x }\ntype Q struct{ A int }"},
		{code: "type Q struct{ A, B int }\nQ{1, 2}", result: "{1 2}"}, // no note: nothing to re-bind
	}
	for i, st := range steps {
		res, stdout, stderr, err := run(s, st.code)
		if err != nil || res != st.result || stdout != st.stdout || stderr != st.stderr {
			t.Fatalf("step %d %q:\nresult %q, stdout %q, stderr %q, err %v\nwant   %q, stdout %q, stderr %q", i+1, st.code, res, stdout, stderr, err, st.result, st.stdout, st.stderr)
		}
	}
	// A method of an unchanged type is still refused.
	if _, _, _, err := run(s, "func (ps Ps) Len() int { return 0 }"); err == nil || !strings.Contains(err.Error(), "method Ps.Len") {
		t.Fatalf("redefining a method: %v", err)
	}
}
