package nn_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

func TestLinearInit(t *testing.T) {
	nn.Seed(7)
	l := nn.NewLinear(400, 300)
	bound := 1 / math.Sqrt(400)
	for name, p := range map[string]*tensor.Tensor{"weight": l.Weight, "bias": l.Bias} {
		var sum, sq float64
		for _, v := range p.Data() {
			if math.Abs(float64(v)) > bound {
				t.Fatalf("%s value %v outside ±%v", name, v, bound)
			}
			sum += float64(v)
			sq += float64(v) * float64(v)
		}
		n := float64(p.Len())
		mean, variance := sum/n, sq/n-(sum/n)*(sum/n)
		// U(−b, b) has mean 0 and variance b²/3.
		if math.Abs(mean) > 4*bound/math.Sqrt(3*n) || math.Abs(variance/(bound*bound/3)-1) > 0.2 {
			t.Errorf("%s: mean %.4g variance %.4g, want U(±%.4g)", name, mean, variance, bound)
		}
		if !p.RequiresGrad() {
			t.Errorf("%s does not require grad", name)
		}
	}
	if got := l.Weight.Shape(); got[0] != 300 || got[1] != 400 {
		t.Errorf("weight shape %v, want [300 400]", got)
	}
	nn.Seed(7)
	again := nn.NewLinear(400, 300)
	if !again.Weight.AllClose(l.Weight, 0, 0) || !again.Bias.AllClose(l.Bias, 0, 0) {
		t.Error("Seed(7) did not reproduce the same initial weights")
	}
}

func TestNamedParametersNested(t *testing.T) {
	inner := nn.NewSequential(nn.NewLinear(3, 4), nn.NewTanh())
	model := nn.NewSequential(nn.NewFlatten(), inner, nn.NewLinearRNG(4, 2, false, tensor.NewRNG(1)))
	var names []string
	for _, p := range model.NamedParameters() {
		names = append(names, p.Name)
	}
	if got, want := strings.Join(names, " "), "1.0.weight 1.0.bias 2.weight"; got != want {
		t.Errorf("names %q, want %q", got, want)
	}
	if len(model.Parameters()) != 3 || nn.NumParams(model) != 3*4+4+4*2 {
		t.Errorf("Parameters: %d tensors, %d values", len(model.Parameters()), nn.NumParams(model))
	}
	if w := nn.Weights(model); len(w) != 2 {
		t.Errorf("Weights returned %d tensors, want 2", len(w))
	}
	out := model.Forward(tensor.Ones(5, 1, 3))
	if s := out.Shape(); s[0] != 5 || s[1] != 2 {
		t.Errorf("output shape %v, want [5 2]", s)
	}
}

func TestDropoutModes(t *testing.T) {
	nn.Seed(1)
	d := nn.NewDropout(0.25)
	model := nn.NewSequential(d)
	x := tensor.Ones(100, 100)
	y := model.Forward(x).Data()
	zeros := 0
	for _, v := range y {
		switch v {
		case 0:
			zeros++
		case float32(1 / 0.75):
		default:
			t.Fatalf("dropout output %v, want 0 or 1/(1-p)", v)
		}
	}
	if frac := float64(zeros) / float64(len(y)); math.Abs(frac-0.25) > 0.02 {
		t.Errorf("dropped %.3f of the values, want 0.25", frac)
	}
	nn.Eval(model)
	if d.Training() {
		t.Fatal("Eval did not reach the Dropout inside Sequential")
	}
	if !model.Forward(x).AllClose(x, 0, 0) {
		t.Error("dropout in eval mode changed its input")
	}
	nn.Train(model)
	if !d.Training() {
		t.Error("Train did not switch Dropout back")
	}
}

func TestL2PenaltyGradient(t *testing.T) {
	w := tensor.New([]float32{1, -2, 3}, 3).SetRequiresGrad(true)
	p := nn.L2Penalty([]*tensor.Tensor{w}, 0.5, 10) // 0.5/20 · 14
	if math.Abs(p.Item()-0.35) > 1e-6 {
		t.Errorf("penalty %v, want 0.35", p.Item())
	}
	p.Backward()
	for i, g := range w.Grad().Data() { // λ/m·θ
		if want := 0.05 * float64(w.Data()[i]); math.Abs(float64(g)-want) > 1e-6 {
			t.Errorf("grad[%d] = %v, want %v", i, g, want)
		}
	}
	w.ZeroGrad()
	l1 := nn.L1Penalty([]*tensor.Tensor{w}, 0.5, 10) // 0.05 · 6
	if math.Abs(l1.Item()-0.3) > 1e-6 {
		t.Errorf("L1 penalty %v, want 0.3", l1.Item())
	}
}

