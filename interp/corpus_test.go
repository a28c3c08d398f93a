package interp

import (
	"bufio"
	"context"
	"errors"
	"os"
	"strings"
	"testing"
)

type corpusProg struct {
	name  string
	cells []string
	wants []string
}

func parseCorpus(t *testing.T, path string) []corpusProg {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var progs []corpusProg
	var cur *corpusProg
	var buf []string
	mode := ""
	flush := func() {
		if cur == nil || mode == "" {
			return
		}
		text := strings.Join(buf, "\n")
		if mode == "cell" {
			cur.cells = append(cur.cells, text)
		} else {
			cur.wants = append(cur.wants, text)
		}
		buf, mode = nil, ""
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "=== "):
			flush()
			progs = append(progs, corpusProg{name: strings.TrimPrefix(line, "=== ")})
			cur = &progs[len(progs)-1]
		case line == "--- cell":
			flush()
			mode = "cell"
		case line == "--- want":
			flush()
			mode = "want"
		case mode != "":
			buf = append(buf, line)
		}
	}
	flush()
	return progs
}

// TestCorpus runs the cell programs in testdata/corpus.txt, each in a fresh
// session, comparing stdout plus "=> result" / "!! ErrorName" lines.
func TestCorpus(t *testing.T) {
	progs := parseCorpus(t, "testdata/corpus.txt")
	if len(progs) < 60 {
		t.Fatalf("corpus has %d programs, want at least 60", len(progs))
	}
	for _, p := range progs {
		t.Run(p.name, func(t *testing.T) {
			if len(p.cells) != len(p.wants) {
				t.Fatalf("%d cells but %d wants", len(p.cells), len(p.wants))
			}
			s := newSession(t)
			for i, code := range p.cells {
				var o syncBuf
				r, err := s.Execute(context.Background(), code, Output{Stdout: &o, Stderr: &o})
				got := o.String()
				if r != nil {
					got += "=> " + r["text/plain"].(string) + "\n"
				}
				if err != nil {
					name := err.Error()
					var ce *CellError
					if errors.As(err, &ce) {
						name = ce.Name
					}
					got += "!! " + name + "\n"
				}
				got = strings.TrimRight(got, "\n")
				want := strings.TrimRight(p.wants[i], "\n")
				if !match(want, got) {
					t.Errorf("cell %d:\n%s\n--- got\n%s\n--- want\n%s\n(error: %v)", i+1, code, got, want, err)
				}
			}
		})
	}
}

// match compares line by line; a want line ending in "*" matches any line
// with that prefix.
func match(want, got string) bool {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	if len(wl) != len(gl) {
		return false
	}
	for i := range wl {
		if p, ok := strings.CutSuffix(wl[i], "*"); ok {
			if !strings.HasPrefix(gl[i], p) {
				return false
			}
		} else if wl[i] != gl[i] {
			return false
		}
	}
	return true
}
