package nn_test

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/gokernel/gokernel/internal/pyref"
	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/optim"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// leNet5 is the LeNet-5 of issue 17 for 1×28×28 inputs.
func leNet5() *nn.Sequential {
	return nn.NewSequential(
		nn.NewConv2d(1, 6, 5, nn.Conv2dOptions{Padding: 2}), nn.NewReLU(), nn.NewMaxPool2d(2, nn.Pool2dOptions{}),
		nn.NewConv2d(6, 16, 5, nn.Conv2dOptions{}), nn.NewReLU(), nn.NewMaxPool2d(2, nn.Pool2dOptions{}),
		nn.NewFlatten(),
		nn.NewLinear(400, 120), nn.NewReLU(),
		nn.NewLinear(120, 84), nn.NewReLU(),
		nn.NewLinear(84, 10),
	)
}

// TestLeNet5MatchesTorch runs LeNet-5 forward and backward here and in
// PyTorch with the same weights and inputs and compares the logits, the
// loss and every parameter's gradient within 1e-5 (relative above 1).
func TestLeNet5MatchesTorch(t *testing.T) {
	pyref.Require(t, "torch")
	nn.Seed(5)
	model := leNet5()
	x := tensor.NewRNG(6).Rand(8, 1, 28, 28)
	labels := []int{0, 1, 2, 3, 4, 5, 6, 7}
	logits := model.Forward(x)
	loss := nn.CrossEntropy(logits, labels)
	loss.Backward()

	params := map[string][]float32{}
	for _, p := range model.NamedParameters() {
		params[p.Name] = p.Tensor.Data()
	}
	in, _ := json.Marshal(map[string]any{"x": x.Data(), "y": labels, "params": params})
	script := `
import json, sys, torch
import torch.nn as nn
import torch.nn.functional as F
torch.set_num_threads(1)
d = json.load(sys.stdin)
m = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
    nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
sd = m.state_dict()
m.load_state_dict({k: torch.tensor(d["params"][k], dtype=torch.float32).reshape(v.shape) for k, v in sd.items()})
x = torch.tensor(d["x"], dtype=torch.float32).reshape(-1, 1, 28, 28)
out = m(x)
loss = F.cross_entropy(out, torch.tensor(d["y"]))
loss.backward()
print(json.dumps({"logits": out.detach().flatten().tolist(), "loss": loss.item(),
    "grads": {k: p.grad.flatten().tolist() for k, p in m.named_parameters()}, "repr": str(m)}))`
	var want struct {
		Logits []float64            `json:"logits"`
		Loss   float64              `json:"loss"`
		Grads  map[string][]float64 `json:"grads"`
		Repr   string               `json:"repr"`
	}
	pyref.Run(t, script, json.RawMessage(in), &want)
	near := func(what string, got []float32, want []float64) {
		if len(got) != len(want) {
			t.Errorf("%s: %d values, torch %d", what, len(got), len(want))
			return
		}
		for i := range want {
			if math.Abs(float64(got[i])-want[i]) > 1e-5*math.Max(1, math.Abs(want[i])) {
				t.Errorf("%s[%d] = %.9g, torch %.9g", what, i, got[i], want[i])
				return
			}
		}
	}
	near("logits", logits.Data(), want.Logits)
	near("loss", []float32{float32(loss.Item())}, []float64{want.Loss})
	for _, p := range model.NamedParameters() {
		near(p.Name+" grad", p.Tensor.Grad().Data(), want.Grads[p.Name])
	}
	if got := model.String(); got != want.Repr {
		t.Errorf("String:\n%s\ntorch:\n%s", got, want.Repr)
	}
}

// TestLeNet5Trains takes SGD steps on a fixed batch of 32 noise images;
// LeNet-5 must learn them by heart (PyTorch with the same settings ends
// between 0.001 and 0.09 for seeds 1–3; here 0.0003–0.004).
func TestLeNet5Trains(t *testing.T) {
	nn.Seed(1)
	model := leNet5()
	g := tensor.NewRNG(2)
	x := g.Randn(32, 1, 28, 28)
	y := make([]int, 32)
	for i := range y {
		y[i] = i % 10
	}
	opt := optim.NewSGD(model.Parameters(), optim.SGDConfig{LR: 0.02, Momentum: 0.9})
	var first, last float64
	for step := 0; step < 80; step++ {
		opt.ZeroGrad()
		loss := nn.CrossEntropy(model.Forward(x), y)
		loss.Backward()
		opt.Step()
		if step == 0 {
			first = loss.Item()
		}
		last = loss.Item()
	}
	if last > 0.05 {
		t.Fatalf("loss did not fall: %v -> %v", first, last)
	}
}

