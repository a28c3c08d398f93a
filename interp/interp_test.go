package interp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *syncBuf) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncBuf) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

func newSession(t *testing.T) *Session {
	t.Helper()
	skipYaegiRace(t)
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// run executes one cell and returns its text result, stdout, stderr and error.
func run(s *Session, code string) (res, stdout, stderr string, err error) {
	var o, e syncBuf
	r, err := s.Execute(context.Background(), code, Output{Stdout: &o, Stderr: &e})
	if r != nil {
		res = fmt.Sprint(r["text/plain"])
	}
	return res, o.String(), e.String(), err
}

type cellCase struct {
	code    string
	result  string // expected text/plain result ("" = none)
	stdout  string // expected stdout (exact)
	errName string // expected CellError.Name ("" = success)
	errHas  string // substring of the error value
}

func runCases(t *testing.T, cases []cellCase) {
	t.Helper()
	s := newSession(t)
	for i, c := range cases {
		res, out, _, err := run(s, c.code)
		if c.errName == "" && err != nil {
			t.Fatalf("cell %d %q: unexpected error %v", i+1, c.code, err)
		}
		if c.errName != "" {
			ce, ok := err.(*CellError)
			if !ok {
				t.Fatalf("cell %d %q: want %s error, got %v (result %q)", i+1, c.code, c.errName, err, res)
			}
			if ce.Name != c.errName || !strings.Contains(ce.Value, c.errHas) || len(ce.Traceback) == 0 {
				t.Fatalf("cell %d %q: want %s containing %q, got %s: %q (tb %q)", i+1, c.code, c.errName, c.errHas, ce.Name, ce.Value, ce.Traceback)
			}
			continue
		}
		if res != c.result {
			t.Errorf("cell %d %q: result %q, want %q", i+1, c.code, res, c.result)
		}
		if out != c.stdout {
			t.Errorf("cell %d %q: stdout %q, want %q", i+1, c.code, out, c.stdout)
		}
	}
}

func TestStateAndMixedCells(t *testing.T) {
	runCases(t, []cellCase{
		{code: "x := 41", result: ""},
		{code: "x++\nx", result: "42"},
		{code: "import \"strings\"\nstrings.ToUpper(\"hi\")", result: "HI"},
		{code: "import \"strings\"\nstrings.Repeat(\"a\", 3)", result: "aaa"}, // re-import is fine
		{code: "func sq(a int) int { return a * a }\ntype P struct{ X, Y int }\nfunc (p P) Sum() int { return sq(p.X) + p.Y }\np := P{2, 3}\np.Sum()", result: "7"},
		{code: "a := 1; b := 2\nfunc add(x, y int) int { return x + y }\nadd(a, b)", result: "3"},
		{code: "fmt.Println(\"auto\", math.Sqrt(16), strings.ToLower(\"X\"), time.Second)", stdout: "auto 4 x 1s\n"},
		{code: "fmt.Println(\"statement\")", stdout: "statement\n"},
		{code: "var y = 3\ny * 2", result: "6"},
		{code: "package main\nconst C = 10\nC + 1", result: "11"},
	})
}

func TestRedefinition(t *testing.T) {
	runCases(t, []cellCase{
		{code: "func f() int { return 1 }\nfunc g() int { return f() * 10 }\ng()", result: "10"},
		{code: "func f() int { return 2 }\ng()", result: "20"}, // callers use the new body
		{code: "n := 5\nget := func() int { return n }\nn := 100\nget()", result: "100"},
		{code: "x := 1\nx := \"s\"\nx", result: "s"}, // type changes fall back to a new variable
		{code: "type T struct{ A int }\nT{1}", result: "{1}"},
		{code: "type T struct{ A int }\nT{2}", result: "{2}"},                    // identical re-run is fine
		{code: "type T struct{ A int; B string }\nT{3, \"b\"}", result: "{3 b}"}, // a changed type: a new type (retype.go)
		{code: "func (t T) M() int { return 1 }\nT{}.M()", result: "1"},
		{code: "func (t T) M() int { return 2 }", errName: "RedefinitionError", errHas: "method T.M"},
	})
}

func TestModernGo(t *testing.T) {
	runCases(t, []cellCase{
		{code: "for i := range 3 { fmt.Print(i) }", stdout: "012"},
		{code: "n := 4\nfor i := range n { fmt.Print(i) }", stdout: "0123"},
		{code: "func count(k int) int { s := 0; for i := range k { s += i }; return s }\ncount(5)", result: "10"},
		{code: "var fs []func() int\nfor i := 0; i < 3; i++ { fs = append(fs, func() int { return i }) }\nfmt.Println(fs[0](), fs[1](), fs[2]())", stdout: "0 1 2\n"},
		{code: "var gs []func() string\nfor _, s := range []string{\"a\", \"b\"} { gs = append(gs, func() string { return s }) }\ngs[0]() + gs[1]()", result: "ab"},
		{code: "fl := 2.5\nmin(3, 1, 2)", result: "1"}, // constant-only min: folded by the rewriter
		{code: "max(fl, 1)", result: "2.5"},
		{code: "k := 7\nmin(k, 3, 9)", result: "3"},
		{code: "m := map[string]int{\"a\": 1, \"b\": 2}\nv, ok := m[\"a\"]\nfmt.Println(v, ok)", stdout: "1 true\n"},
		{code: "_, ok2 := m[\"zz\"]\nok2", result: "false"},
		{code: "var q any = \"str\"\ns, isStr := q.(string)\nfmt.Println(s, isStr)", stdout: "str true\n"},
		{code: "switch z := q.(type) {\ncase int:\n\tfmt.Println(\"int\", z)\ncase string:\n\tfmt.Println(\"string\", z)\n}", stdout: "string str\n"},
		{code: "if w, ok := m[\"b\"]; ok { fmt.Println(w) }", stdout: "2\n"},
		{code: "cc := make(chan int, 1)\ncc <- 8\nclose(cc)\nfunc() { cv, cok := <-cc; cv2, cok2 := <-cc; fmt.Println(cv, cok, cv2, cok2) }()", stdout: "8 true 0 false\n"},
		{code: "clear(m)\nlen(m)", result: "0"},
		{code: "func Map[T, U any](xs []T, f func(T) U) []U { var out []U; for _, x := range xs { out = append(out, f(x)) }; return out }\nMap[int, string]([]int{1, 2}, func(i int) string { return fmt.Sprint(i * 2) })", result: "[2 4]"},
	})
}

func TestErrors(t *testing.T) {
	runCases(t, []cellCase{
		{code: "x := 1\ny := x +", errName: "SyntaxError", errHas: "cell 1, line 2: unexpected end of cell"},
		{code: "a := 1\nb := \"s\"\nc := a + b", errName: "CompileError", errHas: "cell 2, line 3: invalid operation"},
		{code: "panic(\"boom\")", errName: "panic", errHas: "boom"},
		{code: "panic(fmt.Errorf(\"wrapped %d\", 7))", errName: "panic", errHas: "wrapped 7"},
		{code: "var mm map[string]int\nmm[\"a\"] = 1", errName: "runtime error", errHas: "nil map"},
		{code: "1 + 1", result: "2"}, // the session goes on
	})
}

// os.Exit and log.Fatal end the cell with an ExitError carrying the
// status (log.Fatal prints its message first, as Go's does); the session
// goes on.
func TestExit(t *testing.T) {
	s := newSession(t)
	for _, c := range []struct {
		code   string
		status int
		stderr string
	}{
		{"fmt.Println(\"before\")\nos.Exit(3)\nfmt.Println(\"after\")", 3, ""},
		{"import \"log\"\nlog.Fatal(\"fatal!\")", 1, "fatal!\n"},
		{"log.SetFlags(0)\nlog.SetPrefix(\"p: \")\nlog.Fatalf(\"failed %d times\", 2)", 1, "p: failed 2 times\n"},
		{"l := log.New(os.Stderr, \"mine: \", 0)\nl.Fatalln(\"stop\")", 1, "mine: stop\n"},
		{"func leave() { os.Exit(5) }\nleave()", 5, ""},
	} {
		_, out, stderr, err := run(s, c.code)
		var ee *ExitError
		if !errors.As(err, &ee) || ee.Code != c.status || ee.Name != "Exit" || !strings.HasSuffix(stderr, c.stderr) {
			t.Errorf("%q: error %#v, stderr %q; want an ExitError with status %d and stderr ending %q", c.code, err, stderr, c.status, c.stderr)
		}
		if strings.Contains(out, "after") {
			t.Errorf("%q: the cell went on after os.Exit: %q", c.code, out)
		}
	}
	if res, _, _, err := run(s, "1 + 1"); err != nil || res != "2" {
		t.Fatalf("session after exits: %q %v", res, err)
	}
}

// With Options.GoPanic, a goroutine's panic goes there as the error a cell
// would get; without, to the cell's stderr with the goroutine's frames,
// which stay out of the next cell error's traceback.
func TestGoroutinePanicReported(t *testing.T) {
	skipYaegiRace(t)
	got := make(chan error, 2)
	s, err := New(Options{GoPanic: func(err error) { got <- err }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, _, _, err := run(s, "go func() { panic(\"in goroutine\") }()\ngo func() { os.Exit(4) }()"); err != nil {
		t.Fatal(err)
	}
	var sawPanic, sawExit bool
	for range 2 {
		err := <-got
		var ee *ExitError
		var ce *CellError
		switch {
		case errors.As(err, &ee):
			sawExit = ee.Code == 4
		case errors.As(err, &ce):
			sawPanic = ce.Name == "panic" && ce.Value == "in goroutine"
		}
	}
	if !sawPanic || !sawExit {
		t.Errorf("GoPanic did not receive the panic and the exit (panic %v, exit %v)", sawPanic, sawExit)
	}

	s2 := newSession(t)
	_, _, stderr, err := run(s2, "func inGoroutine() {\n\tpanic(\"first\")\n}\ndone := make(chan bool)\ngo func() { defer close(done); inGoroutine() }()\n<-done\ntime.Sleep(20 * time.Millisecond)")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr, "panic in goroutine (recovered; the session goes on): first\n  at cell 1, line 2, in inGoroutine") {
		t.Errorf("stderr %q lacks the goroutine's panic and frame", stderr)
	}
	_, _, _, err = run(s2, "panic(\"second\")")
	var ce *CellError
	if !errors.As(err, &ce) || strings.Contains(strings.Join(ce.Traceback, "\n"), "inGoroutine") {
		t.Errorf("the next panic's traceback shows the goroutine's frame: %v", err)
	}
}

func TestGoroutinePanicRecovered(t *testing.T) {
	s := newSession(t)
	_, _, _, err := run(s, "done := make(chan bool)\ngo func() { defer close(done); panic(\"in goroutine\") }()\n<-done\ntime.Sleep(20 * time.Millisecond)")
	if err != nil {
		t.Fatal(err)
	}
	res, _, _, err := run(s, "func boom(n int) { var p *struct{ X int }; p.X = n }\ndone2 := make(chan bool)\ngo boom(1)\ngo func() { time.Sleep(50 * time.Millisecond); close(done2) }()\n<-done2\n\"alive\"")
	if err != nil || res != "alive" {
		t.Fatalf("session after goroutine panics: %q %v", res, err)
	}
}

// TestInterruptHandled checks that code which takes an interrupt as
// handled (recovers it and calls host.Reset, as notebooks/mnist.go does)
// goes on: its functions and loops run, it is not abandoned after
// EscalateAfter, and a second interrupt stops it as the first would have.
func TestInterruptHandled(t *testing.T) {
	s := newSession(t)
	go func() {
		time.Sleep(150 * time.Millisecond)
		s.Interrupt()
		time.Sleep(EscalateAfter + 500*time.Millisecond)
		s.Interrupt()
	}()
	cell := `import "github.com/gokernel/gokernel/mlstd/host"
func work() int { n := 0; for i := 0; i < 10; i++ { n += i }; return n }
func wait() (err error) {
	defer func() { err = recover().(error) }()
	for { time.Sleep(time.Millisecond) }
}
fmt.Println("caught:", wait())
host.Reset()
fmt.Println("work", work())
for end := time.Now().Add(ESCALATE + 200*time.Millisecond); time.Now().Before(end); { time.Sleep(10 * time.Millisecond) }
fmt.Println("still running")
for { time.Sleep(time.Millisecond) }`
	_, out, _, err := run(s, strings.ReplaceAll(cell, "ESCALATE", fmt.Sprint(int64(EscalateAfter))))
	ce, ok := err.(*CellError)
	if !ok || ce.Name != "KeyboardInterrupt" || strings.Contains(ce.Value, "restart") {
		t.Fatalf("the second interrupt: want a cooperative KeyboardInterrupt, got %v", err)
	}
	if want := "caught: interrupted by user\nwork 45\nstill running\n"; out != want {
		t.Fatalf("stdout %q, want %q", out, want)
	}
}

// TestInterruptPerSession checks that interrupting (or closing) one
// session does not stop compiled code of another: the interrupt flag
// host.Check polls is the session's.
func TestInterruptPerSession(t *testing.T) {
	s, other := newSession(t), newSession(t)
	go func() {
		time.Sleep(100 * time.Millisecond)
		other.Close()
	}()
	_, out, _, err := run(s, `import "github.com/gokernel/gokernel/mlstd/host"
for i := 0; i < 60; i++ { time.Sleep(5 * time.Millisecond); host.Check() }
fmt.Println("done")`)
	if err != nil || out != "done\n" {
		t.Fatalf("closing another session stopped this one: %q %v", out, err)
	}
}

func TestInterrupt(t *testing.T) {
	s := newSession(t)
	if _, _, _, err := run(s, "add5 := func(x int) int { return x + 5 }\ncounter := 0"); err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{
		"for { counter++ }",
		"time.Sleep(time.Hour)",
		"ch := make(chan int)\n<-ch",
		"ch2 := make(chan int)\nvar got int\ngot = <-ch2",
		"ch3 := make(chan string)\nfunc() { msg := <-ch3; fmt.Println(msg) }()",
		"full := make(chan int)\nfull <- 1",
		"ch4 := make(chan int)\nfunc() { total := 0; total += <-ch4; fmt.Println(total) }()",
		"func waitFor(c chan bool) bool { v, ok := <-c; return v && ok }\nwaitFor(make(chan bool))",
		"func waitRet(c <-chan int) int { return <-c }\nwaitRet(make(chan int))",
		"select {}",
		"func spin() { for { counter++ } }\nspin()",
	} {
		go func() {
			time.Sleep(150 * time.Millisecond)
			s.Interrupt()
		}()
		start := time.Now()
		_, _, _, err := run(s, code)
		took := time.Since(start) - 150*time.Millisecond
		ce, ok := err.(*CellError)
		if !ok || ce.Name != "KeyboardInterrupt" {
			t.Fatalf("%q: want KeyboardInterrupt, got %v", code, err)
		}
		if took > time.Second {
			t.Errorf("%q: stopped %v after the interrupt, want < 1s", code, took)
		}
		if strings.Contains(ce.Value, "restart") {
			t.Errorf("%q: needed a hard stop: %s", code, ce.Value)
		}
		res, _, _, err := run(s, "add5(1)")
		if err != nil || res != "6" {
			t.Fatalf("after interrupting %q: closure gives %q, %v; want 6", code, res, err)
		}
	}
}

func TestRedefineDoesNotLeak(t *testing.T) {
	s := newSession(t)
	var ms runtime.MemStats
	for i := 0; i < 10; i++ {
		if _, _, _, err := run(s, "x := make([]float64, 1e7)"); err != nil {
			t.Fatal(err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&ms)
	// One copy is 80 MB; ten leaked copies would be 800 MB.
	if ms.HeapAlloc > 250<<20 {
		t.Fatalf("heap after 10 re-runs: %d MB, want < 250 MB", ms.HeapAlloc>>20)
	}
	t.Logf("heap after 10 re-runs of an 80 MB cell: %d MB", ms.HeapAlloc>>20)
}

type stampWriter struct {
	mu    sync.Mutex
	first time.Time
	buf   bytes.Buffer
}

func (w *stampWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.first.IsZero() {
		w.first = time.Now()
	}
	return w.buf.Write(p)
}

func TestStreaming(t *testing.T) {
	s := newSession(t)
	w := &stampWriter{}
	start := time.Now()
	_, err := s.Execute(context.Background(), "fmt.Println(\"early\")\nos.Stdout.Write([]byte(\"raw\\n\"))\ntime.Sleep(400 * time.Millisecond)\nfmt.Println(\"late\")", Output{Stdout: w})
	end := time.Now()
	if err != nil {
		t.Fatal(err)
	}
	if got := w.buf.String(); got != "early\nraw\nlate\n" {
		t.Fatalf("stdout %q", got)
	}
	if lead := end.Sub(w.first); lead < 300*time.Millisecond {
		t.Fatalf("first output arrived only %v before the cell ended (started %v)", lead, w.first.Sub(start))
	}
}

func TestIsComplete(t *testing.T) {
	s := newSession(t)
	for _, c := range []struct{ code, want string }{
		{"x := 1", "complete"},
		{"func f() {", "incomplete"},
		{"s := `abc", "incomplete"},
		{"x := 1 +", "incomplete"},
		{"x := )", "invalid"},
		{"func f( {}", "invalid"}, // open, but the error is before the end
		{"x := []int{1,\n", "incomplete"},
		{"m := map[string]int{\n\"a\": 1", "incomplete"},
		{"f(1,\n\t2", "incomplete"},
		{"x := 1\n%who", "complete"},
		{"%%time\nfor i := 0; i < 3; i++ {", "incomplete"},
		{"", "complete"},
	} {
		if got, _ := s.IsComplete(c.code); got != c.want {
			t.Errorf("IsComplete(%q) = %s, want %s", c.code, got, c.want)
		}
	}
}

func TestRangeOverChannel(t *testing.T) {
	runCases(t, []cellCase{
		{code: "ch := make(chan int, 5)\nfor i := 1; i <= 4; i++ { ch <- i }\nclose(ch)\nsum := 0\nfor v := range ch { if v == 4 { break }; if v == 2 { continue }; sum += v }\nsum", result: "4"},
		{code: "func drain(c chan int) int { n := 0; for range c { n++ }; return n }\nc2 := make(chan int, 3)\nc2 <- 1; c2 <- 2\nclose(c2)\ndrain(c2)", result: "2"},
	})
	s := newSession(t)
	if _, _, _, err := run(s, "work := make(chan int)\nf := func() int { return 9 }"); err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(100 * time.Millisecond)
		s.Interrupt()
	}()
	start := time.Now()
	_, _, _, err := run(s, "for job := range work { fmt.Println(job) }")
	if ce, ok := err.(*CellError); !ok || ce.Name != "KeyboardInterrupt" || time.Since(start) > time.Second {
		t.Fatalf("range over an idle channel: %v after %v", err, time.Since(start))
	}
	if res, _, _, err := run(s, "f()"); res != "9" || err != nil {
		t.Fatalf("closure after interrupt: %q %v", res, err)
	}
}

// TestHardStopEscalation: a cell the cooperative interrupt cannot stop is
// abandoned after EscalateAfter, and functions and closures defined before
// it still compute (yaegi's cancellation would make them return 0).
func TestHardStopEscalation(t *testing.T) {
	s := newSession(t)
	if _, _, _, err := run(s, "func add123(x int) int { return x + 123 }\nadd5 := func(x int) int { return x + 5 }\ntype acc struct{ n int }\nfunc (a *acc) add(x int) int { a.n += x; return a.n }\nvar a acc"); err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(100 * time.Millisecond)
		s.Interrupt()
	}()
	start := time.Now()
	// A WaitGroup wait has no interrupt point: only the escalation stops it.
	_, _, _, err := run(s, "var wg sync.WaitGroup\nwg.Add(1)\nwg.Wait()")
	took := time.Since(start)
	ce, ok := err.(*CellError)
	if !ok || ce.Name != "KeyboardInterrupt" || !strings.Contains(ce.Value, "WaitGroup.Wait") || !strings.Contains(ce.Value, "intact") {
		t.Fatalf("want a hard-stop KeyboardInterrupt that says why, got %v", err)
	}
	if took < EscalateAfter || took > EscalateAfter+time.Second {
		t.Fatalf("hard stop after %v, want about %v", took, EscalateAfter)
	}
	res, _, stderr, err := run(s, "fmt.Sprint(add123(1), add5(1), a.add(2), func() int { return 7 }())")
	if err != nil || res != "124 6 2 7" || stderr != "" {
		t.Fatalf("after a hard stop: %q, stderr %q, %v; want \"124 6 2 7\"", res, stderr, err)
	}
	// The abandoned cell's WaitGroup can still be released.
	if res, _, _, err := run(s, "wg.Done()\n1"); err != nil || res != "1" {
		t.Fatalf("releasing the abandoned cell: %q %v", res, err)
	}
}

func TestPanicTraceback(t *testing.T) {
	s := newSession(t)
	_, _, stderr, err := run(s, "func inner(n int) int {\n\tif n > 2 {\n\t\tpanic(fmt.Sprint(\"too big: \", n))\n\t}\n\treturn n\n}\nfunc outer() int { return inner(5) }\nouter()")
	ce, ok := err.(*CellError)
	if !ok || ce.Value != "too big: 5" {
		t.Fatalf("want panic 'too big: 5', got %v", err)
	}
	tb := strings.Join(ce.Traceback, "\n")
	if !strings.Contains(tb, "cell 1, line") || !strings.Contains(tb, "inner") {
		t.Errorf("traceback does not locate the panic: %q", ce.Traceback)
	}
	// The panic's own line (3), not the line of inner's first statement (2),
	// and that frame only once.
	if !strings.Contains(tb, "cell 1, line 3, in inner\n") || !strings.Contains(tb, "in outer") || strings.Count(tb, "in inner") != 1 {
		t.Errorf("traceback does not give the panic's line or does not name the functions: %q", ce.Traceback)
	}
	if strings.Contains(stderr, "panic:") {
		t.Errorf("interpreter traceback leaked into stderr: %q", stderr)
	}
}

// TestPanicLineInFunc: a panic inside a function is reported at its own
// line, wherever it sits (nested blocks, a method, a literal, a top-level
// if), and wrapping it in a literal keeps recover and the value intact.
func TestPanicLineInFunc(t *testing.T) {
	s := newSession(t)
	cases := []struct{ code, want string }{
		{"func deep(xs []int) int {\n\ts := 0\n\tfor _, x := range xs {\n\t\tswitch {\n\t\tcase x < 0:\n\t\t\tpanic(\"negative\")\n\t\t}\n\t\ts += x\n\t}\n\treturn s\n}\ndeep([]int{1, -2})",
			"cell 1, line 6, in deep\n"},
		{"type acc struct{ n int }\nfunc (a *acc) add(k int) {\n\ta.n += k\n\tif a.n > 3 {\n\t\tpanic(\n\t\t\tfmt.Sprint(\"over \", a.n))\n\t}\n}\nvar a acc\nfor i := 0; i < 5; i++ {\n\ta.add(i)\n}",
			"cell 2, line 5, in acc.add\n"},
		{"f := func() {\n\tx := 1\n\tpanic(x)\n}\nf()", "cell 3, line 3, in cell code\n"},
		{"if v := 2; v > 1 {\n\tpanic(\"top if\")\n}", "cell 4, line 2, in cell code\n"},
	}
	for _, c := range cases {
		_, _, _, err := run(s, c.code)
		ce, ok := err.(*CellError)
		if !ok || ce.Name != "panic" {
			t.Fatalf("%q: want a panic, got %v", c.code, err)
		}
		if tb := strings.Join(ce.Traceback, "\n") + "\n"; !strings.Contains(tb, "  at "+c.want) {
			t.Errorf("%q: traceback does not contain %q:\n%s", c.code, c.want, tb)
		}
	}
	res, _, _, err := run(s, "func safe() (r string) {\n\tdefer func() { r = fmt.Sprint(\"recovered \", recover()) }()\n\tpanic(errors.New(\"boom\"))\n}\nsafe()")
	if err != nil || res != "recovered boom" {
		t.Errorf("recover in a function with a wrapped panic: %q, %v", res, err)
	}
	res, _, _, err = run(s, "func val(n int) int {\n\tif n > 0 {\n\t\treturn n\n\t}\n\tpanic(\"not positive\")\n}\nval(4)")
	if err != nil || res != "4" {
		t.Errorf("a function ending in panic: %q, %v", res, err)
	}
}

// A cell's func main runs once, after the cell's code, and not again on
// every later compile (yaegi's own behaviour); later cells may call it, a
// re-run cell redefines it, and tracebacks name it main.
func TestCellMainRunsOnce(t *testing.T) {
	runCases(t, []cellCase{
		{code: "n := 0\nfunc main() { n++; fmt.Println(\"main ran\", n) }\nfmt.Println(\"cell body\")", stdout: "cell body\nmain ran 1\n"},
		{code: "fmt.Println(\"after\", n)", stdout: "after 1\n"},
		{code: "func other() int { return 7 }\nother()", result: "7"},
		{code: "main()", stdout: "main ran 2\n"},
		{code: "func call() { main() }\ncall()", stdout: "main ran 3\n"},
		{code: "func main() { helper() }\nfunc helper() { fmt.Println(\"helper, declared after main\") }", stdout: "helper, declared after main\n"},
		{code: "call()", stdout: "helper, declared after main\n"},
		{code: "func main() {\n\tpanic(\"boom\")\n}", errName: "panic", errHas: "boom"},
		{code: "fmt.Println(\"still here\")", stdout: "still here\n"},
	})
	s := newSession(t)
	_, _, _, err := run(s, "func main() {\n\tpanic(\"boom\")\n}")
	ce, ok := err.(*CellError)
	if !ok || !strings.Contains(strings.Join(ce.Traceback, "\n"), "in main") || strings.Contains(strings.Join(ce.Traceback, "\n"), entryMain) {
		t.Errorf("panic in a cell's main: %v; want a traceback naming main, not %s", err, entryMain)
	}
}

// A global defined by a receive at top level is a variable like any other:
// yaegi kept the received value itself, unaddressable, so `v = 2` was
// silently lost and `v++` panicked.
func TestTopLevelReceiveDefinesVariable(t *testing.T) {
	runCases(t, []cellCase{
		{code: "ch := make(chan int, 3)\nch <- 4; ch <- 5; ch <- 6"},
		{code: "v := <-ch"},
		{code: "v = 2\nv++\nv", result: "3"},
		{code: "var w = <-ch"},
		{code: "w *= 10\nw", result: "50"},
		{code: "a, b := <-ch, 1\na += b\na", result: "7"},
		{code: "v := 1.5\nv", result: "1.5"},
	})
}

// Several values in one assignment, definition or var spec, one of them a
// composite literal: yaegi v0.16.1 gave the others their zero value
// (`m, n := map[string]int{}, 3` left n at 0), silently.
// TestRecoveredRuntimeError: in interpreted code an index out of range or
// a nil dereference panics inside reflect with a string; recover() gives
// a runtime.Error instead, as in Go, and other values as they are.
func TestRecoveredRuntimeError(t *testing.T) {
	runCases(t, []cellCase{
		{code: "import (\n\t\"errors\"\n\t\"runtime\"\n)\ntype node struct{ next *node }\nfunc try(f func()) (kind string) {\n\tdefer func() {\n\t\tr := recover()\n\t\tif _, ok := r.(runtime.Error); ok {\n\t\t\tkind = \"runtime: \" + r.(error).Error()\n\t\t} else if r != nil {\n\t\t\tkind = fmt.Sprint(\"other: \", r)\n\t\t}\n\t}()\n\tf()\n\treturn \"none\"\n}\nvar n *node\ni := 3\nfmt.Println(try(func() { _ = []int{1}[i] }))\nfmt.Println(try(func() { _ = n.next }))\nfmt.Println(try(func() { panic(\"plain\") }))\nfmt.Println(try(func() { panic(errors.New(\"an error\")) }))\nfmt.Println(try(func() { panic(\"a nil pointer dereference of mine\") }))",
			stdout: "runtime: runtime error: index out of range (the interpreter does not report the index)\nruntime: runtime error: invalid memory address or nil pointer dereference\nother: plain\nother: an error\nother: a nil pointer dereference of mine\n"},
	})
}

// TestNilCommaOKAssertion: yaegi v0.16.1 panicked on a comma-ok
// assertion of a nil interface to a compiled interface; Go gives ok ==
// false (asserts.go). Non-nil compiled values still assert.
func TestNilCommaOKAssertion(t *testing.T) {
	runCases(t, []cellCase{
		{code: "var r any\n_, ok := r.(error)\nfmt.Println(ok)", stdout: "false\n"},
		{code: "func f() bool { var r error; s, ok := r.(fmt.Stringer); return ok || s != nil }\nf()", result: "false"},
		{code: "func g() string {\n\tvar r any\n\tif _, ok := r.(fmt.Stringer); ok {\n\t\treturn \"stringer\"\n\t}\n\tvar e, ok = r.(error)\n\treturn fmt.Sprint(e, ok)\n}\ng()", result: "<nil> false"},
		{code: "import \"os\"\nvar y any = os.ErrNotExist\ne, ok := y.(error)\nfmt.Println(ok, e)", stdout: "true file does not exist\n"},
		{code: "func try(f func()) (msg string) {\n\tdefer func() {\n\t\tif err, ok := recover().(error); ok {\n\t\t\tmsg = err.Error()\n\t\t}\n\t}()\n\tf()\n\treturn \"no panic\"\n}\ntry(func() {})", result: "no panic"},
	})
}

// TestCellTypeCommaOKAssertion: yaegi v0.16.1 gave ok == false for a
// value of a cell type that implements a compiled interface (error,
// fmt.Stringer) asserted from an any; the engine tries the cell types
// that implement it (asserts.go).
func TestCellTypeCommaOKAssertion(t *testing.T) {
	runCases(t, []cellCase{
		{code: "type MyErr struct{ Code int }\nfunc (e MyErr) Error() string { return fmt.Sprint(\"code \", e.Code) }\ntype Plain struct{}", result: ""},
		{code: "var x any = MyErr{5}\ne, ok := x.(error)\nfmt.Println(ok, e)", stdout: "true code 5\n"},
		{code: "func f(x any) string {\n\tif e, ok := x.(error); ok {\n\t\treturn \"error: \" + e.Error()\n\t}\n\treturn \"not an error\"\n}\nfmt.Println(f(&MyErr{6}), f(Plain{}), f(nil), f(fmt.Errorf(\"compiled\")))", stdout: "error: code 6 not an error not an error error: compiled\n"},
	})
}

// TestLocalTypeAlias: yaegi v0.16.1 reports a type alias declared inside
// a function as undefined; the engine writes the aliased type in its
// place (aliases.go), also inside other local aliases, in func literals,
// conversions, composite literals and new, and an inner alias of the same
// name shadows the outer one.
func TestLocalTypeAlias(t *testing.T) {
	runCases(t, []cellCase{
		{code: "func temps() {\n\ttype celsius = float64\n\ttype pt struct{ X, Y int }\n\ttype pts = []pt\n\ttype table = map[string]pts\n\tvar c celsius = 21.5\n\tp := new(celsius)\n\t*p = c * 2\n\ttb := table{\"a\": pts{{1, 2}}}\n\tf := func(x celsius, xs ...pt) celsius { return x + celsius(len(xs)) }\n\tfmt.Println(c+1, *p, tb, f(1, tb[\"a\"]...))\n\t{\n\t\ttype celsius = int\n\t\tvar i celsius = 3\n\t\tfmt.Println(i / 2)\n\t}\n}\ntemps()",
			stdout: "22.5 43 map[a:[{1 2}]] 2\n1\n"},
		{code: "f := func() int {\n\ttype (\n\t\tints  = []int\n\t\tnamed struct{ A ints }\n\t)\n\treturn len(named{A: ints{1, 2, 3}}.A)\n}\nf()", result: "3"},
	})
}

func TestMultiValueWithCompositeLiteral(t *testing.T) {
	runCases(t, []cellCase{
		{code: "m, n := map[string]int{}, 3\nm[\"a\"] = n\nfmt.Println(m, n)", stdout: "map[a:3] 3\n"},
		{code: "var p, q = []int{1}, 4\nfmt.Println(p, q)", stdout: "[1] 4\n"},
		{code: "func g() {\n\tvar a, b = []int{1}, 5\n\tc, d := 6, struct{ A int }{1}\n\tvar e []int\n\tvar f float64\n\te, f = []int{2}, 7\n\ti, j, k := 1, [2]int{2, 3}, 4\n\tfmt.Println(a, b, c, d, e, f, i, j, k)\n}\ng()", stdout: "[1] 5 6 {1} [2] 7 1 [2 3] 4\n"},
	})
}
