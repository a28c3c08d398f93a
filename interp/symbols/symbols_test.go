package symbols

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestSymbolsCurrent fails when an mlstd package gained (or lost) an
// exported non-generic identifier since the tables were generated: run
// `go generate ./interp/...`.
func TestSymbolsCurrent(t *testing.T) {
	root := filepath.Join("..", "..", "mlstd")
	dirs, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if !d.IsDir() || d.Name() == "internal" {
			continue
		}
		want := exported(t, filepath.Join(root, d.Name()))
		if len(want) == 0 {
			continue
		}
		key := "github.com/gokernel/gokernel/mlstd/" + d.Name() + "/" + d.Name()
		have := Symbols[key]
		if have == nil {
			t.Errorf("no symbols for mlstd/%s: run go generate ./interp/...", d.Name())
			continue
		}
		var missing, extra []string
		for name := range want {
			if _, ok := have[name]; !ok {
				missing = append(missing, name)
			}
		}
		for name := range have {
			if !want[name] && !strings.HasPrefix(name, "_") { // _Iface: extract's interface wrappers
				extra = append(extra, name)
			}
		}
		sort.Strings(missing)
		sort.Strings(extra)
		if len(missing)+len(extra) > 0 {
			t.Errorf("mlstd/%s symbols are stale (missing %v, removed %v): run go generate ./interp/...", d.Name(), missing, extra)
		}
	}
}

// exported lists the exported non-generic top-level identifiers of the package in dir.
func exported(t *testing.T, dir string) map[string]bool {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, dir, func(fi os.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, p := range pkgs {
		for _, f := range p.Files {
			for _, d := range f.Decls {
				switch d := d.(type) {
				case *ast.FuncDecl:
					if d.Recv == nil && d.Name.IsExported() && d.Type.TypeParams == nil {
						out[d.Name.Name] = true
					}
				case *ast.GenDecl:
					for _, sp := range d.Specs {
						switch sp := sp.(type) {
						case *ast.TypeSpec:
							if sp.Name.IsExported() && sp.TypeParams == nil {
								out[sp.Name.Name] = true
							}
						case *ast.ValueSpec:
							for _, n := range sp.Names {
								if n.IsExported() {
									out[n.Name] = true
								}
							}
						}
					}
				}
			}
		}
	}
	return out
}
