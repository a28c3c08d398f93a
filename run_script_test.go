package main

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gokernel/gokernel/interp"
	"github.com/gokernel/gokernel/mlstd/host"
	"github.com/gokernel/gokernel/mlstd/train"
)

func TestLoadScript(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      []string // substrings of the cell
		wantErr   string
		lines     bool // the cell keeps every line of src at its place
	}{
		{name: "statements", src: "x := 1\nfmt.Println(x)\n", want: []string{"x := 1\nfmt.Println(x)\n"}, lines: true},
		{name: "shebang", src: "#!/usr/bin/env -S gokernel run\nfmt.Println(1)\n", want: []string{"///usr/bin/env -S gokernel run\nfmt.Println(1)"}, lines: true},
		{name: "main", src: "package main\n\nfunc main() {\n\tmain2()\n}\n\nfunc main2() {}\n",
			want: []string{"func " + scriptMain + "() {", "\n" + scriptMain + "()\n"}, lines: true},
		{name: "inits run before main, in order", src: "package main\nfunc init() {}\nfunc main() {}\nfunc init() {}\n",
			want: []string{"func " + scriptInit + "1() {}", "func " + scriptInit + "2() {}", scriptInit + "1(); " + scriptInit + "2(); " + scriptMain + "()"}, lines: true},
		{name: "recursive main", src: "package main\nvar n = 0\nfunc main() {\n\tif n++; n < 3 {\n\t\tmain()\n\t}\n}\n",
			want: []string{"\t\t" + scriptMain + "()\n"}, lines: true},
		{name: "method named main stays", src: "package main\ntype T struct{}\nfunc (T) main() {}\nfunc main() { T{}.main() }\n",
			want: []string{"func (T) main() {}", "T{}.main()"}},
		{name: "shebang and package", src: "#!/usr/bin/env -S gokernel run\npackage main\nfunc main() {}\n", want: []string{"//", "func " + scriptMain}, lines: true},
		{name: "dependency order", src: "package main\n\nvar table = makeTable()\n\n// makeTable doc\nfunc makeTable() []int { return []int{n} }\n\nconst n = 3\n\nfunc main() {}\n",
			want: []string{"const n = 3\n// makeTable doc\nfunc makeTable() []int { return []int{n} }\nvar table = makeTable()\nfunc " + scriptMain + "() {}\n" + scriptMain + "()\n"}},
		{name: "funcs calling later funcs keep their place", src: "package main\n\nfunc main() { a() }\n\nfunc a() { b() }\n\nfunc b() {}\n", lines: true},
		{name: "not main", src: "package foo\nfunc main() {}\n", wantErr: "package foo is not a main package"},
		{name: "no main", src: "package main\nfunc f() {}\n", wantErr: "function main is undeclared"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc, err := loadScript("s.go", []byte(tc.src))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := sc.code
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("cell\n%s\nlacks %q", got, w)
				}
			}
			if tc.lines {
				src, cell := strings.Split(tc.src, "\n"), strings.Split(got, "\n")
				for i := range src {
					if i >= len(cell) || (src[i] != cell[i] && !strings.Contains(cell[i], "gokernel_") && !strings.HasPrefix(cell[i], "//")) {
						t.Fatalf("line %d moved: %q vs %q", i+1, src[i], cell[i])
					}
				}
			}
		})
	}
}

