package tensor

import (
	"math"
	"testing"
)

// opCase is one op under test: f builds the op's output from its inputs.
type opCase struct {
	name   string
	shapes [][]int
	f      func(in []*Tensor) *Tensor
	// positive keeps inputs in [0.5, 2) (log, sqrt, pow, div denominators);
	// otherwise inputs are normal values pushed away from 0 by at least 0.1
	// so that kinks (relu, abs, max, clamp) are not crossed by the step.
	positive bool
	// linear marks an op linear in each input: its central differences
	// take a step of 1 (exact for any step) instead of 1e-2.
	linear bool
}

var labels = []int{2, 0, 1, 1}

func opCases() []opCase {
	return []opCase{
		{name: "add", shapes: [][]int{{3, 4}, {3, 4}}, f: func(in []*Tensor) *Tensor { return in[0].Add(in[1]) }},
		{name: "add_row", shapes: [][]int{{3, 4}, {4}}, f: func(in []*Tensor) *Tensor { return in[0].Add(in[1]) }},
		{name: "add_col", shapes: [][]int{{3, 4}, {3, 1}}, f: func(in []*Tensor) *Tensor { return in[0].Add(in[1]) }},
		{name: "add_both", shapes: [][]int{{3, 1, 4}, {2, 1}}, f: func(in []*Tensor) *Tensor { return in[0].Add(in[1]) }},
		{name: "sub_bcast", shapes: [][]int{{4}, {2, 3, 4}}, f: func(in []*Tensor) *Tensor { return in[0].Sub(in[1]) }},
		{name: "mul", shapes: [][]int{{2, 3}, {2, 3}}, f: func(in []*Tensor) *Tensor { return in[0].Mul(in[1]) }},
		{name: "mul_scalar_tensor", shapes: [][]int{{2, 3}, {}}, f: func(in []*Tensor) *Tensor { return in[0].Mul(in[1]) }},
		{name: "div", shapes: [][]int{{2, 3}, {2, 3}}, f: func(in []*Tensor) *Tensor { return in[0].Div(in[1]) }, positive: true},
		{name: "div_bcast", shapes: [][]int{{2, 3}, {2, 1}}, f: func(in []*Tensor) *Tensor { return in[0].Div(in[1]) }, positive: true},
		{name: "maximum", shapes: [][]int{{3, 4}, {4}}, f: func(in []*Tensor) *Tensor { return in[0].Maximum(in[1]) }},
		{name: "minimum", shapes: [][]int{{3, 4}, {3, 4}}, f: func(in []*Tensor) *Tensor { return in[0].Minimum(in[1]) }},
		{name: "scale", shapes: [][]int{{5}}, f: func(in []*Tensor) *Tensor { return in[0].Scale(-1.5) }},
		{name: "addscalar", shapes: [][]int{{5}}, f: func(in []*Tensor) *Tensor { return in[0].AddScalar(2) }},
		{name: "neg", shapes: [][]int{{5}}, f: func(in []*Tensor) *Tensor { return in[0].Neg() }},
		{name: "exp", shapes: [][]int{{2, 3}}, f: func(in []*Tensor) *Tensor { return in[0].Exp() }},
		{name: "log", shapes: [][]int{{2, 3}}, f: func(in []*Tensor) *Tensor { return in[0].Log() }, positive: true},
		{name: "sqrt", shapes: [][]int{{2, 3}}, f: func(in []*Tensor) *Tensor { return in[0].Sqrt() }, positive: true},
		{name: "square", shapes: [][]int{{2, 3}}, f: func(in []*Tensor) *Tensor { return in[0].Square() }},
		{name: "pow", shapes: [][]int{{2, 3}}, f: func(in []*Tensor) *Tensor { return in[0].Pow(2.5) }, positive: true},
		{name: "abs", shapes: [][]int{{2, 3}}, f: func(in []*Tensor) *Tensor { return in[0].Abs() }},
		{name: "clamp", shapes: [][]int{{3, 3}}, f: func(in []*Tensor) *Tensor { return in[0].Clamp(-0.55, 0.65) }},
		{name: "relu", shapes: [][]int{{3, 4}}, f: func(in []*Tensor) *Tensor { return in[0].ReLU() }},
		{name: "sigmoid", shapes: [][]int{{3, 4}}, f: func(in []*Tensor) *Tensor { return in[0].Sigmoid() }},
		{name: "tanh", shapes: [][]int{{3, 4}}, f: func(in []*Tensor) *Tensor { return in[0].Tanh() }},
		{name: "matmul", shapes: [][]int{{3, 4}, {4, 5}}, f: func(in []*Tensor) *Tensor { return in[0].MatMul(in[1]) }},
		{name: "matmul_3d", shapes: [][]int{{2, 3, 4}, {4, 2}}, f: func(in []*Tensor) *Tensor { return in[0].MatMul(in[1]) }},
		{name: "matmul_vec", shapes: [][]int{{3, 4}, {4}}, f: func(in []*Tensor) *Tensor { return in[0].MatMul(in[1]) }},
		{name: "linear", shapes: [][]int{{4, 5}, {3, 5}, {3}}, f: func(in []*Tensor) *Tensor { return Linear(in[0], in[1], in[2]) }},
		{name: "linear_relu", shapes: [][]int{{4, 5}, {3, 5}, {3}}, f: func(in []*Tensor) *Tensor { return LinearReLU(in[0], in[1], in[2]) }},
		{name: "linear_nobias", shapes: [][]int{{4, 5}, {3, 5}}, f: func(in []*Tensor) *Tensor { return Linear(in[0], in[1], nil) }},
		{name: "t", shapes: [][]int{{3, 4}}, f: func(in []*Tensor) *Tensor { return in[0].T() }},
		{name: "transpose", shapes: [][]int{{2, 3, 4}}, f: func(in []*Tensor) *Tensor { return in[0].Transpose(0, 2) }},
		{name: "permute", shapes: [][]int{{2, 3, 4}}, f: func(in []*Tensor) *Tensor { return in[0].Permute(1, 2, 0) }},
		{name: "reshape", shapes: [][]int{{2, 6}}, f: func(in []*Tensor) *Tensor { return in[0].Reshape(3, -1) }},
		{name: "flatten", shapes: [][]int{{2, 3}}, f: func(in []*Tensor) *Tensor { return in[0].Flatten() }},
		{name: "unsqueeze", shapes: [][]int{{2, 3}}, f: func(in []*Tensor) *Tensor { return in[0].Unsqueeze(1) }},
		{name: "rows", shapes: [][]int{{4, 3}}, f: func(in []*Tensor) *Tensor { return in[0].Rows([]int{3, 0, 3, 1}) }},
		{name: "slice", shapes: [][]int{{5, 2}}, f: func(in []*Tensor) *Tensor { return in[0].Slice(1, 4) }},
		{name: "cat", shapes: [][]int{{2, 3}, {1, 3}}, f: func(in []*Tensor) *Tensor { return Cat([]*Tensor{in[0], in[1]}) }},
		{name: "sum", shapes: [][]int{{3, 4}}, f: func(in []*Tensor) *Tensor { return in[0].Sum() }},
		{name: "mean", shapes: [][]int{{3, 4}}, f: func(in []*Tensor) *Tensor { return in[0].Mean() }},
		{name: "sum_axis0", shapes: [][]int{{3, 4}}, f: func(in []*Tensor) *Tensor { return in[0].SumAxis(0, false) }},
		{name: "sum_axis1_keep", shapes: [][]int{{2, 3, 4}}, f: func(in []*Tensor) *Tensor { return in[0].SumAxis(1, true) }},
		{name: "mean_axis", shapes: [][]int{{3, 4}}, f: func(in []*Tensor) *Tensor { return in[0].MeanAxis(-1, false) }},
		{name: "var_axis", shapes: [][]int{{3, 4}}, f: func(in []*Tensor) *Tensor { return in[0].VarAxis(1, false) }},
		{name: "std_axis0_keep", shapes: [][]int{{3, 4}}, f: func(in []*Tensor) *Tensor { return in[0].StdAxis(0, true) }},
		{name: "max", shapes: [][]int{{3, 4}}, f: func(in []*Tensor) *Tensor { return in[0].Max() }},
		{name: "max_axis", shapes: [][]int{{3, 4}}, f: func(in []*Tensor) *Tensor { return in[0].MaxAxis(1, false) }},
		{name: "min_axis", shapes: [][]int{{3, 4}}, f: func(in []*Tensor) *Tensor { return in[0].MinAxis(0, true) }},
		{name: "softmax", shapes: [][]int{{3, 4}}, f: func(in []*Tensor) *Tensor { return in[0].Softmax(1) }},
		{name: "softmax_axis0", shapes: [][]int{{3, 4}}, f: func(in []*Tensor) *Tensor { return in[0].Softmax(0) }},
		{name: "log_softmax", shapes: [][]int{{3, 4}}, f: func(in []*Tensor) *Tensor { return in[0].LogSoftmax(-1) }},
		{name: "log_softmax_mid", shapes: [][]int{{2, 3, 2}}, f: func(in []*Tensor) *Tensor { return in[0].LogSoftmax(1) }},
		{name: "layer_norm", shapes: [][]int{{3, 4}, {4}, {4}}, f: func(in []*Tensor) *Tensor { return LayerNorm(in[0], in[1], in[2], 1e-5) }},
		{name: "cross_entropy", shapes: [][]int{{4, 3}}, f: func(in []*Tensor) *Tensor { return CrossEntropy(in[0], labels) }},
		{name: "nll_loss", shapes: [][]int{{4, 3}}, f: func(in []*Tensor) *Tensor { return NLLLoss(in[0].LogSoftmax(1), labels) }},
		{name: "mse", shapes: [][]int{{4, 3}, {4, 3}}, f: func(in []*Tensor) *Tensor { return MSE(in[0], in[1]) }},
		{name: "bce_with_logits", shapes: [][]int{{4, 3}, {4, 3}}, f: func(in []*Tensor) *Tensor { return BCEWithLogits(in[0], in[1].Sigmoid()) }},
	}
}

