package nn_test

import (
	"slices"
	"testing"

	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// TestSequentialRecyclesHiddenActivations trains the same MLP through
// Sequential (whose hidden activations Backward recycles) and through the
// layers called one by one (nothing recycled), checking identical gradients
// at every step and that the output a caller keeps is never overwritten.
func TestSequentialRecyclesHiddenActivations(t *testing.T) {
	mk := func() []nn.Module {
		g := tensor.NewRNG(5)
		return []nn.Module{nn.NewLinearRNG(20, 16, true, g), nn.NewReLU(), nn.NewLinearRNG(16, 16, true, g),
			nn.NewReLU(), nn.NewLinearRNG(16, 3, true, g), nn.NewReLU()}
	}
	seq := nn.NewSequential(mk()...)
	plain := mk()
	labels := []int{0, 1, 2, 1, 0, 2, 2, 1}
	var kept []*tensor.Tensor
	var keptData [][]float32
	for step := 0; step < 4; step++ {
		x := tensor.NewRNG(int64(step)).Randn(8, 20)
		out := seq.Forward(x)
		kept, keptData = append(kept, out), append(keptData, slices.Clone(out.Data()))
		nn.CrossEntropy(out, labels).Backward()
		y := x
		var ps []*tensor.Tensor
		for _, l := range plain {
			y = l.Forward(y)
			ps = append(ps, l.Parameters()...)
		}
		nn.CrossEntropy(y, labels).Backward()
		for i, p := range seq.Parameters() {
			if !slices.Equal(p.Grad().Data(), ps[i].Grad().Data()) {
				t.Fatalf("step %d: parameter %d's gradient differs from the unfused layers'", step, i)
			}
			p.ZeroGrad()
			ps[i].ZeroGrad()
		}
	}
	for i, k := range kept {
		if !slices.Equal(k.Data(), keptData[i]) {
			t.Fatalf("output of step %d was overwritten", i)
		}
	}
}

// TestSequentialRecyclesConvActivations runs a small CNN with dropout
// (identically seeded on both sides; ReLU before and after max pooling,
// which Sequential fuses) through
// Sequential (hidden activations recycled by Backward, or at once under
// NoGrad) and layer by layer, alternating training steps and NoGrad
// evaluations so that recycled buffers are reused, and checks identical
// outputs and gradients and that no output a caller keeps is overwritten.
func TestSequentialRecyclesConvActivations(t *testing.T) {
	mk := func() []nn.Module {
		g := tensor.NewRNG(7)
		return []nn.Module{
			nn.NewConv2d(2, 4, 3, nn.Conv2dOptions{Padding: 1, RNG: g}), nn.NewReLU(), nn.NewMaxPool2d(2, nn.Pool2dOptions{}),
			nn.NewDropoutRNG(0.25, tensor.NewRNG(11)),
			nn.NewConv2d(4, 5, 3, nn.Conv2dOptions{Padding: 1, RNG: g}), nn.NewMaxPool2d(2, nn.Pool2dOptions{}), nn.NewReLU(),
			nn.NewAvgPool2d(2, nn.Pool2dOptions{Stride: 1}),
			nn.NewFlatten(), nn.NewDropoutRNG(0.5, tensor.NewRNG(12)), nn.NewLinearRNG(5*2*2, 3, true, g)}
	}
	seq, plain := nn.NewSequential(mk()...), mk()
	labels := []int{0, 1, 2, 1, 0, 2}
	plainForward := func(x *tensor.Tensor) *tensor.Tensor {
		for _, l := range plain {
			x = l.Forward(x)
		}
		return x
	}
	var kept []*tensor.Tensor
	var keptData [][]float32
	for step := 0; step < 4; step++ {
		x := tensor.NewRNG(int64(step)).Randn(6, 2, 12, 12)
		var eval, evalPlain *tensor.Tensor
		tensor.NoGrad(func() { eval, evalPlain = seq.Forward(x), plainForward(x) })
		if !slices.Equal(eval.Data(), evalPlain.Data()) {
			t.Fatalf("step %d: NoGrad output differs from the layers'", step)
		}
		out := seq.Forward(x)
		kept, keptData = append(kept, out, eval), append(keptData, slices.Clone(out.Data()), slices.Clone(eval.Data()))
		nn.CrossEntropy(out, labels).Backward()
		y := plainForward(x)
		if !slices.Equal(out.Data(), y.Data()) {
			t.Fatalf("step %d: output differs from the layers'", step)
		}
		nn.CrossEntropy(y, labels).Backward()
		var ps []*tensor.Tensor
		for _, l := range plain {
			ps = append(ps, l.Parameters()...)
		}
		for i, p := range seq.Parameters() {
			if !slices.Equal(p.Grad().Data(), ps[i].Grad().Data()) {
				t.Fatalf("step %d: parameter %d's gradient differs from the layers'", step, i)
			}
			p.ZeroGrad()
			ps[i].ZeroGrad()
		}
	}
	for i, k := range kept {
		if !slices.Equal(k.Data(), keptData[i]) {
			t.Fatalf("kept output %d was overwritten", i)
		}
	}
}
