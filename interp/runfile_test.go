package interp

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// runFile runs src as the file name in a new session and returns stdout
// and RunFile's error.
func runFile(t *testing.T, name, src string) (string, error) {
	t.Helper()
	s := newSession(t)
	var out, errb bytes.Buffer
	err := s.RunFile(context.Background(), name, []byte(src), Output{Stdout: &out, Stderr: &errb})
	return out.String(), err
}

// A package main file runs as Go runs it: declarations in dependency
// order, whatever the file's order, then the inits in order, then main.
func TestRunFileOrder(t *testing.T) {
	for _, tc := range []struct {
		name, src, want string
	}{
		{"dependency order", "package main\n\nimport \"fmt\"\n\nvar table = makeTable()\n\n// makeTable doc\nfunc makeTable() []int { return []int{n} }\n\nconst n = 3\n\nfunc main() { fmt.Println(table) }\n", "[3]\n"},
		{"a func reads a var declared below it", "package main\n\nimport \"fmt\"\n\nfunc show() { fmt.Println(\"limit\", limit, table[\"a\"]) }\n\nconst limit = 10\n\nvar table = makeTable()\n\nfunc makeTable() map[string]int { return map[string]int{\"a\": limit} }\n\nfunc main() { show() }\n", "limit 10 10\n"},
		// Go initializes w before v: v's value reaches w through f and g.
		{"vars through funcs", "package main\n\nimport \"fmt\"\n\nvar v = f()\n\nfunc f() int { return g() + 1 }\n\nvar w = 41\n\nfunc g() int { return w }\n\nfunc main() { fmt.Println(v, w) }\n", "42 41\n"},
		{"funcs calling each other across vars", "package main\n\nimport \"fmt\"\n\nfunc even(n int) bool { return n == 0 || odd(n-1) }\n\nvar start = 10\n\nfunc odd(n int) bool { return n != 0 && even(n-1) }\n\nfunc main() { fmt.Println(even(start), odd(start)) }\n", "true false\n"},
		{"a var uses a method declared below it", "package main\n\nimport \"fmt\"\n\nvar area = rect{2, 3}.area()\n\ntype rect struct{ w, h int }\n\nfunc (r rect) area() int { return r.w * r.h * scale }\n\nvar scale = 7\n\nfunc main() { fmt.Println(area) }\n", "42\n"},
		{"inits run before main, in order", "package main\n\nimport \"fmt\"\n\nfunc init() { fmt.Println(\"init 1\", x) }\n\nfunc main() { fmt.Println(\"main\") }\n\nvar x = 5\n\nfunc init() { fmt.Println(\"init 2\") }\n", "init 1 5\ninit 2\nmain\n"},
		{"main called again", "package main\n\nimport \"fmt\"\n\nvar n = 0\n\nfunc main() {\n\tif n++; n < 3 {\n\t\tmain()\n\t}\n\tfmt.Println(n)\n}\n", "3\n3\n3\n"},
		{"a method named main stays", "package main\n\nimport \"fmt\"\n\ntype T struct{}\n\nfunc (T) main() { fmt.Println(\"method\") }\n\nfunc main() { T{}.main() }\n", "method\n"},
		{"shebang", "#!/usr/bin/env -S gokernel run\npackage main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hi\") }\n", "hi\n"},
		{"a cell", "#!/usr/bin/env -S gokernel run\nx := 2\nfunc twice(n int) int { return 2 * n }\nfmt.Println(twice(x))\n", "4\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := runFile(t, "p.go", tc.src)
			if err != nil || out != tc.want {
				t.Errorf("stdout %q, err %v; want %q", out, err, tc.want)
			}
		})
	}
}