func TestSummaryHTML(t *testing.T) {
	nn.Seed(0)
	s := nn.Summary(nn.NewMLP([]int{784, 128, 10}))
	h := s.HTML()
	for _, want := range []string{"<table>", ">Linear</td>", "<td>[128 784] [128]</td>", "101,770"} {
		if !strings.Contains(h, want) {
			t.Errorf("HTML lacks %q:\n%s", want, h)
		}
	}
	if s.Total != 101770 || s.Trainable != 101770 || len(s.Rows) != 3 {
		t.Errorf("summary totals %d/%d, %d rows", s.Total, s.Trainable, len(s.Rows))
	}
}

func ExampleNewSequential() {
	nn.Seed(0)
	model := nn.NewSequential(nn.NewLinear(784, 128), nn.NewReLU(), nn.NewDropout(0.2), nn.NewLinear(128, 10))
	fmt.Println(model)
	for _, p := range model.NamedParameters() {
		fmt.Println(p.Name, p.Tensor.Shape())
	}
	// Output:
	// Sequential(
	//   (0): Linear(in_features=784, out_features=128, bias=True)
	//   (1): ReLU()
	//   (2): Dropout(p=0.2, inplace=False)
	//   (3): Linear(in_features=128, out_features=10, bias=True)
	// )
	// 0.weight [128 784]
	// 0.bias [128]
	// 3.weight [10 128]
	// 3.bias [10]
}

func ExampleSummary() {
	nn.Seed(0)
	fmt.Println(nn.Summary(nn.NewMLP([]int{784, 128, 10})))
	// Output:
	// #  Layer   Parameter shapes   Params
	// ────────────────────────────────────
	// 0  Linear  [128 784] [128]   100,480
	// 1  ReLU    —                       0
	// 2  Linear  [10 128] [10]       1,290
	// ────────────────────────────────────
	// Total params: 101,770
	// Trainable params: 101,770
	// Non-trainable params: 0
}

func ExampleCrossEntropy() {
	nn.Seed(0)
	model := nn.NewMLP([]int{4, 8, 3})
	x := tensor.Randn(1, 5, 4)
	loss := nn.CrossEntropy(model.Forward(x), []int{0, 1, 2, 1, 0})
	loss.Backward()
	fmt.Println(loss.Shape(), loss.Item() > 0)
	fmt.Println(model.Layers()[0].(*nn.Linear).Weight.Grad().Shape())
	// Output:
	// [] true
	// [8 4]
}

func ExampleL2Penalty() {
	nn.Seed(0)
	model := nn.NewMLP([]int{4, 3})
	x, y := tensor.Randn(1, 8, 4), []int{0, 1, 2, 0, 1, 2, 0, 1}
	// J(θ) + λ/2m Σθ² with λ = 0.1 over the 8 examples, weights only
	loss := nn.CrossEntropy(model.Forward(x), y).Add(nn.L2Penalty(nn.Weights(model), 0.1, 8))
	loss.Backward()
	fmt.Println(len(nn.Weights(model)), loss.Item() > 0)
	// Output: 1 true
}

func ExampleEval() {
	nn.Seed(0)
	model := nn.NewSequential(nn.NewLinear(4, 4), nn.NewDropout(0.5))
	x := tensor.Ones(1, 4)
	nn.Eval(model) // dropout off: evaluation is deterministic
	a, b := model.Forward(x), model.Forward(x)
	fmt.Println(a.AllClose(b, 0, 0))
	nn.Train(model)
	// Output: true
}

func ExampleNewMLP() {
	nn.Seed(0)
	fmt.Println(nn.NewMLP([]int{784, 256, 128, 10}))
	// Output:
	// Sequential(
	//   (0): Linear(in_features=784, out_features=256, bias=True)
	//   (1): ReLU()
	//   (2): Linear(in_features=256, out_features=128, bias=True)
	//   (3): ReLU()
	//   (4): Linear(in_features=128, out_features=10, bias=True)
	// )
}