func TestConv2dInit(t *testing.T) {
	c := nn.NewConv2d(16, 32, 5, nn.Conv2dOptions{RNG: tensor.NewRNG(1)})
	bound := 1 / math.Sqrt(16*25)
	for name, p := range map[string]*tensor.Tensor{"weight": c.Weight, "bias": c.Bias} {
		var m float64
		for _, v := range p.Data() {
			m = math.Max(m, math.Abs(float64(v)))
		}
		if m > bound || m < 0.9*bound {
			t.Errorf("%s: max |value| %v, want just under %v (U(−1/√fanIn, 1/√fanIn))", name, m, bound)
		}
	}
	if nb := nn.NewConv2d(1, 2, 3, nn.Conv2dOptions{NoBias: true}); nb.Bias != nil || len(nb.Parameters()) != 1 {
		t.Error("NoBias: the layer has a bias")
	}
}

func TestConvLayerErrors(t *testing.T) {
	conv := nn.NewConv2d(1, 32, 3, nn.Conv2dOptions{})
	for _, tc := range []struct {
		f    func()
		want string
	}{
		{func() { conv.Forward(tensor.Zeros(64, 784)) }, "nn.Conv2d(1→32, 3×3): input [64 784] is not NCHW (batch, channels, height, width); reshape it, e.g. x.Reshape(64, 1, 28, 28) (a data.Dataset: ds.View(1, 28, 28))"},
		{func() { nn.NewConv2d(3, 8, 3, nn.Conv2dOptions{}).Forward(tensor.Zeros(2, 10)) }, "nn.Conv2d(3→8, 3×3): input [2 10] is not NCHW (batch, channels, height, width); reshape it, e.g. x.Reshape(n, c, h, w)"},
		{func() { nn.NewSequential(conv, nn.NewReLU()).Forward(tensor.Zeros(64, 784)) }, "nn.Conv2d(1→32, 3×3): input [64 784] is not NCHW"},
		{func() { conv.Forward(tensor.Zeros(64, 3, 28, 28)) }, "nn.Conv2d(1→32, 3×3): input [64 3 28 28] has 3 channels, the layer takes 1"},
		{func() { conv.Forward(tensor.Zeros(64, 1, 2, 2)) }, "nn.Conv2d(1→32, 3×3): input [64 1 2 2]: input 2×2 (padded 2×2) is smaller than the kernel's extent 3×3"},
		{func() { nn.NewMaxPool2d(2, nn.Pool2dOptions{}).Forward(tensor.Zeros(3, 4)) }, "nn.MaxPool2d(2): input [3 4] is not NCHW"},
		{func() { nn.NewAvgPool2d(4, nn.Pool2dOptions{}).Forward(tensor.Zeros(1, 1, 3, 3)) }, "nn.AvgPool2d(4): input [1 1 3 3]: input 3×3"},
		{func() { nn.NewAdaptiveAvgPool2d(1, 1).Forward(tensor.Zeros(3)) }, "nn.AdaptiveAvgPool2d(1): input [3] is not NCHW"},
		{func() { nn.NewMaxPool2d(2, nn.Pool2dOptions{Padding: 2}) }, "padding at most half the kernel"},
		{func() { nn.NewConv2d(0, 1, 3, nn.Conv2dOptions{}) }, "nn.NewConv2d(in=0"},
		{func() { nn.NewAdaptiveAvgPool2d(0, 1) }, "output size must be positive"},
	} {
		func() {
			defer func() {
				e, ok := recover().(error)
				if !ok || !strings.Contains(e.Error(), tc.want) {
					t.Errorf("panic %v, want an error containing %q", e, tc.want)
				}
			}()
			tc.f()
		}()
	}
}

