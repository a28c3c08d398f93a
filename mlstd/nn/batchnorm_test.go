package nn_test

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/gokernel/gokernel/internal/pyref"
	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// TestBatchNormMatchesTorch runs BatchNorm2d and BatchNorm1d (non-default
// eps and momentum, then the defaults without affine) through two training
// steps on different batches and one evaluation step, here and in PyTorch,
// and compares outputs, input and parameter gradients, running statistics
// and num_batches_tracked within 1e-5 (relative above 1).
func TestBatchNormMatchesTorch(t *testing.T) {
	pyref.Require(t, "torch")
	type bnCase struct {
		Kind     string  `json:"kind"`
		Shape    []int   `json:"shape"`
		Eps      float64 `json:"eps"`
		Momentum float64 `json:"momentum"`
		Affine   bool    `json:"affine"`
		X        [][]float32
		R        [][]float32
	}
	cases := []bnCase{
		{Kind: "BatchNorm2d", Shape: []int{4, 3, 5, 6}, Eps: 1e-3, Momentum: 0.3, Affine: true},
		{Kind: "BatchNorm2d", Shape: []int{2, 2, 3, 3}, Eps: 1e-5, Momentum: 0.1},
		{Kind: "BatchNorm1d", Shape: []int{6, 4}, Eps: 1e-5, Momentum: 0.1, Affine: true},
		{Kind: "BatchNorm1d", Shape: []int{3, 4, 5}, Eps: 1e-4, Momentum: 0.5, Affine: true},
	}
	g := tensor.NewRNG(11)
	type step struct {
		Out, GradX []float32
	}
	type outcome struct {
		Steps        []step
		GradW, GradB []float32
		Mean, Var    []float32
		Tracked      int64
		Repr         string
	}
	var got []outcome
	for i := range cases {
		c := &cases[i]
		var m interface {
			nn.Module
			fmt.Stringer
		}
		opts := nn.BatchNormOptions{Eps: c.Eps, Momentum: c.Momentum, NoAffine: !c.Affine}
		var bn interface {
			SetTraining(bool)
		}
		if c.Kind == "BatchNorm2d" {
			b := nn.NewBatchNorm2d(c.Shape[1], opts)
			m, bn = b, b
		} else {
			b := nn.NewBatchNorm1d(c.Shape[1], opts)
			m, bn = b, b
		}
		var o outcome
		for s := 0; s < 3; s++ {
			if s == 2 {
				bn.SetTraining(false)
			}
			x := g.Randn(c.Shape...).Scale(2).AddScalar(float64(s)).SetRequiresGrad(true)
			r := g.Uniform(-1, 1, c.Shape...)
			c.X, c.R = append(c.X, x.Data()), append(c.R, r.Data())
			y := m.Forward(x)
			y.Mul(r).Sum().Backward()
			o.Steps = append(o.Steps, step{y.Data(), x.Grad().Data()})
		}
		if ps := m.Parameters(); len(ps) == 2 {
			o.GradW, o.GradB = ps[0].Grad().Data(), ps[1].Grad().Data()
		}
		switch b := m.(type) {
		case *nn.BatchNorm2d:
			o.Mean, o.Var, o.Tracked = b.RunningMean.Data(), b.RunningVar.Data(), int64(b.NumBatchesTracked.Item())
		case *nn.BatchNorm1d:
			o.Mean, o.Var, o.Tracked = b.RunningMean.Data(), b.RunningVar.Data(), int64(b.NumBatchesTracked.Item())
		}
		o.Repr = m.String()
		got = append(got, o)
	}
	in, _ := json.Marshal(cases)
	script := `
import json, sys, torch
torch.set_num_threads(1)
out = []
for c in json.load(sys.stdin):
    m = getattr(torch.nn, c["kind"])(c["shape"][1], eps=c["eps"], momentum=c["momentum"], affine=c["affine"])
    o = {"Steps": []}
    for s in range(3):
        if s == 2:
            m.eval()
        x = torch.tensor(c["X"][s], dtype=torch.float32).reshape(c["shape"]).requires_grad_()
        r = torch.tensor(c["R"][s], dtype=torch.float32).reshape(c["shape"])
        y = m(x)
        (y * r).sum().backward()
        o["Steps"].append({"Out": y.detach().flatten().tolist(), "GradX": x.grad.flatten().tolist()})
    if c["affine"]:
        o["GradW"], o["GradB"] = m.weight.grad.tolist(), m.bias.grad.tolist()
    o["Mean"], o["Var"] = m.running_mean.tolist(), m.running_var.tolist()
    o["Tracked"], o["Repr"] = int(m.num_batches_tracked), str(m)
    out.append(o)
print(json.dumps(out))`
	var want []outcome
	pyref.Run(t, script, json.RawMessage(in), &want)
	near := func(what string, got, want []float32) {
		if len(got) != len(want) {
			t.Errorf("%s: %d values, torch %d", what, len(got), len(want))
			return
		}
		for i := range want {
			if math.Abs(float64(got[i])-float64(want[i])) > 1e-5*math.Max(1, math.Abs(float64(want[i]))) {
				t.Errorf("%s[%d] = %.9g, torch %.9g", what, i, got[i], want[i])
				return
			}
		}
	}
	for i, c := range cases {
		name := fmt.Sprintf("%s%v", c.Kind, c.Shape)
		for s := range want[i].Steps {
			mode := "train"
			if s == 2 {
				mode = "eval"
			}
			near(fmt.Sprintf("%s step %d (%s) output", name, s, mode), got[i].Steps[s].Out, want[i].Steps[s].Out)
			near(fmt.Sprintf("%s step %d (%s) input gradient", name, s, mode), got[i].Steps[s].GradX, want[i].Steps[s].GradX)
		}
		near(name+" weight gradient", got[i].GradW, want[i].GradW)
		near(name+" bias gradient", got[i].GradB, want[i].GradB)
		near(name+" running mean", got[i].Mean, want[i].Mean)
		near(name+" running var", got[i].Var, want[i].Var)
		if got[i].Tracked != want[i].Tracked || got[i].Repr != want[i].Repr {
			t.Errorf("%s: %d batches tracked, %s; torch %d, %s", name, got[i].Tracked, got[i].Repr, want[i].Tracked, want[i].Repr)
		}
	}
}

