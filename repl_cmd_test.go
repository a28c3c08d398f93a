package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
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

// tmuxPane drives the REPL in a real terminal (tmux).
type tmuxPane struct {
	t      *testing.T
	socket string
	name   string // the session
	env    []string
}

func requireTmux(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("GOKERNEL_REQUIRE_CLIENTS") == "1" {
			t.Fatal("tmux is required (GOKERNEL_REQUIRE_CLIENTS=1) but not installed")
		}
		t.Skip("tmux not installed (apt-get install tmux); the REPL terminal test needs it")
	}
}

func (p *tmuxPane) tmux(args ...string) string {
	p.t.Helper()
	cmd := exec.Command("tmux", append([]string{"-L", p.socket, "-f", "/dev/null"}, args...)...)
	cmd.Env = p.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		p.t.Fatalf("tmux %q: %v: %s", args, err, out)
	}
	return string(out)
}

// start runs command in a new 100×40 window whose pane stays after exit.
func (p *tmuxPane) start(command ...string) {
	p.tmux(append([]string{"new-session", "-d", "-s", p.name, "-x", "100", "-y", "40"}, command...)...)
	p.tmux("set-option", "-t", p.name, "remain-on-exit", "on")
}

func (p *tmuxPane) keys(keys ...string) {
	p.tmux(append([]string{"send-keys", "-t", p.name}, keys...)...)
}

// typ types text literally and then presses Enter.
func (p *tmuxPane) typ(text string) {
	p.tmux("send-keys", "-t", p.name, "-l", text)
	p.keys("Enter")
}

func (p *tmuxPane) screen() string { return p.tmux("capture-pane", "-p", "-t", p.name) }

// waitLine waits until the screen has a line equal to line (trailing
// spaces ignored) after the first `after` such lines.
func (p *tmuxPane) waitLine(line string, count int) string {
	p.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		s := p.screen()
		n := 0
		for _, l := range strings.Split(s, "\n") {
			if strings.TrimRight(l, " ") == line {
				n++
			}
		}
		if n >= count {
			return s
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("no line %q (×%d) on the screen:\n%s", line, count, s)
		}
		time.Sleep(40 * time.Millisecond)
	}
}

func (p *tmuxPane) waitDead() int {
	p.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var dead, status int
		fmt.Sscan(p.tmux("display-message", "-p", "-t", p.name, "#{pane_dead} #{pane_dead_status}"), &dead, &status)
		if dead == 1 {
			return status
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("the REPL did not exit; screen:\n%s", p.screen())
		}
		time.Sleep(40 * time.Millisecond)
	}
}

func TestREPLInTerminal(t *testing.T) {
	requireTmux(t)
	bin := gokernelBinary(t)
	cfg := t.TempDir()
	p := &tmuxPane{t: t, socket: fmt.Sprintf("gokernel-test-%d", os.Getpid()), name: "repl1",
		env: append(os.Environ(), "XDG_CONFIG_HOME="+cfg, "TERM=xterm")}
	t.Cleanup(func() { exec.Command("tmux", "-L", p.socket, "kill-server").Run() })

	p.start(bin) // no arguments: the REPL
	p.waitLine("go>", 1)
	p.typ("func add(a, b int) int {")
	p.typ("return a + b")
	p.typ("}")
	p.typ("add(2, 40)")
	s := p.waitLine("42", 1)
	for _, want := range []string{"go> func add(a, b int) int {", "...> return a + b", "...> }", "go> add(2, 40)"} {
		if !strings.Contains(s, want+"\n") {
			t.Errorf("screen lacks %q:\n%s", want, s)
		}
	}

	// Tab completes the function's name from the engine.
	p.tmux("send-keys", "-t", p.name, "-l", "ad")
	p.keys("Tab")
	p.typ("(1, 1)")
	s = p.waitLine("2", 1)
	if !strings.Contains(s, "go> add(1, 1)\n") {
		t.Errorf("Tab did not complete add:\n%s", s)
	}

	// Ctrl-C stops a running loop and keeps the session.
	p.typ("for {}")
	time.Sleep(300 * time.Millisecond)
	p.keys("C-c")
	p.typ("add(3, 4)")
	s = p.waitLine("7", 1)
	if !strings.Contains(s, "KeyboardInterrupt") {
		t.Errorf("no KeyboardInterrupt after Ctrl-C:\n%s", s)
	}

	// Ctrl-C at the prompt throws the line away.
	p.tmux("send-keys", "-t", p.name, "-l", "this is not Go")
	p.keys("C-c")
	p.typ("add(5, 5)")
	s = p.waitLine("10", 1)
	if i := strings.Index(s, "go> add(3, 4)"); i < 0 || strings.Contains(s[i:], "cell ") {
		t.Errorf("the line cleared with Ctrl-C ran (an engine error names its cell):\n%s", s)
	}

	// Ctrl-D exits with status 0.
	p.keys("C-d")
	if status := p.waitDead(); status != 0 {
		t.Errorf("exit status %d after Ctrl-D", status)
	}

	// History survives a restart: Up brings back the last line.
	p.name = "repl2"
	p.start(bin, "repl")
	p.waitLine("go>", 1)
	p.keys("Up")
	p.waitLine("go> add(5, 5)", 1)
	p.keys("C-c")
	p.waitLine("go>", 1)
	p.keys("C-d")
	p.waitDead()
	hist, err := os.ReadFile(filepath.Join(cfg, "gokernel", "history"))
	if err != nil || !strings.Contains(string(hist), `"func add(a, b int) int {\nreturn a + b\n}"`+"\n") || strings.Contains(string(hist), "this is not Go") {
		t.Errorf("history file: %v\n%s", err, hist)
	}
}