func TestLoadScriptLineMap(t *testing.T) {
	src := "package main\n\nimport \"fmt\"\n\nvar v = f(1)\n\nfunc f(n int) int {\n\treturn n\n}\n\nfunc main() { fmt.Println(v) }\n"
	sc, err := loadScript("s.go", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	orig := strings.Split(src, "\n")
	cell := strings.Split(strings.TrimSuffix(sc.code, "\n"), "\n")
	if len(sc.lines) != len(cell) {
		t.Fatalf("%d lines mapped for a %d-line cell", len(sc.lines), len(cell))
	}
	for i, l := range cell[:len(cell)-1] {
		if o := orig[sc.lines[i]-1]; o != l && !strings.Contains(l, scriptMain) {
			t.Errorf("cell line %d %q maps to file line %d %q", i+1, l, sc.lines[i], o)
		}
	}
	if !strings.Contains(sc.code, "func f(n int) int {\n\treturn n\n}\nvar v = f(1)") {
		t.Errorf("f was not moved before v:\n%s", sc.code)
	}
	if last := sc.lines[len(sc.lines)-1]; last != 11 {
		t.Errorf("the appended call maps to line %d, want 11 (func main)", last)
	}
}

func TestScriptExitAndMessage(t *testing.T) {
	for _, tc := range []struct {
		err      error
		code     int
		exited   bool
		contains string
	}{
		{nil, 0, false, ""},
		{&interp.ExitError{Code: 7, CellError: &interp.CellError{Name: "Exit", Value: "os.Exit(7)", Traceback: []string{"Exit: os.Exit(7)"}}}, 7, true, ""},
		{&interp.ExitError{Code: 0, CellError: &interp.CellError{Name: "Exit", Value: "os.Exit(0)", Traceback: []string{"Exit: os.Exit(0)"}}}, 0, true, ""},
		// os.Exit's text alone is a panic's value, not an exit.
		{&interp.CellError{Name: "panic", Value: "os.Exit(7)", Traceback: []string{"panic: os.Exit(7)"}}, 2, false, "panic: os.Exit(7)"},
		{&interp.CellError{Name: "panic", Value: "boom", Traceback: []string{"panic: boom", "  at cell 1, line 4: in " + scriptMain + "(...)"}}, 2, false, "panic: boom\n  at s.go:4: in main(...)"},
		{&interp.CellError{Name: "runtime error", Value: "index out of range", Traceback: []string{"runtime error: index out of range"}}, 2, false, "panic: runtime error: index out of range"},
		{&interp.CellError{Name: "runtime error", Value: "assignment to entry in nil map", Traceback: []string{"runtime error: assignment to entry in nil map"}}, 2, false, "panic: assignment to entry in nil map"},
		{&interp.CellError{Name: "SyntaxError", Value: "cell 1, line 3: expected operand", Traceback: []string{"cell 1, line 3: expected operand"}}, 1, false, "s.go:3: expected operand"},
		{&interp.CellError{Name: "CompileError", Value: "cell 1: undefined: y", Traceback: []string{"cell 1: undefined: y"}}, 1, false, "s.go: undefined: y"},
		{&interp.CellError{Name: "KeyboardInterrupt", Value: "interrupted by user", Traceback: []string{"KeyboardInterrupt: cell 1 was interrupted"}}, 130, false, "KeyboardInterrupt: interrupted by user"},
		{errors.New("run: open x.go: no such file"), 1, false, "no such file"},
	} {
		code, exited := scriptExit(tc.err)
		if code != tc.code || exited != tc.exited {
			t.Errorf("scriptExit(%v) = %d, %v; want %d, %v", tc.err, code, exited, tc.code, tc.exited)
		}
		if tc.err != nil && tc.contains != "" {
			if msg := (&script{file: "s.go"}).message(tc.err); !strings.Contains(msg, tc.contains) {
				t.Errorf("message(%v) = %q, want it to contain %q", tc.err, msg, tc.contains)
			}
		}
	}
}

func TestTerminalPassesThroughWhenPiped(t *testing.T) {
	var out, errb bytes.Buffer
	term := newTerminal(&out, &errb, false, false)
	w, live := term.textWriter(1)
	if live {
		t.Fatal("a piped stderr is not a live terminal")
	}
	in := "epoch 1/2  batch 3/9  10.0 it/s  ETA 1s  loss 0.5\nplain\npartial"
	for _, c := range []string{in[:10], in[10:30], in[30:]} {
		w.Write([]byte(c))
	}
	term.finish()
	if errb.String() != in || out.Len() != 0 {
		t.Fatalf("stderr %q stdout %q, want stderr %q unchanged", errb.String(), out.String(), in)
	}
}

func TestTerminalDrawsBarInPlace(t *testing.T) {
	var screen bytes.Buffer // one terminal behind both streams
	term := newTerminal(&screen, &screen, true, true)
	outw := term.stream(0)
	barw, live := term.textWriter(1)
	if !live {
		t.Fatal("stderr on a terminal should be live")
	}
	bar1 := "epoch 1/2  batch 3/9  10.0 it/s  ETA 1s  loss 0.5"
	bar2 := "epoch 1/2  batch 6/9  10.0 it/s  ETA 1s  loss 0.4"
	io.WriteString(barw, "\r"+bar1+eraseRight)
	io.WriteString(barw, "\r"+bar2+eraseRight)
	outw.Write([]byte("printed\n"))
	io.WriteString(barw, "\repoch 1/2  lo") // an epoch row, split
	io.WriteString(barw, "ss 0.4  (0:01)"+eraseRight+"\n")
	outw.Write([]byte("Name: ")) // a prompt shows at once
	term.finish()
	e := "\r\x1b[K"
	want := e + bar1 + e + bar2 + // drawn in place
		e + "printed\n" + e + bar2 + // other output goes above the bar
		e + "epoch 1/2  lo" + e + "epoch 1/2  loss 0.4  (0:01)\n" + // the epoch row takes its place
		"Name: "
	if got := screen.String(); got != want {
		t.Fatalf("screen\n%q\nwant\n%q", got, want)
	}

	// A bar still live at the end stays; an erased one is gone; a final
	// one is a plain line.
	screen.Reset()
	io.WriteString(barw, "\r"+bar1)
	term.finish()
	io.WriteString(barw, "\r"+bar1)
	io.WriteString(barw, "\r"+eraseRight)
	io.WriteString(barw, "\rinterrupted: epoch 2/2  10.0 it/s  0:03  loss 0.3"+eraseRight+"\n")
	outw.Write([]byte("after\n"))
	term.finish()
	want = e + bar1 + "\n" + e + bar1 + e + e + "interrupted: epoch 2/2  10.0 it/s  0:03  loss 0.3\n" + "after\n"
	if got := screen.String(); got != want {
		t.Fatalf("screen\n%q\nwant\n%q", got, want)
	}
}

// TestTerminalWithTrainProgress runs mlstd/train's Progress against the
// terminal's live writer through host.SetText, as the REPL and scripts do.
func TestTerminalWithTrainProgress(t *testing.T) {
	var screen bytes.Buffer
	term := newTerminal(&screen, &screen, true, true)
	host.SetText(term.textWriter(1))
	defer host.SetText(nil, false)
	p := train.NewProgress(2, 3)
	for i := 0; i < 3; i++ {
		p.Batch(1 / float64(i+1))
	}
	p.EndEpoch(map[string]float64{"loss": 0.6})
	p.Batch(0.25)
	p.Stop("interrupted")
	term.finish()
	got := screen.String()
	if strings.Contains(got, eraseRight+eraseRight) || strings.Count(got, "\x1b[K") != strings.Count(got, "\r") {
		t.Errorf("every draw should be one erase-and-write: %q", got)
	}
	lines := strings.Split(got, "\n")
	if len(lines) != 3 || lines[2] != "" {
		t.Fatalf("want an epoch row and a finished bar, got %q", got)
	}
	if !strings.Contains(lines[0], "\r\x1b[Kepoch 1/2  batch 1/3  ") || !strings.HasSuffix(lines[0], "\r\x1b[Kepoch 1/2  loss 0.6000  (0:00)") {
		t.Errorf("bar then the epoch row in its place: %q", lines[0])
	}
	if !strings.Contains(lines[1], "\r\x1b[Kinterrupted: epoch 2/2  ") || !strings.HasSuffix(lines[1], "loss 0.2500") {
		t.Errorf("the stopped bar was not drawn in place: %q", lines[1])
	}
}

// TestTerminalPublish: what a cell shows is saved as files and their
// paths printed; an update of the same display overwrites its file.
func TestTerminalPublish(t *testing.T) {
	var out bytes.Buffer
	term := newTerminal(&out, &out, false, false)
	term.files.dir = t.TempDir()
	term.files.nextCell()
	pub := term.output(nil)
	if !pub.TextOnly || pub.Publish == nil {
		t.Fatal("the terminal's Output should publish as text-only")
	}
	png := base64.StdEncoding.EncodeToString([]byte("\x89PNG fake"))
	show := func(typ, id string, data map[string]any) {
		c := map[string]any{"data": data, "metadata": map[string]any{}}
		if id != "" {
			c["transient"] = map[string]any{"display_id": id}
		}
		pub.Publish(typ, c)
	}
	show("display_data", "", map[string]any{"text/plain": "Figure", "image/png": png})
	show("display_data", "h", map[string]any{"text/plain": "just text"})
	show("update_display_data", "h", map[string]any{"text/plain": "svg", "image/svg+xml": "<svg/>"})
	pub.Publish("clear_output", map[string]any{"wait": true})
	d := term.files.dir
	want := "[image/png: " + filepath.Join(d, "out1-1.png") + "]\njust text\n[image/svg+xml: " + filepath.Join(d, "out1-2.svg") + "]\n"
	if out.String() != want {
		t.Fatalf("printed\n%q\nwant\n%q", out.String(), want)
	}
	if b, err := os.ReadFile(filepath.Join(d, "out1-1.png")); err != nil || string(b) != "\x89PNG fake" {
		t.Errorf("png file: %q %v", b, err)
	}
}

func TestTerminalPartialLine(t *testing.T) {
	var out bytes.Buffer
	term := newTerminal(&out, &out, true, true)
	w := term.stream(0)
	w.Write([]byte("line\nname"))
	w.Write([]byte("? "))
	if term.atLineStart(0) {
		t.Fatal("atLineStart after a partial line")
	}
	if got := term.takePartial(0); got != "name? " {
		t.Fatalf("takePartial = %q", got)
	}
	if !term.atLineStart(0) || term.takePartial(0) != "" {
		t.Fatal("the partial line was not forgotten")
	}
}
