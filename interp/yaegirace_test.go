package interp

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// skipYaegiRace skips t in race builds when it is one of yaegiRaces.
func skipYaegiRace(t *testing.T) {
	if why, ok := yaegiRaces[t.Name()]; ok {
		t.Skip("race build: " + why)
	}
}

// TestYaegiRaceList checks that every test the race build skips exists
// (a renamed test would otherwise run, and fail, under -race) and that the
// list is empty outside race builds.
func TestYaegiRaceList(t *testing.T) {
	files, err := filepath.Glob("*_test.go")
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]bool{}
	for _, f := range files {
		af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range af.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && strings.HasPrefix(fd.Name.Name, "Test") {
				tests[fd.Name.Name] = true
			}
		}
	}
	for _, p := range parseCorpus(t, "testdata/corpus.txt") {
		tests["TestCorpus/"+strings.ReplaceAll(p.name, " ", "_")] = true
	}
	for name := range yaegiRaces {
		if !tests[name] {
			t.Errorf("yaegiRaces names %s, which is not a test (nor a TestCorpus program)", name)
		}
	}
}
