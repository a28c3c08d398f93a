package interp

import (
	"context"
	"testing"

	"github.com/gokernel/gokernel/interp/symbols"
	"github.com/gokernel/gokernel/interp/symbols/stdlib"
	yaegi "github.com/traefik/yaegi/interp"
)

// BenchmarkTrivialCell is the whole Execute path for `x := 1` (split,
// parse, rewrite, compile, run, flush), to compare with BenchmarkRawEval.
func BenchmarkTrivialCell(b *testing.B) {
	s, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		if _, err := s.Execute(ctx, "x := 1", Output{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRawEval(b *testing.B) {
	i := yaegi.New(yaegi.Options{})
	if err := i.Use(symbols.StdlibTables()); err != nil {
		b.Fatal(err)
	}
	for n := 0; n < b.N; n++ {
		if _, err := i.Eval("x := 1"); err != nil {
			b.Fatal(err)
		}
	}
}

const loopCell = "func loop() int { s := 0; for i := 0; i < 1000000; i++ { s += i }; return s }\nloop()"

// BenchmarkLoopPolled runs a 1e6-iteration interpreted loop with the
// interrupt poll the engine inserts; BenchmarkLoopRaw runs it in plain yaegi.
func BenchmarkLoopPolled(b *testing.B) {
	s, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Execute(context.Background(), loopCell, Output{}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.Execute(context.Background(), "loop()", Output{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLoopRaw(b *testing.B) {
	i := yaegi.New(yaegi.Options{})
	if err := i.Use(symbols.StdlibTables()); err != nil {
		b.Fatal(err)
	}
	if _, err := i.Eval("func loop() int { s := 0; for i := 0; i < 1000000; i++ { s += i }; return s }"); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		if _, err := i.Eval("loop()"); err != nil {
			b.Fatal(err)
		}
	}
}

// pipeSrc passes 10,000 values from one goroutine to another through a
// buffered channel: a send statement and a range over the channel.
const pipeSrc = `func pipe() int {
	ch := make(chan int, 64)
	done := make(chan int)
	go func() {
		s := 0
		for v := range ch {
			s += v
		}
		done <- s
	}()
	for i := 0; i < 10000; i++ {
		ch <- i
	}
	close(ch)
	r := <-done // (plain yaegi fails return <-done)
	return r
}`

// BenchmarkChannelPipe runs pipeSrc in a session, where the channel
// statements go through the compiled select (selects.go);
// BenchmarkChannelPipeRaw in plain yaegi (its own select, neither
// interruptible nor safe for goroutines sharing a statement).
func BenchmarkChannelPipe(b *testing.B) {
	s, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Execute(context.Background(), pipeSrc, Output{}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.Execute(context.Background(), "pipe()", Output{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkChannelPipeRaw(b *testing.B) {
	i := yaegi.New(yaegi.Options{})
	if err := i.Use(symbols.StdlibTables()); err != nil {
		b.Fatal(err)
	}
	if _, err := i.Eval(pipeSrc); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		if _, err := i.Eval("pipe()"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBuildTables is what building every symbol table costs (package
// init used to pay it in every process, then every first session; now a
// session builds the tables of the packages its cells import).
func BenchmarkBuildTables(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		for _, build := range stdlib.Symbols {
			build()
		}
		for _, build := range symbols.Symbols {
			build()
		}
	}
}

// BenchmarkNewSession is a session's start (yaegi's interpreter, the
// runtime helpers and fmt loaded, the helpers compiled), which every
// kernel start and %reset pays:
//
//	go test -run XXX -bench NewSession -benchmem ./interp/
func BenchmarkNewSession(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		s, err := New(Options{})
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
}

// BenchmarkCellCheck is what checking a cell before it runs costs
// (precheck: parse, names, go/types), for a 12-line training cell in a
// session holding a model, an optimizer and data; compare with
// BenchmarkTrivialCell, the whole path of the smallest cell.
//
//	go test -run XXX -bench CellCheck -benchmem ./interp/
func BenchmarkCellCheck(b *testing.B) {
	s, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	setup := "x := tensor.Randn(1, 256, 20)\ny := make([]int, 256)\nds := data.NewDataset(x, y)\n" +
		"model := nn.NewSequential(nn.NewLinear(20, 16), nn.NewReLU(), nn.NewLinear(16, 2))\n" +
		"opt := optim.NewSGD(model.Parameters(), optim.SGDConfig{LR: 0.01, Momentum: 0.9})\n" +
		"type stats struct{ loss float64; n int }\nfunc (s *stats) add(l float64) { s.loss += l; s.n++ }"
	if _, err := s.Execute(ctx, setup, Output{}); err != nil {
		b.Fatal(err)
	}
	cell := `var st stats
for epoch := 0; epoch < 2; epoch++ {
	for it := ds.Batches(64, true); it.Next(); {
		opt.ZeroGrad()
		loss := nn.CrossEntropy(model.Forward(it.X()), it.Y())
		loss.Backward()
		opt.Step()
		st.add(float64(loss.Item()))
	}
}
fmt.Printf("mean loss %.3f\n", st.loss/float64(st.n))
st.n`
	if _, err := s.Execute(ctx, cell, Output{}); err != nil {
		b.Fatal(err)
	}
	code, magics := splitMagics(cell)
	items := mergeItems(splitItems(code), magics)
	us := units(items)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := s.precheck(1, code, items, us); err != nil {
			b.Fatal(err)
		}
	}
}
