package serve

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gokernel/gokernel/mlstd/export"
	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// invarianceModels saves two models, each as safetensors and as ONNX, and
// loads them back as the server would: the MNIST MLP (784-128-10 with
// ReLU, which the worker runs as Plan.InferRows) and a 784-64-Tanh-32-
// Sigmoid-10 network (which runs through Plan.Infer on tensors).
func invarianceModels(t *testing.T) map[string]nn.Module {
	t.Helper()
	dir := t.TempDir()
	models := map[string]nn.Module{
		"mlp":  nn.NewSequential(nn.NewLinear(784, 128), nn.NewReLU(), nn.NewLinear(128, 10)),
		"tanh": nn.NewSequential(nn.NewLinear(784, 64), nn.NewTanh(), nn.NewLinear(64, 32), nn.NewSigmoid(), nn.NewLinear(32, 10)),
	}
	loaded := map[string]nn.Module{}
	for name, m := range models {
		for _, ext := range []string{".safetensors", ".onnx"} {
			path := filepath.Join(dir, name+ext)
			save := func(path string, m nn.Module) error { return export.Save(path, m) }
			if ext == ".onnx" {
				save = export.ExportONNX
			}
			if err := save(path, m); err != nil {
				t.Fatal(err)
			}
			l, _, err := LoadModel(path)
			if err != nil {
				t.Fatal(err)
			}
			loaded[name+ext] = l
		}
	}
	return loaded
}

// mnistRows returns rows MNIST-like inputs (pixels in [0, 1], mostly 0).
func mnistRows(rows int) []float32 {
	r := rand.New(rand.NewPCG(31, 32))
	x := make([]float32, rows*784)
	for i := range x {
		if r.IntN(4) == 0 {
			x[i] = float32(r.IntN(256)) / 255
		}
	}
	return x
}

// alone returns each row's output computed alone (a batch of one), by
// Forward.
func alone(m nn.Module, x []float32, rows int) [][]float32 {
	out := make([][]float32, rows)
	for i := range out {
		tensor.NoGrad(func() {
			out[i] = m.Forward(tensor.New(x[i*784:(i+1)*784], 1, 784)).Data()
		})
	}
	return out
}

// sameBits fails unless got equals want bit for bit.
func sameBits(t *testing.T, what string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d outputs, want %d", what, len(got), len(want))
	}
	for j := range want {
		if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
			t.Fatalf("%s: output %d is %v (%08x), alone %v (%08x)", what, j, got[j], math.Float32bits(got[j]), want[j], math.Float32bits(want[j]))
		}
	}
}

// TestBatchInvariantInProcess checks, for models loaded from safetensors
// and ONNX files, that every row's outputs are bitwise those of the row
// alone whatever the batch: B = 1…64 rows at every offset kind, through
// Forward and through the batcher, which merges B queued single-row jobs
// into one pass (the row's position in it varies with B).
func TestBatchInvariantInProcess(t *testing.T) {
	const n = 64
	x := mnistRows(n)
	for name, m := range invarianceModels(t) {
		t.Run(name, func(t *testing.T) {
			want := alone(m, x, n)
			for rows := 1; rows <= n; rows++ {
				o := rows * 37 % (n - rows + 1)
				var y []float32
				tensor.NoGrad(func() { y = m.Forward(tensor.New(x[o*784:(o+rows)*784], rows, 784)).Data() })
				for i := 0; i < rows; i++ {
					sameBits(t, fmt.Sprintf("Forward, row %d of %d at %d", i, rows, o), y[i*10:(i+1)*10], want[o+i])
				}
			}
			for rows := 1; rows <= n; rows++ {
				b, err := newBatcher(m, []int{784}, n, n, 0)
				if err != nil {
					t.Fatal(err)
				}
				jobs := make([]*job, rows)
				for i := range jobs {
					r := (i + rows) % n // each row at several positions over the batch sizes
					jobs[i] = &job{x: x[r*784 : (r+1)*784], rows: 1, done: make(chan result, 1)}
					if err := b.submit(jobs[i]); err != nil {
						t.Fatal(err)
					}
				}
				b.close()
				b.run() // merges the queued jobs into one pass, then returns
				for i, j := range jobs {
					res := <-j.done
					if res.err != nil || res.rows != rows {
						t.Fatalf("batch of %d: job %d ran in a batch of %d (%v)", rows, i, res.rows, res.err)
					}
					sameBits(t, fmt.Sprintf("batcher, row %d of %d", i, rows), res.out, want[(i+rows)%n])
				}
			}
		})
	}
}

// TestBatchInvariantServed sends, over real sockets, what issue 16 found
// differing: 16 clients × 25 concurrent requests of the same row (14 of
// 400 answers differed when the batcher merged 8 or more rows), plus
// requests of 1…8 rows at random offsets in between, so that rows land at
// every position of batches of up to 64; every answer (outputs and
// probabilities) must be the row's answer alone, bit for bit, for each
// model and file format.
func TestBatchInvariantServed(t *testing.T) {
	const n = 64
	x := mnistRows(n)
	for name, m := range invarianceModels(t) {
		t.Run(name, func(t *testing.T) {
			want := alone(m, x, n)
			s, err := Start(m, Options{Name: "m", MaxBatch: n, MaxDelay: 2 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			var wg sync.WaitGroup
			for c := 0; c < 16; c++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r := rand.New(rand.NewPCG(uint64(c), 33))
					for q := 0; q < 25; q++ {
						o, rows := 0, 1 // the identical request
						if c%2 == 1 {
							rows = 1 + r.IntN(8)
							o = r.IntN(n - rows + 1)
						}
						code, body := do(t, "POST", s.InferURL(), inferBody("", []int{rows, 784}, x[o*784:(o+rows)*784]))
						if code != 200 {
							t.Errorf("%d %s", code, body)
							return
						}
						outs := decodeResponse(t, body).Outputs
						if len(outs) != 3 || outs[0].Name != "output" || outs[1].Name != "probabilities" || len(outs[0].Data) != rows*10 || len(outs[1].Data) != rows*10 {
							t.Errorf("outputs %s, want output and probabilities with %d values", body, rows*10)
							return
						}
						for i := 0; i < rows; i++ {
							for k, w := range [][]float32{want[o+i], softmax(want[o+i], 10)} {
								for j, wj := range w {
									if g := float32(outs[k].Data[i*10+j]); math.Float32bits(g) != math.Float32bits(wj) {
										t.Errorf("client %d request %d: row %d %s %d is %v, alone %v", c, q, o+i, outs[k].Name, j, g, wj)
										return
									}
								}
							}
						}
					}
				}()
			}
			wg.Wait()
			st := s.Stats()
			t.Logf("%d rows in %d passes (mean batch %.1f)", st.Rows, st.Batches, st.MeanBatch)
			if st.MeanBatch < 2 {
				t.Errorf("mean batch %.1f: the requests were not merged, so batching was not tested", st.MeanBatch)
			}
		})
	}
}
