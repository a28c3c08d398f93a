package repl

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestREPLRedefinitions types redefinitions into the REPL line by line: a
// function redefined reaches the callers typed before it, and a changed
// type is a new type whose earlier functions are re-bound (the REPL shows
// the engine's note), while an old value keeps the old type.
func TestREPLRedefinitions(t *testing.T) {
	r := newTestREPL(t)
	out, errb := r.stdout.(*bytes.Buffer), r.stderr.(*bytes.Buffer)
	session := `func f() int { return 1 }
func g() int {
	return f() * 10
}
fmt.Println(g())
func f() int { return 2 }
fmt.Println(g())
type P struct{ X int }
func show(p P) string { return fmt.Sprintf("%+v", p) }
old := P{1}
type P struct {
	X, Y int
}
fmt.Println(show(P{2, 3}), old)`
	for _, l := range strings.Split(session, "\n") {
		if r.cellDone(l) {
			code := strings.Join(r.pending, "\n")
			r.pending = nil
			r.execute(context.Background(), code)
		}
	}
	if out.String() != "10\n20\n{X:2 Y:3} {1}\n" {
		t.Errorf("stdout %q, want 10, 20 (the redefined f reaches g), then {X:2 Y:3} {1} (new type, re-bound show, old value)", out)
	}
	if errb.String() != "note: type P changed; re-bound to the new definition: func show (cell 7)\n" {
		t.Errorf("stderr %q, want the re-binding note", errb)
	}
}
