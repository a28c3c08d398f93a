package interp

import (
	"context"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gokernel/gokernel/interp/symbols"
	yaegi "github.com/traefik/yaegi/interp"
)

// fib(22) makes 57,313 calls.
const (
	fibCalls = 57313
	fibDecl  = "func fib(n int) int { if n < 2 { return n }; return fib(n-1) + fib(n-2) }"
	fibPy    = "import time\ndef fib(n):\n    if n < 2: return n\n    return fib(n-1) + fib(n-2)\nbest = 1e9\nfor _ in range(%d):\n    t = time.process_time(); fib(22); best = min(best, time.process_time() - t)\nprint(best)\n"
)

// BenchmarkFibCell runs fib(22) as a cell function (whose entry polls the
// interrupt flag, see recursion.go, and which a redefinition reaches, see
// funcs.go) and, in the same rounds, the same declaration in plain yaegi
// (v0.16.1 without gokernel's front end). Rounds alternate between the two
// and are timed by the CPU time of the process (the machine is shared);
// cell/yaegi is the ratio of the totals. CPython's best fib(22) of as many
// rounds is reported too when /usr/bin/python3 is there.
func BenchmarkFibCell(b *testing.B) {
	s, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Execute(context.Background(), fibDecl, Output{}); err != nil {
		b.Fatal(err)
	}
	yi := yaegi.New(yaegi.Options{})
	if err := yi.Use(symbols.StdlibTables()); err != nil {
		b.Fatal(err)
	}
	if _, err := yi.Eval(fibDecl); err != nil {
		b.Fatal(err)
	}
	prog, err := yi.Compile("fib(22)")
	if err != nil {
		b.Fatal(err)
	}
	var cell, plain time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t := cpuTime()
		r, err := s.Execute(context.Background(), "fib(22)", Output{})
		cell += cpuTime() - t
		if err != nil || r["text/plain"] != "17711" {
			b.Fatalf("cell fib(22) = %v, %v", r, err)
		}
		t = cpuTime()
		v, err := yi.Execute(prog)
		plain += cpuTime() - t
		if err != nil || v.Int() != 17711 {
			b.Fatalf("yaegi fib(22) = %v, %v", v, err)
		}
	}
	b.StopTimer()
	per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(b.N*fibCalls) }
	b.ReportMetric(per(cell), "cell-ns/call")
	b.ReportMetric(per(plain), "yaegi-ns/call")
	b.ReportMetric(float64(cell)/float64(plain), "cell/yaegi")
	msg := "cell fib(22) %.1f ms CPU, plain yaegi %.1f ms: ratio %.2f"
	args := []any{float64(cell.Microseconds()) / 1e3 / float64(b.N), float64(plain.Microseconds()) / 1e3 / float64(b.N), float64(cell) / float64(plain)}
	if out, err := exec.Command("/usr/bin/python3", "-c", strings.Replace(fibPy, "%d", strconv.Itoa(b.N), 1)).Output(); err == nil {
		if py, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64); err == nil {
			b.ReportMetric(py*1e9/fibCalls, "cpython-ns/call")
			msg += "; CPython best %.1f ms (cell/CPython %.2f)"
			args = append(args, py*1e3, float64(cell.Seconds())/float64(b.N)/py)
		}
	}
	b.Logf(msg, args...)
}
