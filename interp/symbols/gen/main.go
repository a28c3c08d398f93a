// Command gen regenerates the yaegi symbol tables of package symbols and of
// its subpackage stdlib. Run it with `go generate ./interp/...` from
// anywhere in the module.
//
// Package symbols gets one `yaegi extract` run over every non-internal
// mlstd package plus the gonum and gonum/plot packages notebooks use.
// Package stdlib gets the tables of the standard library of the Go
// toolchain running gen: yaegi's extractor (the code of `yaegi extract`,
// from go.mod's yaegi) over `go list std`, less what stdPackages leaves
// out. The extractor type-checks each package and its dependencies from
// source, minutes of CPU, and the API only changes with Go's minor
// version, so gen skips it when the files say they come from the running
// minor version (GEN_STDLIB=1 forces it).
//
// yaegi writes each table as an init function filling a global map, which
// builds every table (and pages in the reflect data they reference) when
// the process starts, in programs that never run a cell. gen rewrites each
// init function into a constructor and writes an index, tables.go, from
// "path/name" to constructor; symbols.Table builds a package's table the
// first time a session's cell imports it.
package main

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/build"
	"go/format"
	"go/parser"
	"go/printer"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/gokernel/gokernel/internal/atomicfile"
	"github.com/traefik/yaegi/extract"
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

	symFiles, err := extractSymbols(pkgs)
	if err != nil {
		return err
	}
	if err := replace(".", "symbols", symFiles); err != nil {
		return err
	}
	// The standard library's API changes with Go's minor release only.
	idx, err := os.ReadFile(filepath.Join("stdlib", "fmt.go"))
	if err != nil || !bytes.Contains(idx, []byte(stdHeader())) || os.Getenv("GEN_STDLIB") != "" {
		std, err := stdPackages()
		if err != nil {
			return err
		}
		stdFiles, err := extractStdlib(std)
		if err != nil {
			return err
		}
		if err := replace("stdlib", "stdlib", stdFiles); err != nil {
			return err
		}
	}
	api, err := genericAPI()
	if err != nil {
		return err
	}
	// (After replace, which removes the generated files it did not write.)
	return atomicfile.Write(filepath.Join("stdlib", "generic.go"), api, 0o644)
}

// genericPackages are the standard packages whose generic API cells use
// (the engine provides it by rewriting, interp/slices.go).
var genericPackages = []string{"cmp", "iter", "maps", "slices"}

// genericAPI returns the source of stdlib/generic.go: the exported generic
// functions and types and the constraint interfaces of genericPackages,
// as the toolchain declares them, function bodies removed. yaegi's
// tables cannot hold them (a generic has no reflect value); the type check
// of a cell takes them from here.
func genericAPI() ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\n\npackage stdlib\n\n", strings.Replace(stdHeader(), " (yaegi extract)", "", 1))
	b.WriteString("// GenericAPI maps the import path of each of cmp, iter, maps and slices to\n")
	b.WriteString("// Go source declaring the package's exported generic functions (without\n")
	b.WriteString("// bodies), generic types and constraints, which no symbol table holds.\n")
	b.WriteString("var GenericAPI = map[string]string{\n")
	for _, p := range genericPackages {
		bp, err := build.Default.Import(p, "", 0)
		if err != nil {
			return nil, err
		}
		fset := token.NewFileSet()
		var decls bytes.Buffer
		for _, name := range bp.GoFiles {
			f, err := parser.ParseFile(fset, filepath.Join(bp.Dir, name), nil, 0)
			if err != nil {
				return nil, err
			}
			for _, d := range f.Decls {
				switch d := d.(type) {
				case *ast.FuncDecl:
					if d.Recv != nil || !d.Name.IsExported() || d.Type.TypeParams == nil {
						continue
					}
					d.Body = nil
					printer.Fprint(&decls, fset, d)
					decls.WriteString("\n")
				case *ast.GenDecl:
					for _, sp := range d.Specs {
						ts, ok := sp.(*ast.TypeSpec)
						if !ok || !ts.Name.IsExported() {
							continue
						}
						if _, iface := ts.Type.(*ast.InterfaceType); ts.TypeParams == nil && !iface {
							continue
						}
						decls.WriteString("type ")
						printer.Fprint(&decls, fset, ts)
						decls.WriteString("\n")
					}
				}
			}
		}
		src := "package " + bp.Name + "\n"
		for _, imp := range genericPackages {
			if strings.Contains(decls.String(), imp+".") {
				src += "import " + strconv.Quote(imp) + "\n"
			}
		}
		src += decls.String()
		if strings.Contains(src, "`") {
			return nil, fmt.Errorf("%s: a backquote in the declarations", p)
		}
		fmt.Fprintf(&b, "\t%q: `%s`,\n", p, src)
	}
	b.WriteString("}\n")
	return format.Source(b.Bytes())
}

