package interp

import (
	"context"
	"io"
	"reflect"
	"runtime"
	"testing"
)

// TestYaegiLayout checks that yaegi's private fields release reaches are
// still there: if a yaegi upgrade changes them, release does nothing.
func TestYaegiLayout(t *testing.T) {
	if layoutErr != nil {
		t.Fatalf("release cannot reach into yaegi (update yaegiroots.go): %v", layoutErr)
	}
}

// TestDropRoots checks that no cell's syntax tree stays on yaegi's
// Interpreter.roots (see release).
func TestDropRoots(t *testing.T) {
	s := newSession(t)
	roots := reflect.ValueOf(s.yi).Elem().FieldByName("roots")
	if !roots.IsValid() || roots.Kind() != reflect.Slice {
		t.Fatalf("yaegi's Interpreter has no roots slice any more: update release")
	}
	out := Output{Stdout: io.Discard, Stderr: io.Discard, Show: func(Event) {}, Rich: true}
	for _, code := range []string{"1", "x := 2", "func f() int { return x }", "f()", "import \"strings\"\nstrings.ToUpper(\"a\")"} {
		if _, err := s.Execute(context.Background(), code, out); err != nil {
			t.Fatalf("%q: %v", code, err)
		}
		if n := roots.Len(); n != 0 {
			t.Errorf("after %q: %d roots kept; want 0", code, n)
		}
	}
	if r, err := s.Execute(context.Background(), "f() + 1", out); err != nil || r["text/plain"] != "3" {
		t.Errorf("f() + 1 = %v, %v; want 3 (declarations must survive release)", r, err)
	}
}

// TestExpressionCellsDoNotLeak checks that an expression cell leaves
// (almost) nothing behind once it ran: yaegi keeps a top-level func
// literal's value, and with it the cell's syntax tree, for the life of the
// session, so the result path must not wrap the expression in one. The cell
// "1" kept 24 KiB of live heap each before; ~1 KiB now.
func TestExpressionCellsDoNotLeak(t *testing.T) {
	s := newSession(t)
	out := Output{Stdout: io.Discard, Stderr: io.Discard, Show: func(Event) {}, Rich: true}
	run := func(n int) {
		for i := 0; i < n; i++ {
			if r, err := s.Execute(context.Background(), "1", out); err != nil || r["text/plain"] != "1" {
				t.Fatalf("1 = %v, %v", r, err)
			}
		}
	}
	live := func() uint64 {
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	run(20)
	before := live()
	const cells = 200
	run(cells)
	after := live()
	if per := (int64(after) - int64(before)) / cells; per > 8<<10 {
		t.Errorf("each cell \"1\" kept %d bytes of live heap; want < 8 KiB", per)
	}
}
