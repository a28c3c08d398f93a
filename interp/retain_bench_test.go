package interp

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"
)

// rerunCells are the cells of issue 15 whose re-runs must retain (almost)
// nothing: a model built from layers passed to a variadic interface
// parameter, a function definition, a loop accumulating into a global, a
// var declared without a value and then filled, and a training cell (after
// setup).
var rerunCells = []struct{ name, setup, code string }{
	{"model", "", "model := nn.NewSequential(nn.NewLinear(784, 128), nn.NewReLU(), nn.NewLinear(128, 10))"},
	{"func", "", "func scale(x float64) float64 { return x * 2 }"},
	{"loop", "", "acc := 0.0\nfor i := 0; i < 100; i++ {\n\tacc += float64(i)\n}\nacc"},
	{"var", "", "var samples []float64\nsamples = make([]float64, 100000)"},
	{"train", "ds := data.Blobs(256, 784, 10, 1, 1)", `nn.Seed(1)
model := nn.NewSequential(nn.NewLinear(784, 128), nn.NewReLU(), nn.NewLinear(128, 10))
opt := optim.NewSGD(model.Parameters(), optim.SGDConfig{LR: 0.01, Momentum: 0.9})
history, err := train.Fit(model, opt, nn.CrossEntropy, ds, train.Config{Epochs: 1, BatchSize: 64, Seed: 1})
if err != nil {
	panic(err)
}
history`},
}

// defCell is the n-th of many distinct cells, each defining a var, a func
// and a type.
func defCell(n int) string {
	return fmt.Sprintf("var v%d = %d\nfunc f%d(x int) int { return x + v%d }\ntype T%d struct{ A, B int }", n, n, n, n, n)
}

// liveHeap is the live heap after two collections.
func liveHeap() int64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

// retainedPerRun runs setup, code warm times, then code n times, and
// returns the live heap the n runs added, per run.
func retainedPerRun(tb testing.TB, s *Session, setup, code string, warm, n int) float64 {
	tb.Helper()
	ctx := context.Background()
	if _, err := s.Execute(ctx, setup, Output{}); err != nil {
		tb.Fatalf("%q: %v", setup, err)
	}
	for i := 0; i < warm+n; i++ {
		if i == warm {
			before := liveHeap()
			for j := 0; j < n; j++ {
				if _, err := s.Execute(ctx, code, Output{}); err != nil {
					tb.Fatalf("%q: %v", code, err)
				}
			}
			return float64(liveHeap()-before) / float64(n)
		}
		if _, err := s.Execute(ctx, code, Output{}); err != nil {
			tb.Fatalf("%q: %v", code, err)
		}
	}
	return 0
}

// BenchmarkSession measures what a long session keeps: the live heap each
// re-run of a cell adds (B/rerun: one session per cell, b.N re-runs after
// 20 warm-up runs), and for b.N distinct defining cells (defCell) in one
// session the live heap each of the first 600 adds (B/def) and the mean
// time of a defining cell at the start (ms/def-first50: cells 1-50) and
// after 600 definitions (ms/def-after600: cells 601-650, with b.N >= 650).
//
//	go test -run XXX -bench Session -benchtime 650x ./interp/
func BenchmarkSession(b *testing.B) {
	for _, c := range rerunCells {
		b.Run("rerun-"+c.name, func(b *testing.B) {
			s, err := New(Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			b.ReportMetric(retainedPerRun(b, s, c.setup, c.code, 20, b.N), "B/rerun")
		})
	}
	b.Run("defs", func(b *testing.B) {
		const marks, window = 600, 50
		s, err := New(Options{})
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		ctx := context.Background()
		took := make([]time.Duration, b.N)
		before := liveHeap()
		for i := 0; i < b.N; i++ {
			if i == marks {
				b.StopTimer()
				b.ReportMetric(float64(liveHeap()-before)/marks, "B/def")
				b.StartTimer()
			}
			start := time.Now()
			if _, err := s.Execute(ctx, defCell(i), Output{}); err != nil {
				b.Fatalf("cell %d: %v", i, err)
			}
			took[i] = time.Since(start)
		}
		if b.N < marks {
			b.StopTimer()
			b.ReportMetric(float64(liveHeap()-before)/float64(b.N), "B/def")
		}
		mean := func(d []time.Duration) float64 {
			var sum time.Duration
			for _, x := range d {
				sum += x
			}
			return float64(sum) / float64(time.Millisecond) / float64(len(d))
		}
		b.ReportMetric(mean(took[:min(window, b.N)]), "ms/def-first50")
		if b.N >= marks+window {
			b.ReportMetric(mean(took[marks:marks+window]), "ms/def-after600")
		}
	})
}
