package tensor

import (
	"slices"
	"testing"

	"github.com/gokernel/gokernel/mlstd/internal/scratch"
)

// mlpStep runs one forward/backward pass of a 784-128-10 ReLU MLP with
// cross-entropy on a batch of 64 and returns copies of the gradients.
func mlpStep(x *Tensor, labels []int, ps []*Tensor) [][]float32 {
	mlpForwardBackward(x, labels, ps)
	var gs [][]float32
	for _, p := range ps {
		gs = append(gs, slices.Clone(p.Grad().Data()))
	}
	return gs
}

func mlpForwardBackward(x *Tensor, labels []int, ps []*Tensor) {
	for _, p := range ps {
		if p.Grad() != nil {
			clear(p.Grad().Data()) // optim's ZeroGrad: in place
		}
	}
	h := LinearReLU(x, ps[0], ps[1])
	CrossEntropy(Linear(h, ps[2], ps[3]), labels).Backward()
}

func mlpSetup() (*Tensor, []int, []*Tensor) {
	r := NewRNG(3)
	x := r.Randn(64, 784)
	labels := make([]int, 64)
	for i := range labels {
		labels[i] = r.Intn(10)
	}
	ps := []*Tensor{r.Randn(128, 784).Scale(0.05), r.Randn(128).Scale(0.05), r.Randn(10, 128).Scale(0.1), r.Randn(10).Scale(0.1)}
	for _, p := range ps {
		p.SetRequiresGrad(true)
	}
	return x, labels, ps
}

// TestPooledBuffersGiveSameGradients checks that steps running on recycled
// scratch and gradient buffers (dirty from earlier steps of other shapes)
// compute exactly the gradients of the first step, and that the buffers
// really are recycled.
func TestPooledBuffersGiveSameGradients(t *testing.T) {
	x, labels, ps := mlpSetup()
	want := mlpStep(x, labels, ps)
	// Dirty the pools with other data of the same lengths.
	for i := 0; i < 3; i++ {
		y := NewRNG(int64(i)).Randn(64, 128).SetRequiresGrad(true)
		y.ReLU().Square().Sum().Backward()
	}
	for i := 0; i < 3; i++ {
		got := mlpStep(x, labels, ps)
		for j := range want {
			if !slices.Equal(got[j], want[j]) {
				t.Fatalf("step %d: gradient %d differs from the first step's", i, j)
			}
		}
	}
	b := getBuf(64 * 128)
	putBuf(b)
	if c := getBuf(64 * 128); &c[0] != &b[0] {
		t.Log("pool returned a new buffer (a GC emptied it); not an error")
	}
}

// TestForwardOutputsNotRecycled checks that tensors a caller keeps from a
// step are not overwritten by later steps.
func TestForwardOutputsNotRecycled(t *testing.T) {
	x, labels, ps := mlpSetup()
	h := LinearReLU(x, ps[0], ps[1])
	keep := slices.Clone(h.Data())
	CrossEntropy(Linear(h, ps[2], ps[3]), labels).Backward()
	for i := 0; i < 3; i++ {
		mlpStep(x.Scale(float64(i+2)), labels, ps)
	}
	if !slices.Equal(h.Data(), keep) {
		t.Fatal("a kept forward output was overwritten by later steps")
	}
}

// BenchmarkMLPStep measures one training step's time and garbage (B/op).
func BenchmarkMLPStep(b *testing.B) {
	x, labels, ps := mlpSetup()
	b.ReportAllocs()
	for b.Loop() {
		mlpForwardBackward(x, labels, ps)
	}
}

// BenchmarkMLPStepBatchHalves measures the two-core alternative to
// BenchmarkMLPStep: the batch's two halves go forward and backward on two
// goroutines, each with its own gradient buffers over the shared weights
// (one synchronisation per step, "a few large chunks"), and the halves'
// gradients are averaged. Compare its ns/op with BenchmarkMLPStep's; the
// library does not split steps because this did not win on the two shared
// cores (see internal/bench's doc).
func BenchmarkMLPStepBatchHalves(b *testing.B) {
	x, labels, ps := mlpSetup()
	half := x.Dim(0) / 2
	xs := []*Tensor{New(x.Data()[:half*784], half, 784), New(x.Data()[half*784:], half, 784)}
	ls := [][]int{labels[:half], labels[half:]}
	var reps [2][]*Tensor
	for r := range reps {
		for _, p := range ps {
			reps[r] = append(reps[r], New(p.Data(), p.Shape()...).SetRequiresGrad(true))
		}
	}
	for _, p := range ps {
		p.grad = Zeros(p.shape...)
	}
	done := make(chan struct{})
	start := make(chan struct{})
	go func() {
		for range start {
			mlpForwardBackward(xs[1], ls[1], reps[1])
			done <- struct{}{}
		}
	}()
	defer close(start)
	b.ReportAllocs()
	for b.Loop() {
		start <- struct{}{}
		mlpForwardBackward(xs[0], ls[0], reps[0])
		<-done
		for i, p := range ps {
			g, g0, g1 := p.grad.data, reps[0][i].grad.data, reps[1][i].grad.data
			for j := range g {
				g[j] = 0.5 * (g0[j] + g1[j])
			}
		}
	}
}

// TestScratchMarkedOutputRecycled checks that a hidden activation marked
// through internal/scratch gets recycled by Backward, that steps computed
// on recycled activations give the same gradients, and that views and
// unmarked outputs are never recycled; and that scratch.Done recycles a
// private output at once only when it has no graph.
func TestScratchMarkedOutputRecycled(t *testing.T) {
	x, labels, ps := mlpSetup()
	want := mlpStep(x, labels, ps)
	for i := 0; i < 3; i++ {
		for _, p := range ps {
			clear(p.Grad().Data())
		}
		h := LinearReLU(x, ps[0], ps[1])
		scratch.Mark(h)
		if !h.scratch {
			t.Fatal("LinearReLU output not marked")
		}
		CrossEntropy(Linear(h, ps[2], ps[3]), labels).Backward()
		if h.data != nil {
			t.Fatal("marked activation not recycled by Backward")
		}
		for j, p := range ps {
			if !slices.Equal(p.Grad().Data(), want[j]) {
				t.Fatalf("step %d: gradient %d differs with recycled activations", i, j)
			}
		}
	}
	v := LinearReLU(x, ps[0], ps[1]).Reshape(64, 128)
	scratch.Mark(v) // a view (shares storage): ignored
	scratch.Mark(x) // a leaf without a graph: ignored
	if v.scratch || x.scratch {
		t.Fatal("a view or a leaf was marked")
	}
	scratch.Done(x) // a leaf (not an op's output): kept
	h := LinearReLU(x, ps[0], ps[1])
	scratch.Mark(h)
	scratch.Done(h) // with a graph: left to Backward
	if x.data == nil || h.data == nil {
		t.Fatal("Done recycled a leaf or a tensor with a graph")
	}
	NoGrad(func() { h = LinearReLU(x, ps[0], ps[1]) })
	scratch.Mark(h)
	scratch.Done(h) // no graph: recycled at once
	if h.data != nil {
		t.Fatal("Done did not recycle a private output without a graph")
	}
}
