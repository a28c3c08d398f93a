package tensor

import (
	"slices"
	"testing"
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
