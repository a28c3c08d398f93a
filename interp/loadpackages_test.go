package interp

import (
	"os"
	"strings"
	"testing"
)

// TestPackagesLoadedOnImport checks that a session starts with only the
// runtime helpers and fmt given to yaegi, without yaegi's generic sources,
// and that a package imported later carries the session's patches
// (runtimeSymbols) as yaegi's fixStdlib would have set them.
func TestPackagesLoadedOnImport(t *testing.T) {
	s := newSession(t)
	if len(s.loaded) != 2 || !s.loaded[rtPath] || !s.loaded["fmt"] {
		t.Errorf("packages loaded by New: %v, want only %s and fmt", s.loaded, rtPath)
	}
	if syms := s.yi.Symbols("slices")["slices"]; len(syms) != 0 {
		t.Errorf("yaegi compiled its generic slices source at New (%d symbols)", len(syms))
	}
	for _, c := range []struct{ code, want string }{
		{`import "os"` + "\n" + `os.Setenv("GK_LOAD_TEST", "v"); fmt.Println(os.Getenv("GK_LOAD_TEST"), os.ExpandEnv("$GK_LOAD_TEST"), os.Args[0])`, "v v gokernel\n"},
		{`v, ok := os.LookupEnv("GK_LOAD_TEST"); os.Unsetenv("GK_LOAD_TEST"); _, gone := os.LookupEnv("GK_LOAD_TEST"); fmt.Println(v, ok, gone)`, "v true false\n"},
		{`fmt.Printf("%T\n", os.Stdout); fmt.Fprintln(os.Stdout, "via os.Stdout")`, "*os.File\nvia os.Stdout\n"},
		{`import "math/bits"` + "\n" + `fmt.Println(bits.UintSize)`, "64\n"},
		{`import "flag"` + "\n" + `fmt.Println(flag.CommandLine.ErrorHandling() == flag.PanicOnError)`, "true\n"},
		{`import "cmp"` + "\n" + `func least[T cmp.Ordered](a, b T) T { if cmp.Less(b, a) { return b }; return a }` + "\n" + `fmt.Println(least(3, 2), least("b", "a"))`, "2 a\n"},
		{`import "strings"` + "\n" + `for l := range strings.Lines("a\nb\n") { fmt.Print(l) }`, "a\nb\n"},
	} {
		_, out, errOut, err := run(s, c.code)
		if err != nil || out != c.want {
			t.Errorf("%s\n  stdout %q, stderr %q, err %v; want stdout %q", c.code, out, errOut, err, c.want)
		}
	}
	if _, ok := os.LookupEnv("GK_LOAD_TEST"); ok {
		t.Error("os.Setenv in a cell changed the process's environment")
	}
	for _, p := range []string{"os", "math/bits", "flag", "cmp", "strings"} {
		if !s.loaded[p] {
			t.Errorf("%s not loaded after a cell imported it (loaded: %v)", p, s.loaded)
		}
	}
	for p := range s.loaded {
		if strings.Contains(p, "/mlstd/") || p == "net/http" {
			t.Errorf("%s loaded, though no cell imported it", p)
		}
	}
}