func TestPoolStrings(t *testing.T) {
	for _, tc := range []struct {
		m    fmt.Stringer
		want string // str() of the same torch.nn layer
	}{
		{nn.NewConv2d(3, 8, 3, nn.Conv2dOptions{Stride: 2, Dilation: 2, NoBias: true}), "Conv2d(3, 8, kernel_size=(3, 3), stride=(2, 2), dilation=(2, 2), bias=False)"},
		{nn.NewMaxPool2d(3, nn.Pool2dOptions{Stride: 2, Padding: 1}), "MaxPool2d(kernel_size=3, stride=2, padding=1, dilation=1, ceil_mode=False)"},
		{nn.NewAvgPool2d(2, nn.Pool2dOptions{}), "AvgPool2d(kernel_size=2, stride=2, padding=0)"},
		{nn.NewAdaptiveAvgPool2d(1, 1), "AdaptiveAvgPool2d(output_size=1)"},
		{nn.NewAdaptiveAvgPool2d(2, 3), "AdaptiveAvgPool2d(output_size=(2, 3))"},
	} {
		if got := tc.m.String(); got != tc.want {
			t.Errorf("%s, torch prints %s", got, tc.want)
		}
	}
}

func ExampleNewConv2d() {
	nn.Seed(0)
	conv := nn.NewConv2d(1, 6, 5, nn.Conv2dOptions{Padding: 2})
	x := tensor.Zeros(64, 1, 28, 28) // a batch of MNIST images, NCHW
	fmt.Println(conv)
	fmt.Println(conv.Forward(x).Shape())
	// Output:
	// Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))
	// [64 6 28 28]
}

func ExampleNewMaxPool2d() {
	pool := nn.NewMaxPool2d(2, nn.Pool2dOptions{})
	x := tensor.Arange(0, 16, 1).Reshape(1, 1, 4, 4)
	fmt.Println(pool.Forward(x))
	// Output:
	// tensor([[[[ 5.,  7.],
	//           [13., 15.]]]])
}

func ExampleNewAdaptiveAvgPool2d() {
	gap := nn.NewAdaptiveAvgPool2d(1, 1) // global average pooling
	x := tensor.Arange(0, 8, 1).Reshape(1, 2, 2, 2)
	fmt.Println(gap.Forward(x).Flatten())
	// Output:
	// tensor([1.5000, 5.5000])
}

// A LeNet-5 for MNIST: the images go in as [N, 1, 28, 28].
func ExampleNewSequential_leNet5() {
	nn.Seed(0)
	model := nn.NewSequential(
		nn.NewConv2d(1, 6, 5, nn.Conv2dOptions{Padding: 2}), nn.NewReLU(), nn.NewMaxPool2d(2, nn.Pool2dOptions{}),
		nn.NewConv2d(6, 16, 5, nn.Conv2dOptions{}), nn.NewReLU(), nn.NewMaxPool2d(2, nn.Pool2dOptions{}),
		nn.NewFlatten(),
		nn.NewLinear(400, 120), nn.NewReLU(),
		nn.NewLinear(120, 84), nn.NewReLU(),
		nn.NewLinear(84, 10),
	)
	x := tensor.Zeros(2, 1, 28, 28)
	loss := nn.CrossEntropy(model.Forward(x), []int{3, 7})
	loss.Backward()
	fmt.Println(nn.NumParams(model), model.Parameters()[0].Grad().Shape())
	// Output:
	// 61706 [6 1 5 5]
}

// TestDropout2d checks that whole channels are dropped (about P of them)
// and the others scaled by 1/(1−P), that gradients follow the same mask,
// and that evaluation mode is the identity.
func TestDropout2d(t *testing.T) {
	d := nn.NewDropout2dRNG(0.25, tensor.NewRNG(4))
	x := tensor.Ones(50, 40, 3, 2).SetRequiresGrad(true)
	y := d.Forward(x)
	y.Sum().Backward()
	dropped := 0
	for ch := 0; ch < 50*40; ch++ {
		v := y.Data()[ch*6 : ch*6+6]
		g := x.Grad().Data()[ch*6 : ch*6+6]
		for i := range v {
			if v[i] != v[0] || g[i] != v[0] {
				t.Fatalf("channel %d: values %v, gradients %v: not one value per channel", ch, v, g)
			}
		}
		switch v[0] {
		case 0:
			dropped++
		case float32(1 / 0.75):
		default:
			t.Fatalf("channel %d: %v, want 0 or 1/(1−p)", ch, v[0])
		}
	}
	if f := float64(dropped) / 2000; f < 0.22 || f > 0.28 { // 0.25 ± 3σ
		t.Errorf("%.3f of the channels dropped, want about 0.25", f)
	}
	nn.Eval(d)
	if d.Forward(x) != x || d.String() != "Dropout2d(p=0.25, inplace=False)" {
		t.Errorf("eval: not the identity, or %s", d)
	}
}
