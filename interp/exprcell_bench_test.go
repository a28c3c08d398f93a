package interp

import (
	"context"
	"testing"
)

// BenchmarkExpressionCell is the whole Execute path for the cell "1",
// the trivial cell of the kernel's round-trip benchmark (an expression
// whose value becomes the result: one compile, one run, no output).
//
//	go test -run XXX -bench ExpressionCell -benchmem -benchtime 300x ./interp/
func BenchmarkExpressionCell(b *testing.B) {
	s, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := s.Execute(ctx, "1", Output{})
		if err != nil || res["text/plain"] != "1" {
			b.Fatalf("Execute(1) = %v, %v", res, err)
		}
	}
}