// Every way a program ends is an *ExitError with the compiled program's
// exit status and what it prints on stderr, positions in the file and
// functions by their Go names.
func TestRunFileExit(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		code      int
		report    []string // substrings of Report; none: empty
	}{
		{"returns", "package main\n\nfunc main() {}\n", 0, nil},
		{"os.Exit", "package main\n\nimport \"os\"\n\nfunc main() { os.Exit(3) }\n", 3, nil},
		{"log.Fatal", "package main\n\nimport \"log\"\n\nfunc main() { log.Fatal(\"no\") }\n", 1, nil},
		{"panic in main", "package main\n\nfunc main() {\n\tboom()\n}\n\nfunc boom() {\n\tpanic(\"boom\")\n}\n", 2, []string{"panic: boom\n", "p.go:8, in boom", "in main"}},
		{"runtime error", "package main\n\nfunc main() {\n\tvar m map[string]int\n\tm[\"a\"] = 1\n}\n", 2, []string{"panic: assignment to entry in nil map"}},
		{"panic in init", "package main\n\nfunc init() {\n\tpanic(\"early\")\n}\n\nfunc main() {}\n", 2, []string{"panic: early", "p.go:4, in init"}},
		{"compile error", "package main\n\nvar v = f(1)\n\nfunc f(n int) int {\n\treturn n + undefinedThing\n}\n\nfunc main() {}\n", 1, []string{"p.go:6: undefined: undefinedThing"}},
		{"type error", "package main\n\nfunc main() {\n\tvar s string = 5\n\t_ = s\n}\n", 1, []string{"p.go:4: "}},
		{"syntax error", "package main\n\nfunc main() {\n\tx := \n}\n", 1, []string{"p.go:5"}},
		{"statement outside a function", "package main\n\nimport \"fmt\"\n\nfmt.Println(1)\n\nfunc main() {}\n", 1, []string{"p.go:5: syntax error: non-declaration statement outside function body"}},
		{"not main", "package lib\n\nfunc F() {}\n", 1, []string{"p.go: package lib is not a main package"}},
		{"no main", "package main\n\nfunc f() {}\n", 1, []string{"p.go: function main is undeclared in the main package"}},
		{"recursion", "package main\n\nfunc rec(n int) int {\n\treturn rec(n+1) + 1\n}\n\nfunc main() { rec(0) }\n", 2, []string{"runtime: goroutine stack exceeds", "fatal error: stack overflow", "in rec (p.go:"}},
		{"cell panic", "x := 1\n_ = x\npanic(\"boom\")\n", 2, []string{"panic: boom", "p.go:3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := runFile(t, "p.go", tc.src)
			if tc.code == 0 {
				if err != nil {
					t.Fatalf("err %v", err)
				}
				return
			}
			var ee *ExitError
			if !errors.As(err, &ee) {
				t.Fatalf("err %v (%T), want an *ExitError", err, err)
			}
			if ee.Code != tc.code {
				t.Errorf("Code %d, want %d (report %q)", ee.Code, tc.code, ee.Report)
			}
			if tc.report == nil && ee.Report != "" {
				t.Errorf("Report %q, want none", ee.Report)
			}
			for _, w := range tc.report {
				if !strings.Contains(ee.Report, w) {
					t.Errorf("Report %q lacks %q", ee.Report, w)
				}
			}
			if strings.Contains(ee.Report, "cell 1,") || strings.Contains(ee.Report, "cell 1:") || strings.Contains(ee.Report, entryMain) || strings.Contains(ee.Report, entryInit) {
				t.Errorf("Report %q speaks of the engine's cell or names", ee.Report)
			}
		})
	}
}

// An interrupted program ends with Interrupted (a compiled one dies of
// SIGINT); a panic in a goroutine reaches Options.GoPanic as the program's
// end.
func TestRunFileInterruptAndGoPanic(t *testing.T) {
	s := newSession(t)
	go func() {
		time.Sleep(200 * time.Millisecond)
		s.Interrupt()
	}()
	err := s.RunFile(context.Background(), "loop.go", []byte("package main\n\nfunc main() {\n\tfor {\n\t}\n}\n"), Output{})
	var ee *ExitError
	if !errors.As(err, &ee) || !ee.Interrupted || ee.Code != 130 || !strings.Contains(ee.Report, "KeyboardInterrupt") {
		t.Fatalf("interrupted program: %#v", err)
	}

	got := make(chan error, 1)
	s2, err := New(Options{GoPanic: func(err error) { got <- err }})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	go s2.RunFile(context.Background(), "g.go", []byte("package main\n\nimport \"time\"\n\nfunc main() {\n\tgo func() {\n\t\tpanic(\"in goroutine\")\n\t}()\n\ttime.Sleep(5 * time.Second)\n}\n"), Output{})
	select {
	case err := <-got:
		if !errors.As(err, &ee) || ee.Code != 2 || !strings.HasPrefix(ee.Report, "panic: in goroutine\n") || !strings.Contains(ee.Report, "g.go:7") {
			t.Errorf("GoPanic got %#v", err)
		}
	case <-time.After(4 * time.Second):
		t.Fatal("GoPanic was not called")
	}
}

// A program whose goroutines all wait on each other ends as Go's: status
// 2, "fatal error: all goroutines are asleep - deadlock!". One waiting on
// a channel, which a timer might feed, is not stopped but noted on stderr
// after deadlockNote (which also names the first program's goroutine, left
// waiting in this process).
func TestRunFileDeadlock(t *testing.T) {
	start := time.Now()
	_, err := runFile(t, "d.go", "package main\n\nimport \"sync\"\n\nfunc main() {\n\tvar wg sync.WaitGroup\n\twg.Add(1)\n\twg.Wait()\n}\n")
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Code != 2 || ee.Report != "fatal error: all goroutines are asleep - deadlock!\n\nmain [sync.WaitGroup.Wait]" {
		t.Fatalf("deadlock: %#v", err)
	}
	if took := time.Since(start); took > 3*deadlockEvery+time.Second {
		t.Errorf("the deadlock was found after %v", took)
	}

	s := newSession(t)
	var errb syncBuf
	go func() {
		for !strings.Contains(errb.String(), "note: every goroutine") && time.Since(start) < 30*time.Second {
			time.Sleep(50 * time.Millisecond)
		}
		s.Interrupt()
	}()
	err = s.RunFile(context.Background(), "c.go", []byte("package main\n\nfunc main() {\n\tch := make(chan int)\n\t<-ch\n}\n"), Output{Stderr: &errb})
	if !errors.As(err, &ee) || !ee.Interrupted || !strings.Contains(errb.String(), "c.go has been waiting for 5s (main [select], goroutine [sync.WaitGroup.Wait]);") {
		t.Errorf("channel wait: %#v, stderr %q", err, errb.String())
	}
}