func TestClipGradNorm(t *testing.T) {
	a := tensor.New([]float32{1, 2}, 2).SetRequiresGrad(true)
	b := tensor.New([]float32{2}, 1).SetRequiresGrad(true)
	unused := tensor.Ones(3).SetRequiresGrad(true)
	a.Square().Sum().Add(b.Square().Sum()).Scale(0.5).Backward() // grads = values, norm 3
	norm := nn.ClipGradNorm([]*tensor.Tensor{a, b, unused}, 1.5)
	if math.Abs(norm-3) > 1e-6 {
		t.Errorf("norm %v, want 3", norm)
	}
	want := []float64{0.5, 1, 1}
	got := append(a.Grad().Float64s(), b.Grad().Float64s()...)
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-5 {
			t.Errorf("clipped grads %v, want %v", got, want)
		}
	}
	if n := nn.ClipGradNorm([]*tensor.Tensor{a, b}, 10); math.Abs(n-1.5) > 1e-5 || a.Grad().Data()[0] != float32(got[0]) {
		t.Errorf("a norm under the limit changed the gradients (norm %v)", n)
	}
}

func ExampleNewLayerNorm() {
	ln := nn.NewLayerNorm(4)
	y := ln.Forward(tensor.New([]float32{1, 2, 3, 4}, 1, 4))
	fmt.Println(ln)
	fmt.Println(y)
	// Output:
	// LayerNorm((4,), eps=1e-05, elementwise_affine=True)
	// tensor([[-1.3416, -0.4472,  0.4472,  1.3416]], grad_fn=<AddBackward>)
}

// named is a compiled layer whose String may or may not start with a
// PyTorch-style name.
type named struct{ s string }

func (n named) Forward(x *tensor.Tensor) *tensor.Tensor { return x }
func (n named) Parameters() []*tensor.Tensor            { return nil }
func (n named) String() string                          { return n.s }

func TestSummaryTypeNames(t *testing.T) {
	m := nn.NewSequentialFrom([]nn.Module{nn.NewLinear(2, 3), named{"Block(k=1)"}, named{"a custom block"}})
	var got []string
	for _, r := range nn.Summary(m).Rows {
		got = append(got, r.Type+": "+r.Layer)
	}
	want := []string{"Linear: Linear(in_features=2, out_features=3, bias=True)", "Block: Block(k=1)", "named: a custom block"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("summary rows %q, want %q", got, want)
	}
}

// TestLinearShapeErrors checks that a wrong input to a Linear layer names
// the layer as the user wrote it, alone and inside a Sequential (where a
// Linear and a ReLU run as the fused tensor op linear_relu), and suggests
// flattening an image batch.
func TestLinearShapeErrors(t *testing.T) {
	fc := nn.NewLinear(784, 128)
	lenet := nn.NewSequential(nn.NewConv2d(1, 16, 5, nn.Conv2dOptions{}), nn.NewReLU(), nn.NewMaxPool2d(4, nn.Pool2dOptions{}),
		nn.NewLinear(400, 120), nn.NewReLU(), nn.NewLinear(120, 10))
	for _, tc := range []struct {
		name string
		f    func()
		want string
	}{
		{"alone", func() { fc.Forward(tensor.Zeros(64, 100)) },
			"nn.Linear(784→128): input [64 100] has 100 features in its last dimension, the layer takes 784"},
		{"fused", func() { nn.NewSequential(fc, nn.NewReLU()).Forward(tensor.Zeros(64, 100)) },
			"nn.Linear(784→128): input [64 100] has 100 features in its last dimension, the layer takes 784"},
		{"images", func() { nn.NewSequential(fc, nn.NewReLU()).Forward(tensor.Zeros(64, 1, 28, 28)) },
			"nn.Linear(784→128): input [64 1 28 28] has 28 features in its last dimension, the layer takes 784; flatten it first (nn.NewFlatten() before the layer, or x.Reshape(64, 784))"},
		{"no flatten", func() { lenet.Forward(tensor.Zeros(2, 1, 24, 24)) },
			"nn.Linear(400→120): input [2 16 5 5] has 5 features in its last dimension, the layer takes 400; flatten it first"},
		{"scalar", func() { fc.Forward(tensor.Scalar(1)) }, "nn.Linear(784→128): input [] is a scalar; it needs shape (…, 784)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				e, ok := recover().(error)
				if !ok || !strings.Contains(e.Error(), tc.want) {
					t.Errorf("panic %v, want an error containing %q", e, tc.want)
				}
			}()
			tc.f()
		})
	}
}
