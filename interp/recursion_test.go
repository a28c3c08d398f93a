package interp

import (
	"strings"
	"testing"
	"time"
)

// TestUnboundedRecursion: runaway recursion of every kind ends the cell
// with a RecursionError naming the function (Go would die of a fatal stack
// overflow), deferred calls run, and the session keeps its state.
func TestUnboundedRecursion(t *testing.T) {
	s := newSession(t)
	if _, _, _, err := run(s, "x := 42\nfunc down(n int) int { if n == 0 { return 0 }; return down(n-1) + 1 }"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ code, in, stdout string }{
		{code: "func rec(n int) int { return rec(n+1) + 1 }\nrec(0)", in: "in rec (cell %d, line 1)"},
		{code: "func ping(n int) int { return pong(n + 1) }\nfunc pong(n int) int { return ping(n + 1) }\nping(0)", in: "in p"},
		{code: "type T struct{ k int }\nfunc (t *T) walk() int { return t.walk() + t.k }\n(&T{}).walk()", in: "in T.walk (cell %d, line 2)"},
		{code: "var f func(int) int\nf = func(n int) int { return f(n+1) * 2 }\nf(1)", in: "in func literal (cell %d, line 2)"},
		{code: "func top() { defer fmt.Println(\"deferred call ran\"); rec(0) }\ntop()", in: "in rec", stdout: "deferred call ran\n"},
	} {
		start := time.Now()
		_, out, _, err := run(s, c.code)
		ce, ok := err.(*CellError)
		if !ok || ce.Name != "RecursionError" {
			t.Fatalf("%s: want a RecursionError, got %v", c.code, err)
		}
		in := c.in
		if strings.Contains(in, "%d") {
			in = strings.ReplaceAll(in, "%d", itoa(s.cell))
		}
		if !strings.Contains(ce.Value, "stack overflow") || !strings.Contains(ce.Value, in) || !strings.Contains(ce.Value, "state is intact") {
			t.Errorf("%s: error %q does not say %q", c.code, ce.Value, in)
		}
		if out != c.stdout {
			t.Errorf("%s: stdout %q, want %q", c.code, out, c.stdout)
		}
		t.Logf("%s: stopped after %v", strings.ReplaceAll(c.code, "\n", "; "), time.Since(start).Round(time.Millisecond))
		if res, _, _, err := run(s, "x + down(5000)"); err != nil || res != "5042" {
			t.Fatalf("after %s: %q, %v; want 5042", c.code, res, err)
		}
	}
	// In a goroutine the cell started, the goroutine ends and says why.
	_, _, stderr, err := run(s, "done := make(chan bool)\ngo func() { defer close(done); rec(0) }()\n<-done\n")
	if err != nil || !strings.Contains(stderr, "goroutine stopped: stack overflow") || !strings.Contains(stderr, "in rec") {
		t.Fatalf("recursion in a goroutine: stderr %q, %v", stderr, err)
	}
	if _, _, _, err := run(s, "import \"runtime\"\nruntime.Goexit()"); err == nil || !strings.Contains(err.Error(), "runtime.Goexit ended the cell") {
		t.Fatalf("runtime.Goexit in a cell: %v", err)
	}
}

// TestInterruptRecursion: recursion without loops stops at an interrupt
// (function entries poll), with closures intact.
func TestInterruptRecursion(t *testing.T) {
	s := newSession(t)
	if _, _, _, err := run(s, "add5 := func(x int) int { return x + 5 }\nfunc fib(n int) int { if n < 2 { return n }; return fib(n-1) + fib(n-2) }"); err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(200 * time.Millisecond)
		s.Interrupt()
	}()
	start := time.Now()
	_, _, _, err := run(s, "fib(60)")
	took := time.Since(start) - 200*time.Millisecond
	if ce, ok := err.(*CellError); !ok || ce.Name != "KeyboardInterrupt" || strings.Contains(ce.Value, "background") {
		t.Fatalf("want a cooperative KeyboardInterrupt, got %v", err)
	}
	if took > time.Second {
		t.Errorf("stopped %v after the interrupt, want < 1s", took)
	}
	if res, _, _, err := run(s, "add5(fib(10))"); err != nil || res != "60" {
		t.Fatalf("after the interrupt: %q %v", res, err)
	}
}
