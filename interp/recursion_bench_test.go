package interp

import (
	"context"
	"fmt"
	"testing"

	"github.com/gokernel/gokernel/interp/symbols/stdlib"
	yaegi "github.com/traefik/yaegi/interp"
)

// fib(22) makes 57,313 calls. BenchmarkFibCell runs it as a cell function
// (a variable holding a closure, whose entry polls the interrupt flag, see
// recursion.go); the Raw benchmarks run the same closure in plain yaegi
// without and with that poll, which is what the poll costs per call.
const (
	fibCalls   = 57313
	fibClosure = "var stop bool\nfunc poll(fn string, pos int) { panic(fn) }\nvar fib func(n int) int\nfunc init() { fib = func(n int) int { %sif n < 2 { return n }; return fib(n-1) + fib(n-2) } }"
)

func BenchmarkFibCell(b *testing.B) {
	s, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Execute(context.Background(), "func fib(n int) int { if n < 2 { return n }; return fib(n-1) + fib(n-2) }", Output{}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.Execute(context.Background(), "fib(22)", Output{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*fibCalls), "ns/call")
}

func benchFibRaw(b *testing.B, poll string) {
	i := yaegi.New(yaegi.Options{})
	if err := i.Use(stdlib.Tables()); err != nil {
		b.Fatal(err)
	}
	if _, err := i.Eval(fmt.Sprintf(fibClosure, poll)); err != nil {
		b.Fatal(err)
	}
	prog, err := i.Compile("fib(22)")
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		if _, err := i.Execute(prog); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*fibCalls), "ns/call")
}

func BenchmarkFibRaw(b *testing.B)       { benchFibRaw(b, "") }
func BenchmarkFibRawPolled(b *testing.B) { benchFibRaw(b, "if stop { poll(\"fib\", 1) }; ") }