func TestBatchNormErrors(t *testing.T) {
	for _, tc := range []struct {
		f    func()
		want string
	}{
		{func() { nn.NewBatchNorm2d(3, nn.BatchNormOptions{}).Forward(tensor.Zeros(4, 3)) }, "nn.BatchNorm2d(3): input [4 3] is not NCHW"},
		{func() { nn.NewBatchNorm2d(3, nn.BatchNormOptions{}).Forward(tensor.Zeros(4, 2, 5, 5)) }, "nn.BatchNorm2d(3): input [4 2 5 5] has 2 channels, the layer takes 3"},
		{func() { nn.NewBatchNorm2d(3, nn.BatchNormOptions{}).Forward(tensor.Zeros(1, 3, 1, 1)) }, "nn.BatchNorm2d(3): input [1 3 1 1]: expected more than 1 value per channel when training"},
		{func() { nn.NewBatchNorm1d(4, nn.BatchNormOptions{}).Forward(tensor.Zeros(4, 3)) }, "nn.BatchNorm1d(4): input [4 3] is not (N, 4) or (N, 4, L)"},
		{func() { nn.NewBatchNorm1d(0, nn.BatchNormOptions{}) }, "features must be positive"},
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

func ExampleNewBatchNorm2d() {
	bn := nn.NewBatchNorm2d(2, nn.BatchNormOptions{})
	x := tensor.Arange(0, 8, 1).Reshape(2, 2, 1, 2) // channel 0: 0 1 4 5, channel 1: 2 3 6 7
	bn.Forward(x)                                   // training: batch statistics, running ones updated
	fmt.Println(bn.RunningMean)
	nn.Eval(bn)
	fmt.Println(bn)
	// Output:
	// tensor([0.2500, 0.4500])
	// BatchNorm2d(2, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)
}
