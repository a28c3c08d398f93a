package interp

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// InFile reads the positions the engine really writes: a compile error and
// a panic's frames in a cell come out with the file's name and lines.
func TestCellErrorInFile(t *testing.T) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	// Cell lines 1-4 come from file lines 10-13.
	lines := []int{10, 11, 12, 13}
	_, err = s.Execute(ctx, "x := 1\n_ = x\ny := undefinedThing\n_ = y\n", Output{})
	var ce *CellError
	if !errors.As(err, &ce) {
		t.Fatalf("compile error: %v", err)
	}
	if got := ce.InFile(1, "f.go", lines).Value; !strings.Contains(got, "f.go:12") || strings.Contains(got, "cell 1") {
		t.Errorf("compile error in file: %q (from %q)", got, ce.Value)
	}
	_, err = s.Execute(ctx, "func boom() {\n\tpanic(\"bang\")\n}\nboom()\n", Output{})
	if !errors.As(err, &ce) {
		t.Fatalf("panic: %v", err)
	}
	f := ce.InFile(2, "f.go", lines)
	tb := strings.Join(f.Traceback, "\n")
	if !strings.Contains(tb, "f.go:11") || strings.Contains(tb, "cell 2") {
		t.Errorf("panic traceback in file:\n%s\n(from %q)", tb, ce.Traceback)
	}
	// Another cell's positions and lines past the map are left as they are.
	other := &CellError{Name: "E", Value: "cell 3, line 2: x; cell 1, line 9: y; cell 1: z", Traceback: []string{"cell 1, line 1"}}
	got := other.InFile(1, "f.go", lines)
	if got.Value != "cell 3, line 2: x; f.go:9: y; f.go: z" || got.Traceback[0] != "f.go:10" || other.Traceback[0] != "cell 1, line 1" {
		t.Errorf("InFile = %+v (the original must not change: %+v)", got, other)
	}
}
