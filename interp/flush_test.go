package interp

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// TestOutputBeforeReturn: whatever a cell printed has reached its writer
// when Execute returns, whether the pipes were idle (no marker written)
// or not; text that looks like the start of a flush marker is kept.
func TestOutputBeforeReturn(t *testing.T) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	for i := 0; i < 200; i++ {
		var o, e syncBuf
		code := fmt.Sprintf("fmt.Print(%d)\nfmt.Fprint(os.Stderr, \"e\")", i)
		switch i % 4 {
		case 1:
			code = "1" // prints nothing: the idle path
		case 2:
			code = `fmt.Print("\x00\x01gok")` // a marker's first bytes, held back by the reader
		}
		if _, err := s.Execute(ctx, code, Output{Stdout: &o, Stderr: &e}); err != nil {
			t.Fatal(err)
		}
		want, wantErr := fmt.Sprint(i), "e"
		switch i % 4 {
		case 1:
			want, wantErr = "", ""
		case 2:
			want, wantErr = "\x00\x01gok", ""
		}
		if o.String() != want || e.String() != wantErr {
			t.Fatalf("cell %d (%q): stdout %q, stderr %q when Execute returned; want %q, %q", i, code, o.String(), e.String(), want, wantErr)
		}
	}
	if !s.outs.out.idle() || !s.outs.err.idle() {
		t.Error("pipes not idle after the cells")
	}
	var o syncBuf
	if _, err := s.Execute(ctx, `fmt.Print(strings.Repeat("y", 100000))`, Output{Stdout: &o}); err != nil {
		t.Fatal(err)
	}
	if o.String() != strings.Repeat("y", 100000) {
		t.Errorf("100000 bytes: got %d bytes", len(o.String()))
	}
}
