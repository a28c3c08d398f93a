package symbols

import (
	"reflect"
	"slices"

	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"os"
	"path"
	"path/filepath"
	"runtime"
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
		have, _ := Table(key)
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

// TestStdlibCoversYaegi checks that subpackage stdlib offers everything
// yaegi's stdlib.Symbols offers (the engine's standard packages before
// the tables came from the toolchain): its packages and names with the
// same values, the restricted replacements (os.Exit panics) and the
// interface map.
func TestStdlibCoversYaegi(t *testing.T) {
	ours := StdlibTables()
	if len(stdlib.Symbols) < 150 {
		t.Fatalf("only %d generated tables", len(stdlib.Symbols))
	}
	for key, theirs := range yaegistd.Symbols {
		have, ok := ours[key]
		if !ok {
			t.Errorf("package %s missing: run go generate ./interp/...", key)
			continue
		}
		for name, v := range theirs {
			w, ok := have[name]
			if !ok {
				if !strings.HasPrefix(name, "_") { // interface wrappers of methods Go has since changed
					t.Errorf("%s.%s missing", key, name)
				}
				continue
			}
			if v.Kind() != w.Kind() || v.Type().String() != w.Type().String() {
				if !strings.HasPrefix(name, "_") {
					t.Errorf("%s.%s: %v, yaegi has %v", key, name, w.Type(), v.Type())
				}
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
	if len(mt) < len(yaegistd.MapTypes) {
		t.Errorf("MapTypes has %d entries, yaegi's %d", len(mt), len(yaegistd.MapTypes))
	}
	if ours["github.com/traefik/yaegi/stdlib/stdlib"]["Symbols"].Len() != len(ours) {
		t.Error("the stdlib package's Symbols is not the table set")
	}
}

// TestStdlibCurrent fails when a standard package of the toolchain running
// the test has an exported non-generic identifier the tables lack (Go
// added API in a newer release): run GEN_STDLIB=1 go generate ./interp/...
func TestStdlibCurrent(t *testing.T) {
	tables := StdlibTables()
	for _, p := range []string{"strings", "bytes", "slices", "maps", "iter", "cmp", "fmt", "os", "time", "math/rand/v2",
		"sync", "sync/atomic", "unique", "weak", "reflect", "encoding/json", "net/http", "crypto/sha3", "go/types"} {
		bp, err := build.Default.Import(p, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		want := exported(t, bp.Dir, bp.GoFiles)
		have, ok := tables[p+"/"+path.Base(p)]
		if p == "math/rand/v2" {
			have, ok = tables["math/rand/v2/rand"]
		}
		if !ok {
			t.Errorf("no table for %s: run GEN_STDLIB=1 go generate ./interp/...", p)
			continue
		}
		var missing []string
		for name := range want {
			if _, ok := have[name]; !ok && !restricted[p+"/"+path.Base(p)+"."+name] {
				missing = append(missing, name)
			}
		}
		sort.Strings(missing)
		if len(missing) > 0 {
			t.Errorf("%s lacks %v (%s): run GEN_STDLIB=1 go generate ./interp/...", p, missing, runtime.Version())
		}
	}
	// Go 1.23-1.26 API cells use.
	for _, name := range []string{"strings/strings.Lines", "strings/strings.SplitSeq", "strings/strings.FieldsSeq",
		"bytes/bytes.Lines", "os/os.CopyFS", "reflect/reflect.SliceAt", "crypto/sha3/sha3.Sum256"} {
		key, sym, _ := strings.Cut(name, ".")
		if _, ok := tables[key][sym]; !ok {
			t.Errorf("%s missing", name)
		}
	}
}

// exported lists the exported non-generic top-level identifiers of the package in dir.
// With files, only those files count (the ones the build compiles).
func exported(t *testing.T, dir string, files ...[]string) map[string]bool {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, dir, func(fi os.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go") && (len(files) == 0 || slices.Contains(files[0], fi.Name()))
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
							if sp.Name.IsExported() && sp.TypeParams == nil && !constraint(sp.Type) {
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

// constraint reports whether t is an interface only usable as a type
// constraint (with a type union or ~T term): it has no reflect type.
func constraint(t ast.Expr) bool {
	it, ok := t.(*ast.InterfaceType)
	if !ok {
		return false
	}
	for _, f := range it.Methods.List {
		switch f.Type.(type) {
		case *ast.BinaryExpr, *ast.UnaryExpr:
			return len(f.Names) == 0
		}
	}
	return false
}
