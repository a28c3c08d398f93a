package notebooks_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Go 1.23-1.26 in cells (issue 19): each program of testdata/iter runs
// compiled (`go run`), as a script (`gokernel run`) and as a cell of the
// real kernel (asCell);
// all three must print the same. rangefunc.go ranges over functions with
// break, continue, return, labels and defer; stdlib.go uses the iterators
// and generic functions of strings, bytes, slices, maps, iter and cmp;
// channels.go every channel statement; idioms.go everyday Go.
func TestIteratorsLikeGo(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to compile the programs with")
	}
	progs, err := filepath.Glob(filepath.Join("testdata", "iter", "*.go"))
	if err != nil || len(progs) == 0 {
		t.Fatalf("no programs in testdata/iter (%v)", err)
	}
	want := map[string]string{}
	var cells []any
	for _, p := range progs {
		abs := mustAbs(t, p)
		r := run(t, t.TempDir(), 3*time.Minute, nil, goTool, "run", abs)
		if r.code != 0 || r.stdout == "" {
			t.Fatalf("go run %s: exit %d\n%s", p, r.code, tail(r.stderr, 2000))
		}
		want[p] = r.stdout
		t.Run("run/"+filepath.Base(p), func(t *testing.T) {
			r := run(t, t.TempDir(), 2*time.Minute, nil, binary, "run", abs)
			if r.code != 0 || r.stdout != want[p] {
				t.Errorf("gokernel run %s: exit %d\nstdout:\n%s\nwant (go run):\n%s\nstderr:\n%s", p, r.code, r.stdout, want[p], tail(r.stderr, 2000))
			}
		})
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		cells = append(cells, asCell(string(src)))
	}
	got := runKernelCells(t, cells)
	for i, p := range progs {
		t.Run("kernel/"+filepath.Base(p), func(t *testing.T) {
			c := got[i]
			if st := c.Reply["status"]; st != "ok" {
				t.Fatalf("cell of %s: status %v: %v %v", p, st, c.Reply["ename"], c.Reply["evalue"])
			}
			if out := streamText(c); out != want[p] {
				t.Errorf("cell of %s printed:\n%s\nwant (go run):\n%s", p, out, want[p])
			}
		})
	}
}

// asCell is a program as a cell: without its package clause (a cell's
// func main runs once, after the rest of the cell, as a program's does).
func asCell(src string) string {
	return strings.Replace(src, "package main\n", "", 1)
}
