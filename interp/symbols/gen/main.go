// Command gen regenerates the yaegi symbol tables in package symbols: one
// `yaegi extract` run over every non-internal mlstd package plus the gonum
// and gonum/plot packages notebooks use. Run it with
// `go generate ./interp/...` from anywhere in the module.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// external are the non-mlstd packages cells can import.
var external = []string{
	"gonum.org/v1/gonum/mat",
	"gonum.org/v1/gonum/stat",
	"gonum.org/v1/gonum/floats",
	"gonum.org/v1/gonum/stat/distuv",
	"gonum.org/v1/plot",
	"gonum.org/v1/plot/plotter",
	"gonum.org/v1/plot/vg",
	"gonum.org/v1/plot/vg/vgimg",
	"gonum.org/v1/plot/vg/draw",
	"gonum.org/v1/plot/vg/vgsvg",
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run() error {
	out, err := exec.Command("go", "list", "-f", "{{if .GoFiles}}{{.ImportPath}}{{end}}", "github.com/gokernel/gokernel/mlstd/...").Output()
	if err != nil {
		return fmt.Errorf("listing mlstd packages: %v", err)
	}
	var pkgs []string
	for _, p := range strings.Fields(string(out)) {
		if !strings.Contains(p, "/internal/") {
			pkgs = append(pkgs, p)
		}
	}
	pkgs = append(pkgs, external...)
	// Extract into a hidden directory first (the go tool ignores it), so the
	// package keeps compiling for everyone else while this runs.
	tmp, err := os.MkdirTemp(".", ".gen-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	args := append([]string{"run", "github.com/traefik/yaegi/cmd/yaegi", "extract", "-name", "symbols"}, pkgs...)
	cmd := exec.Command("go", args...)
	cmd.Dir = tmp
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("yaegi extract: %v", err)
	}
	fresh, err := filepath.Glob(filepath.Join(tmp, "*-*.go"))
	if err != nil || len(fresh) == 0 {
		return fmt.Errorf("yaegi extract wrote no files (%v)", err)
	}
	old, _ := filepath.Glob("*-*.go")
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			return err
		}
	}
	for _, f := range fresh {
		if err := os.Rename(f, filepath.Base(f)); err != nil {
			return err
		}
	}
	return nil
}
