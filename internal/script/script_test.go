package script

import (
	"errors"
	"strings"
	"testing"

	"github.com/gokernel/gokernel/interp"
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
