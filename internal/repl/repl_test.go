package repl

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gokernel/gokernel/interp"
)

func newTestREPL(t *testing.T) *repl {
	t.Helper()
	sess, err := interp.New(interp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sess.Close() })
	var out, errb bytes.Buffer
	term := newTerminal(&out, &errb, false, false)
	term.files.dir = t.TempDir()
	return &repl{sess: sess, term: term, stdout: &out, stderr: &errb}
}

func TestREPLCellDone(t *testing.T) {
	r := newTestREPL(t)
	for _, tc := range []struct {
		lines []string
		done  []bool
	}{
		{[]string{"x := 1"}, []bool{true}},
		{[]string{"func f() {", "}"}, []bool{false, true}},
		{[]string{"y := []int{", "1,", "}"}, []bool{false, false, true}},
		{[]string{"%who"}, []bool{true}},
		{[]string{"!ls {"}, []bool{true}},
		{[]string{"%%time", "x := 2", ""}, []bool{false, false, true}},
		{[]string{"x := )"}, []bool{true}}, // invalid: run it to show the error
	} {
		r.pending = nil
		for i, l := range tc.lines {
			if got := r.cellDone(l); got != tc.done[i] {
				t.Errorf("%q line %d: done = %v, want %v", tc.lines, i+1, got, tc.done[i])
			}
		}
	}
}

func TestREPLCompleter(t *testing.T) {
	r := newTestREPL(t)
	if _, err := r.sess.Execute(context.Background(), "func addTwo(a int) int { return a + 2 }\nlongName := 3", interp.Output{}); err != nil {
		t.Fatal(err)
	}
	c := completer{r}
	cands, n := c.Do([]rune("x := addT"), len("x := addT"))
	if n != 4 || !containsRunes(cands, "wo") {
		t.Errorf("Do(addT) = %q, %d; want the suffix \"wo\" of addTwo after 4 typed runes", runesList(cands), n)
	}
	cands, n = c.Do([]rune("fmt.Prin"), 8)
	if n != 4 || !containsRunes(cands, "tln") {
		t.Errorf("Do(fmt.Prin) = %q, %d; want \"tln\" (Println) after 4 typed runes", runesList(cands), n)
	}
	// Earlier lines of an unfinished cell are part of the context.
	r.pending = []string{"if true {"}
	cands, n = c.Do([]rune("\tlongN"), 6)
	if n != 5 || !containsRunes(cands, "ame") {
		t.Errorf("Do(longN) in a block = %q, %d", runesList(cands), n)
	}
	r.pending = nil
	if cands, n := c.Do([]rune("  "), 2); n != 0 || len(cands) != 1 || strings.TrimSpace(string(cands[0])) != "" {
		t.Errorf("Tab on a blank line should indent, got %q, %d", runesList(cands), n)
	}
}

func containsRunes(list [][]rune, s string) bool {
	for _, r := range list {
		if string(r) == s {
			return true
		}
	}
	return false
}

func runesList(list [][]rune) []string {
	var out []string
	for _, r := range list {
		out = append(out, string(r))
	}
	return out
}

func TestREPLSaveRich(t *testing.T) {
	r := newTestREPL(t)
	r.term.files.cell = 3
	png := []byte("\x89PNG\r\n\x1a\nnot really")
	got := r.term.files.save(map[string]any{
		"text/plain": "Figure",
		"image/png":  base64.StdEncoding.EncodeToString(png),
		"text/html":  "<img>",
	}, "")
	want := "image/png: " + filepath.Join(r.term.files.dir, "out3.png")
	if len(got) != 1 || got[0] != want {
		t.Fatalf("saveRich = %q, want [%q] (HTML beside an image is skipped)", got, want)
	}
	if b, err := os.ReadFile(filepath.Join(r.term.files.dir, "out3.png")); err != nil || !bytes.Equal(b, png) {
		t.Fatalf("png file: %v %q", err, b)
	}
	got = r.term.files.save(map[string]any{"text/plain": "t", "text/html": "<b>x</b>"}, "")
	if len(got) != 1 || !strings.HasSuffix(got[0], "out3.html") {
		t.Fatalf("html: %q", got)
	}
	if got := r.term.files.save(map[string]any{"text/plain": "42"}, ""); len(got) != 0 {
		t.Fatalf("plain value wrote files: %q", got)
	}
}

func TestREPLHistoryFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "history")
	// readline's format, from earlier versions: one line per entry.
	if err := os.WriteFile(path, []byte("x := 1\n\nfmt.Println(\"a\\nb\")\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	h := loadHistory(path)
	h.add("func f() {\n\treturn\n}")
	h.add("func f() {\n\treturn\n}") // a repeat is not kept twice
	h.add("  ")
	h.add(`s := "↵ stays"`)
	want := []string{"x := 1", `fmt.Println("a\nb")`, "func f() {\n\treturn\n}", `s := "↵ stays"`}
	if got := loadHistory(path).entries; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("entries after a reload: %q, want %q", got, want)
	}
	b, _ := os.ReadFile(path)
	if !strings.HasPrefix(string(b), historyHeader+"\n") {
		t.Errorf("the old file was not rewritten in the new format:\n%s", b)
	}
	// ↵ becomes a line break only in a line recalled from the history.
	if got := h.line(`s := "↵"`); got != `s := "↵"` {
		t.Errorf("a typed ↵ became %q", got)
	}
	h.recalled.Store(true)
	if got := h.line("if true {↵}"); got != "if true {\n}" {
		t.Errorf("a recalled line became %q", got)
	}
}

func TestREPLOpen(t *testing.T) {
	r := newTestREPL(t)
	dir := t.TempDir()
	log := filepath.Join(dir, "opened")
	viewer := filepath.Join(dir, "viewer.sh")
	if err := os.WriteFile(viewer, []byte("#!/bin/sh\necho \"$1\" > "+log+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOKERNEL_OPEN", viewer)
	r.term.files.cell = 1
	files := r.term.files.save(map[string]any{"text/plain": "x", "image/svg+xml": "<svg/>"}, "")
	if len(files) != 1 {
		t.Fatalf("saveRich: %q", files)
	}
	r.open("")
	want := filepath.Join(r.term.files.dir, "out1.svg") + "\n"
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, _ := os.ReadFile(log)
		if string(b) == want {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("viewer got %q, want %q", b, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := openFile(filepath.Join(dir, "missing.png")); err == nil {
		t.Error("opening a missing file did not fail")
	}
}

func TestREPLExecute(t *testing.T) {
	r := newTestREPL(t)
	out, errb := r.stdout.(*bytes.Buffer), r.stderr.(*bytes.Buffer)
	ctx := context.Background()
	r.execute(ctx, "x := 20\nx + 22")
	if out.String() != "42\n" || errb.Len() != 0 {
		t.Fatalf("value: stdout %q stderr %q", out, errb)
	}
	out.Reset()
	r.execute(ctx, `fmt.Print("no newline")`)
	if out.String() != "no newline\n" {
		t.Errorf("output without a final newline should get one before the prompt: %q", out)
	}
	out.Reset()
	r.execute(ctx, "undefinedName + 1")
	if out.Len() != 0 || !strings.Contains(errb.String(), "undefined: undefinedName") {
		t.Errorf("error: stdout %q stderr %q", out, errb)
	}
	out.Reset()
	r.execute(ctx, `chart.Line("loss", []float64{3, 2, 1})`)
	if !strings.Contains(out.String(), "[image/png: "+r.term.files.dir) || len(r.term.files.saved) != 1 {
		t.Fatalf("a chart result should be saved as a PNG: %q", out)
	}
	if b, err := os.ReadFile(r.term.files.saved[0]); err != nil || !bytes.HasPrefix(b, []byte("\x89PNG")) {
		t.Errorf("saved chart is not a PNG: %v", err)
	}
	// A chart shown mid-cell is saved too, before the text printed after it.
	out.Reset()
	r.execute(ctx, `display.Show(chart.Line("loss", []float64{3, 2, 1})); fmt.Println("after")`)
	if want := "[image/png: " + filepath.Join(r.term.files.dir, fmt.Sprintf("out%d-1.png", r.term.files.cell)) + "]\nafter\n"; out.String() != want {
		t.Errorf("display.Show in the REPL printed %q, want %q", out, want)
	}
}

// TestRunScriptProgressInTerminal runs a training script on a real
// terminal: the bar is redrawn in place — the screen never shows more
// than one bar line, though it changes — and each epoch row replaces it.