// inputs returns deterministic inputs for a case.
func (c opCase) inputs(seed int64) []*Tensor {
	g := NewRNG(seed)
	in := make([]*Tensor, len(c.shapes))
	for i, s := range c.shapes {
		var t *Tensor
		if c.positive {
			t = g.Uniform(0.5, 2, s...)
		} else {
			t = g.Randn(s...)
			for j, v := range t.data {
				if v >= 0 && v < 0.1 {
					t.data[j] = v + 0.1
				} else if v < 0 && v > -0.1 {
					t.data[j] = v - 0.1
				}
			}
		}
		in[i] = t.SetRequiresGrad(true)
	}
	return in
}

// weightedLoss is Σ out·r for fixed pseudo-random weights r, so every
// output element gets a distinct gradient.
func weightedLoss(out *Tensor) *Tensor {
	r := NewRNG(99).Uniform(-1, 1, out.shape...)
	return out.Mul(r).Sum()
}

// TestGradientsFiniteDifference compares every op's backward with central
// differences of its forward, evaluated in float64 from float32 ops.
func TestGradientsFiniteDifference(t *testing.T) {
	for _, c := range opCases() {
		t.Run(c.name, func(t *testing.T) { checkFiniteDifference(t, c) })
	}
}

// checkFiniteDifference compares c's backward with central differences of
// its forward, evaluated in float64 from float32 ops.
func checkFiniteDifference(t *testing.T, c opCase) {
	t.Helper()
	in := c.inputs(7)
	weightedLoss(c.f(in)).Backward()
	h := 1e-2
	if c.linear {
		h = 1
	}
	for k, x := range in {
		if x.Grad() == nil {
			t.Fatalf("input %d has no gradient", k)
		}
		for i := range x.data {
			orig := x.data[i]
			var fp, fm float64
			NoGrad(func() {
				x.data[i] = orig + float32(h)
				fp = weightedLoss(c.f(in)).Item()
				x.data[i] = orig - float32(h)
				fm = weightedLoss(c.f(in)).Item()
			})
			x.data[i] = orig
			num := (fp - fm) / (2 * h)
			got := float64(x.Grad().data[i])
			if math.Abs(num-got) > 1e-2*math.Max(1, math.Abs(num)) {
				t.Errorf("input %d element %d: backward %.6f, finite difference %.6f", k, i, got, num)
			}
		}
	}
}