// stdHeader is the first line of the generated files of package stdlib:
// it names the Go release they come from (major and minor version).
func stdHeader() string {
	v := runtime.Version()
	if parts := strings.SplitN(v, ".", 3); len(parts) == 3 {
		v = parts[0] + "." + parts[1]
	}
	return "// Code generated by gen from the standard library of " + v + " (yaegi extract). DO NOT EDIT."
}

// extractSymbols runs `yaegi extract` over pkgs and returns the rewritten
// files by name.
func extractSymbols(pkgs []string) (map[string][]byte, error) {
	// Extract into a hidden directory (the go tool ignores it), so the
	// package keeps compiling for everyone else while this runs.
	tmp, err := os.MkdirTemp(".", ".gen-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	args := append([]string{"run", "github.com/traefik/yaegi/cmd/yaegi", "extract", "-name", "symbols"}, pkgs...)
	cmd := exec.Command("go", args...)
	cmd.Dir = tmp
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("yaegi extract: %v", err)
	}
	fresh, err := filepath.Glob(filepath.Join(tmp, "*-*.go"))
	if err != nil || len(fresh) == 0 {
		return nil, fmt.Errorf("yaegi extract wrote no files (%v)", err)
	}
	files := map[string][]byte{}
	for _, f := range fresh {
		src, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		files[filepath.Base(f)] = src
	}
	return files, nil
}

// stdPackages lists the standard packages cells can import: `go list
// std` of the toolchain running gen, less internal and vendored packages
// and those a cell has no use for or must not have: unsafe and syscall
// (yaegi's own choice), os/exec (as in yaegi's stdlib: a cell runs shell
// commands through ! lines), and packages that only make sense to the
// compiler, the linker or `go test`.
func stdPackages() ([]string, error) {
	out, err := exec.Command("go", "list", "std").Output()
	if err != nil {
		return nil, fmt.Errorf("listing the standard packages: %v", err)
	}
	var pkgs []string
	for _, p := range strings.Fields(string(out)) {
		if strings.Contains(p, "internal") || strings.HasPrefix(p, "vendor/") || strings.HasPrefix(p, "syscall") ||
			stdExcluded[p] {
			continue
		}
		pkgs = append(pkgs, p)
	}
	return pkgs, nil
}

var stdExcluded = map[string]bool{
	"unsafe": true, "os/exec": true, "plugin": true, "embed": true,
	"runtime/cgo": true, "runtime/race": true, "runtime/coverage": true, "time/tzdata": true,
	"testing/synctest": true, "testing/cryptotest": true, "crypto/mlkem/mlkemtest": true,
}

// extractStdlib runs yaegi's extractor over the standard packages of the
// toolchain running gen (its go.mod version runs the same code as `yaegi
// extract`; the files restricted.go and maptypes.go hold the hand-written
// parts of yaegi's stdlib package) and returns the files by name, each
// saying which Go release it was extracted from. It type-checks every
// package from source, in parallel.
func extractStdlib(pkgs []string) (map[string][]byte, error) {
	var (
		mu    sync.Mutex
		files = map[string][]byte{}
		errs  []error
		wg    sync.WaitGroup
		sem   = make(chan struct{}, runtime.GOMAXPROCS(0))
	)
	header := stdHeader() + "\n"
	for _, p := range pkgs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			var b bytes.Buffer
			ext := extract.Extractor{Dest: "stdlib"}
			ipath, err := ext.Extract(p, "", &b)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Errorf("extracting %s: %v", p, err))
				return
			}
			src := b.Bytes()
			m := extractedRe.FindIndex(src)
			if m == nil {
				errs = append(errs, fmt.Errorf("extracting %s: unexpected header %q", p, src[:min(len(src), 80)]))
				return
			}
			files[strings.ReplaceAll(ipath, "/", "_")+".go"] = append([]byte(header), src[m[1]:]...)
		}()
	}
	wg.Wait()
	return files, errors.Join(errs...)
}

