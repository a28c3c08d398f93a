package symbols

import (
	"maps"
	"reflect"
	"slices"

	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/gokernel/gokernel/interp/symbols/stdlib"
	yaegistd "github.com/traefik/yaegi/stdlib"
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
		have := Tables()[key]
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

// restricted are the symbols yaegi replaces by its own (restricted.go).
var restricted = map[string]bool{
	"os/os.Exit": true, "os/os.FindProcess": true,
	"log/log.Fatal": true, "log/log.Fatalf": true, "log/log.Fatalln": true, "log/log.New": true, "log/log.Logger": true,
}

// TestStdlibLikeYaegi checks that subpackage stdlib offers exactly what
// yaegi's stdlib.Symbols offers (the engine's standard packages before the
// tables were built on demand): the same packages, names and values, the
// restricted replacements (os.Exit panics) and the interface map.
func TestStdlibLikeYaegi(t *testing.T) {
	ours := stdlib.Tables()
	if !slices.Equal(slices.Sorted(maps.Keys(ours)), slices.Sorted(maps.Keys(yaegistd.Symbols))) {
		t.Fatalf("packages differ: run go generate ./interp/...\nours:  %v\nyaegi: %v",
			slices.Sorted(maps.Keys(ours)), slices.Sorted(maps.Keys(yaegistd.Symbols)))
	}
	if len(stdlib.Symbols) < 150 {
		t.Fatalf("only %d generated tables", len(stdlib.Symbols))
	}
	for key, theirs := range yaegistd.Symbols {
		have := ours[key]
		if !slices.Equal(slices.Sorted(maps.Keys(have)), slices.Sorted(maps.Keys(theirs))) {
			t.Errorf("%s: names differ: run go generate ./interp/...", key)
			continue
		}
		for name, v := range theirs {
			w := have[name]
			if v.Kind() != w.Kind() || v.Type().String() != w.Type().String() {
				t.Errorf("%s.%s: %v, yaegi has %v", key, name, w.Type(), v.Type())
				continue
			}
			switch {
			case strings.HasPrefix(name, "_"), restricted[key+"."+name], key == ".", key == "github.com/traefik/yaegi/stdlib/stdlib":
				// Wrapper types and restricted replacements are our own copies.
			case v.Kind() == reflect.Pointer && v.IsNil():
				if v.Type() != w.Type() { // a type definition: the same Go type
					t.Errorf("%s.%s: type %v, yaegi has %v", key, name, w.Type(), v.Type())
				}
			case v.Kind() == reflect.Func:
				if v.Pointer() != w.Pointer() {
					t.Errorf("%s.%s: a different function than yaegi's", key, name)
				}
			case v.CanAddr():
				if v.UnsafeAddr() != w.UnsafeAddr() { // a variable: the same one
					t.Errorf("%s.%s: a different variable than yaegi's", key, name)
				}
			}
		}
	}
	func() {
		defer func() {
			if r := recover(); r != (stdlib.Exit{Code: 3}) {
				t.Errorf("os.Exit(3) in a cell: recovered %v, want a panic with stdlib.Exit{3}", r)
			}
		}()
		ours["os/os"]["Exit"].Interface().(func(int))(3)
	}()
	mt := ours["."]["MapTypes"].Interface().(map[reflect.Value][]reflect.Type)
	if len(mt) != len(yaegistd.MapTypes) {
		t.Errorf("MapTypes has %d entries, yaegi's %d", len(mt), len(yaegistd.MapTypes))
	}
	if ours["github.com/traefik/yaegi/stdlib/stdlib"]["Symbols"].Len() != len(ours) {
		t.Error("the stdlib package's Symbols is not the table set")
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
