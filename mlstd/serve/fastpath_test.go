package serve

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// TestMLPPlanMatchesForward checks the fast path against Sequential.Forward
// on the layer forms it accepts, bit for bit, and that it leaves the
// request's rows alone.
func TestMLPPlanMatchesForward(t *testing.T) {
	g := tensor.NewRNG(3)
	lin := func(in, out int, bias bool) *nn.Linear { return nn.NewLinearRNG(in, out, bias, g) }
	models := map[string]*nn.Sequential{
		"linear-relu-linear":     nn.NewSequential(lin(20, 16, true), nn.NewReLU(), lin(16, 3, true)),
		"linear":                 nn.NewSequential(lin(20, 5, true)),
		"relu-first":             nn.NewSequential(nn.NewReLU(), lin(20, 4, false)),
		"relu-only":              nn.NewSequential(nn.NewReLU()),
		"ends-in-relu":           nn.NewSequential(lin(20, 6, true), nn.NewReLU()),
		"wide":                   nn.NewSequential(lin(20, 128, true), nn.NewReLU(), lin(128, 48, true), nn.NewReLU(), lin(48, 3, true)),
		"deep-no-bias-relu-relu": nn.NewSequential(lin(20, 12, false), lin(12, 9, true), nn.NewReLU(), nn.NewReLU(), lin(9, 7, true), nn.NewReLU()),
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var p mlpPlan
	for name, m := range models {
		for _, rows := range []int{1, 3, 64} {
			x := make([]float32, rows*20)
			for i := range x {
				x[i] = float32(rng.NormFloat64())
			}
			orig := slices.Clone(x)
			var want *tensor.Tensor
			tensor.NoGrad(func() { want = m.Forward(tensor.New(slices.Clone(x), rows, 20)) })
			for pass := 0; pass < 2; pass++ { // the second pass reuses the hidden buffers
				got, w, ok := p.forward(m, x, rows, 20)
				if !ok {
					t.Fatalf("%s: fast path refused a supported model", name)
				}
				if w*rows != want.Len() || !slices.Equal(got, want.Data()) {
					t.Fatalf("%s rows=%d: fast path %v, Forward %v", name, rows, got, want.Data())
				}
				if !slices.Equal(x, orig) {
					t.Fatalf("%s: fast path changed the input rows", name)
				}
			}
		}
	}
	// Weights changed in place (an optimizer step) are used at the next pass.
	m := models["wide"]
	x := make([]float32, 2*20)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	before, _, _ := p.forward(m, x, 2, 20)
	before = slices.Clone(before)
	w := m.Layer(2).(*nn.Linear).Weight.Data()
	for i := range w {
		w[i] *= -0.5
	}
	after, _, _ := p.forward(m, x, 2, 20)
	var want *tensor.Tensor
	tensor.NoGrad(func() { want = m.Forward(tensor.New(slices.Clone(x), 2, 20)) })
	if slices.Equal(after, before) || !slices.Equal(after, want.Data()) {
		t.Fatalf("after an in-place weight update: fast path %v (before %v), Forward %v", after, before, want.Data())
	}
	for name, m := range map[string]nn.Module{
		"sigmoid":     nn.NewSequential(lin(20, 4, true), nn.NewSigmoid()),
		"wrong-width": nn.NewSequential(lin(21, 4, true)),
		"not-seq":     lin(20, 4, true),
		"empty":       nn.NewSequential(),
	} {
		if _, _, ok := p.forward(m, make([]float32, 20), 1, 20); ok {
			t.Errorf("%s: fast path accepted a model it does not support", name)
		}
	}
}
