package interp

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestHelpQuery(t *testing.T) {
	for _, c := range []struct {
		code   string
		name   string
		detail int
		ok     bool
	}{
		{"fmt.Println?", "fmt.Println", 0, true},
		{"?fmt.Println", "fmt.Println", 0, true},
		{"fmt.Println??", "fmt.Println", 1, true},
		{"??fmt.Println", "fmt.Println", 1, true},
		{"  x?\n", "x", 0, true},
		{"m.Forward?", "m.Forward", 0, true},
		{"a ? b", "", 0, false},
		{"a?b", "", 0, false},
		{"?x?", "", 0, false},
		{"x???", "", 0, false},
		{"x", "", 0, false},
		{"?", "", 0, false},
		{"fmt.Println(1)?", "", 0, false},
		{"x?\ny?", "", 0, false},
	} {
		name, detail, ok := helpQuery(c.code)
		if name != c.name || detail != c.detail || ok != c.ok {
			t.Errorf("helpQuery(%q) = %q, %d, %v; want %q, %d, %v", c.code, name, detail, ok, c.name, c.detail, c.ok)
		}
	}
}

// pages runs code and returns the text/plain of each page it showed.
func pages(t *testing.T, s *Session, code string) ([]string, error) {
	t.Helper()
	var got []string
	_, err := s.Execute(context.Background(), code, Output{
		Show: func(e Event) { t.Errorf("%q showed %#v; want only pages", code, e) },
		Page: func(bundle map[string]any) {
			text, _ := bundle["text/plain"].(string)
			got = append(got, text)
		},
	})
	return got, err
}

func TestPager(t *testing.T) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	haveSrc := true
	if _, err := os.Stat(filepath.Join(runtime.GOROOT(), "src", "fmt")); err != nil {
		haveSrc = false
	}
	for _, code := range []string{"fmt.Println?", "?fmt.Println"} {
		got, err := pages(t, s, code)
		if err != nil || len(got) != 1 {
			t.Fatalf("%q: pages %q, err %v; want one page", code, got, err)
		}
		if !strings.HasPrefix(got[0], "func fmt.Println(") {
			t.Errorf("%q paged %q; want the signature first", code, got[0])
		}
		if haveSrc && !strings.Contains(got[0], "Println formats") {
			t.Errorf("%q paged %q; want the doc comment", code, got[0])
		}
		if strings.Contains(got[0], "Fprintln(os.Stdout") {
			t.Errorf("%q paged the source: %q", code, got[0])
		}
	}
	if haveSrc {
		got, err := pages(t, s, "fmt.Println??")
		if err != nil || len(got) != 1 || !strings.Contains(got[0], "Println formats") ||
			!strings.Contains(got[0], "func Println(a ...any) (n int, err error) {") {
			t.Errorf("fmt.Println??: pages %q, err %v; want doc and source", got, err)
		}
	}
	if _, err := s.Execute(context.Background(), "x := 41\ntype P struct{ X int }", Output{}); err != nil {
		t.Fatal(err)
	}
	if got, err := pages(t, s, "x?"); err != nil || len(got) != 1 || got[0] != "x int = 41" {
		t.Errorf("x?: pages %q, err %v; want [\"x int = 41\"]", got, err)
	}
	if got, err := pages(t, s, "P?"); err != nil || len(got) != 1 || !strings.Contains(got[0], "type P struct") {
		t.Errorf("P?: pages %q, err %v; want the cell's type declaration", got, err)
	}

	got, err := pages(t, s, "nosuch?")
	var ce *CellError
	if !errors.As(err, &ce) || ce.Name != "NameError" || !strings.Contains(ce.Value, "nosuch") || len(got) != 0 {
		t.Errorf("nosuch?: pages %q, err %v; want a NameError naming nosuch and no page", got, err)
	}
	got, err = pages(t, s, "x ? 1")
	if !errors.As(err, &ce) || ce.Name != "SyntaxError" || len(got) != 0 {
		t.Errorf("x ? 1: pages %q, err %v; want a SyntaxError (not Go), no page", got, err)
	}

	// A front end without Page gets the text on stdout.
	var buf bytes.Buffer
	if _, err := s.Execute(context.Background(), "strings.ToUpper?", Output{Stdout: &buf}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), "func strings.ToUpper(string) string") || !strings.HasSuffix(buf.String(), "\n") {
		t.Errorf("strings.ToUpper? without Page wrote %q", buf.String())
	}
}