// History recalls whole entries: Up after a multi-line function gives the
// function (its line breaks shown as ↵), not its last line "}"; Enter runs
// all of it; after a restart the entries are still whole.
func TestREPLHistoryWholeEntries(t *testing.T) {
	requireTmux(t)
	bin := gokernelBinary(t)
	cfg := t.TempDir()
	p := &tmuxPane{t: t, socket: fmt.Sprintf("gokernel-test-%d", os.Getpid()), name: "hist1",
		env: append(os.Environ(), "XDG_CONFIG_HOME="+cfg, "TERM=xterm")}
	t.Cleanup(func() { exec.Command("tmux", "-L", p.socket, "kill-server").Run() })
	recalled := "go> func twice(n int) int {" + lineBreakMark + "return 2 * n" + lineBreakMark + "}"

	p.start(bin)
	p.waitLine("go>", 1)
	p.typ("func twice(n int) int {")
	p.typ("return 2 * n")
	p.typ("}")
	p.typ("twice(21)")
	p.waitLine("42", 1)
	p.keys("Up")
	p.waitLine("go> twice(21)", 2)
	p.keys("Up")
	p.waitLine(recalled, 1)
	p.keys("Enter") // defines twice again, from the one recalled entry
	p.typ("twice(4)")
	s := p.waitLine("8", 1)
	if strings.Contains(s, "Error") || strings.Contains(s, "cell ") {
		t.Fatalf("running the recalled entry failed:\n%s", s)
	}
	p.keys("C-d")
	p.waitDead()

	p.name = "hist2"
	p.start(bin)
	p.waitLine("go>", 1)
	p.keys("Up")
	p.waitLine("go> twice(4)", 1)
	p.keys("Up")
	p.waitLine(recalled, 1)
	p.keys("Up", "Up")
	p.waitLine(recalled, 1) // the first entry: the same function, as typed
	p.keys("Enter")
	p.typ("twice(50)")
	p.waitLine("100", 1)
	p.keys("C-d")
	p.waitDead()
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
func TestRunScriptProgressInTerminal(t *testing.T) {
	requireTmux(t)
	dir := t.TempDir()
	script := writeScript(t, dir, "fit.go", fitScript)
	p := &tmuxPane{t: t, socket: fmt.Sprintf("gokernel-test-%d", os.Getpid()), name: "fit",
		env: append(os.Environ(), "TERM=xterm")}
	t.Cleanup(func() { exec.Command("tmux", "-L", p.socket, "kill-server").Run() })
	p.start(gokernelBinary(t), "run", script)
	bars := map[string]bool{}
	deadline := time.Now().Add(30 * time.Second)
	var s string
	for {
		s = p.screen()
		n := 0
		for _, l := range strings.Split(s, "\n") {
			if strings.Contains(l, "  batch ") {
				n++
				bars[strings.TrimRight(l, " ")] = true
			}
		}
		if n > 1 {
			t.Fatalf("%d bar lines on the screen; want the bar redrawn in place:\n%s", n, s)
		}
		if strings.Contains(s, "\ndone\n") || time.Now().After(deadline) {
			break
		}
		time.Sleep(30 * time.Millisecond)
	}
	if status := p.waitDead(); status != 0 {
		t.Fatalf("exit %d:\n%s", status, s)
	}
	if len(bars) < 3 {
		t.Errorf("saw %d bar states in 1.2 s of training; want it redrawn every 200 ms: %v", len(bars), bars)
	}
	var rows []string
	// With history (-S -): when the pane dies tmux may scroll its top line away.
	final := p.tmux("capture-pane", "-p", "-S", "-", "-t", p.name)
	for _, l := range strings.Split(strings.TrimRight(final, "\n"), "\n") {
		if l = strings.TrimRight(l, " "); l != "" && !strings.HasPrefix(l, "Pane is dead") {
			rows = append(rows, l)
		}
	}
	if len(rows) != 4 || rows[0] != "training" || !strings.HasPrefix(rows[1], "epoch 1/2  loss ") ||
		!strings.HasPrefix(rows[2], "epoch 2/2  loss ") || rows[3] != "done" {
		t.Errorf("final screen: want training, two epoch rows, done; got %q", rows)
	}
}
