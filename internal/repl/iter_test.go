package repl

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestREPLIteratorsLikeGo types the programs of the notebooks' iterator
// test (ranges over functions, Go 1.23-1.26 iterators) into the REPL line
// by line as a cell (asCell), running each cell when the REPL would; the
// output must be what `go run` prints.
func TestREPLIteratorsLikeGo(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to compile the programs with")
	}
	progs, err := filepath.Glob(filepath.Join("..", "..", "notebooks", "testdata", "iter", "*.go"))
	if err != nil || len(progs) == 0 {
		t.Fatalf("no programs (%v)", err)
	}
	for _, p := range progs {
		t.Run(filepath.Base(p), func(t *testing.T) {
			want, err := exec.Command(goTool, "run", p).Output()
			if err != nil {
				t.Fatalf("go run %s: %v", p, err)
			}
			src, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			r := newTestREPL(t)
			out, errb := r.stdout.(*bytes.Buffer), r.stderr.(*bytes.Buffer)
			lines := strings.Split(asCell(string(src)), "\n")
			for _, l := range lines {
				if r.cellDone(l) {
					code := strings.Join(r.pending, "\n")
					r.pending = nil
					if strings.TrimSpace(code) != "" {
						r.execute(context.Background(), code)
					}
				}
			}
			if len(r.pending) > 0 {
				t.Fatalf("lines left unrun: %q", r.pending)
			}
			if out.String() != string(want) || errb.Len() > 0 {
				t.Errorf("REPL printed:\n%s\nstderr:\n%s\nwant (go run):\n%s", out, errb, want)
			}
		})
	}
}

// asCell is a program as a cell: without its package clause (a cell's
// func main runs once, after the rest of the cell, as a program's does).
func asCell(src string) string {
	return strings.Replace(src, "package main\n", "", 1)
}