var (
	// extractedRe matches the first line of a file yaegi's extractor wrote.
	extractedRe = regexp.MustCompile(`^// Code generated by 'yaegi extract ([^']+)'\. DO NOT EDIT\.`)
	// initRe matches the start of the init function yaegi's extractor
	// writes for one package's table.
	initRe = regexp.MustCompile(`(?m)^func init\(\) \{\n\tSymbols\["([^"]+)"\] = map\[string\]reflect\.Value\{`)
	// buildRe matches the build constraint the extractor writes: the Go
	// version the tables were extracted with. go.mod asks for it, and Go
	// never removes exported API.
	buildRe = regexp.MustCompile(`(?m)^//(go:build|\s*\+build) .*\n`)
)

// replace rewrites the extracted files of package pkg in dir into
// constructors, writes them and the index tables.go, and removes the
// generated files no longer extracted.
func replace(dir, pkg string, extracted map[string][]byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	ctors := map[string]string{} // "path/name" -> constructor
	used := map[string]string{}  // constructor -> "path/name"
	out := map[string][]byte{}
	for name, src := range extracted {
		m := initRe.FindAllSubmatchIndex(src, -1)
		if len(m) != 1 {
			return fmt.Errorf("%s: want one table init function, found %d", name, len(m))
		}
		key := string(src[m[0][2]:m[0][3]])
		fn := "table_" + strings.NewReplacer("/", "_", ".", "_", "-", "_").Replace(filepath.Dir(key))
		if other, dup := used[fn]; dup {
			return fmt.Errorf("packages %s and %s both map to constructor %s", other, key, fn)
		}
		used[fn], ctors[key] = key, fn
		var b bytes.Buffer
		b.Write(src[:m[0][0]])
		fmt.Fprintf(&b, "// %s builds the symbol table of package %s.\nfunc %s() map[string]reflect.Value {\n\treturn map[string]reflect.Value{", fn, filepath.Dir(key), fn)
		b.Write(src[m[0][1]:])
		formatted, err := format.Source(buildRe.ReplaceAll(b.Bytes(), nil))
		if err != nil {
			return fmt.Errorf("%s: %v", name, err)
		}
		out[name] = formatted
	}
	keys := make([]string, 0, len(ctors))
	for k := range ctors {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var idx bytes.Buffer
	fmt.Fprintf(&idx, "// Code generated by gen (go generate ./interp/...). DO NOT EDIT.\n\npackage %s\n\nimport \"reflect\"\n\n", pkg)
	idx.WriteString("// Symbols maps \"import/path/name\" to the function building the symbol\n// table of that package (fresh maps on each call).\n")
	idx.WriteString("var Symbols = map[string]func() map[string]reflect.Value{\n")
	for _, k := range keys {
		fmt.Fprintf(&idx, "\t%q: %s,\n", k, ctors[k])
	}
	idx.WriteString("}\n")
	formatted, err := format.Source(idx.Bytes())
	if err != nil {
		return fmt.Errorf("tables.go: %v", err)
	}
	out["tables.go"] = formatted

	old, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return err
	}
	for _, f := range old {
		if _, keep := out[filepath.Base(f)]; keep {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		if bytes.HasPrefix(src, []byte("// Code generated by ")) {
			if err := os.Remove(f); err != nil {
				return err
			}
		}
	}
	for name, src := range out {
		if err := atomicfile.Write(filepath.Join(dir, name), src, 0o644); err != nil {
			return err
		}
	}
	return nil
}
