package nn

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/gokernel/gokernel/internal/pyref"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// TestRegressionLossesMatchTorch compares the value and the gradient of
// MSE, L1 and Huber with torch.nn.functional's on the same float32
// inputs, including exact zeros and differences beyond delta.
func TestRegressionLossesMatchTorch(t *testing.T) {
	pyref.Require(t, "torch")
	pred := tensor.Randn(1, 40, 1).Scale(2).Data()
	target := tensor.Randn(2, 40).Data()
	target[3] = pred[3] // a zero difference
	in, _ := json.Marshal(map[string]any{"p": pred, "t": target})
	script := `
import json, sys, torch
import torch.nn.functional as F
d = json.load(sys.stdin)
out = {}
for name, f in [("mse", F.mse_loss), ("l1", F.l1_loss), ("huber", lambda p, t: F.huber_loss(p, t, delta=0.7))]:
    p = torch.tensor(d["p"], dtype=torch.float32).reshape(40, 1).requires_grad_()
    t = torch.tensor(d["t"], dtype=torch.float32).reshape(40, 1)
    l = f(p, t)
    l.backward()
    out[name] = [l.item()] + p.grad.reshape(-1).tolist()
print(json.dumps(out))`
	var want map[string][]float64
	pyref.Run(t, script, json.RawMessage(in), &want)
	for name, f := range map[string]func(p, t *tensor.Tensor) *tensor.Tensor{
		"mse":   MSE,
		"l1":    L1,
		"huber": func(p, t *tensor.Tensor) *tensor.Tensor { return Huber(p, t, 0.7) },
	} {
		p := tensor.New(append([]float32(nil), pred...), 40, 1).SetRequiresGrad(true)
		l := f(p, tensor.New(target, 40)) // target as [n]: read in pred's shape
		l.Backward()
		got := append([]float64{l.Item()}, p.Grad().Float64s()...)
		for i := range got {
			if math.Abs(got[i]-want[name][i]) > 1e-5*math.Max(1, math.Abs(want[name][i])) {
				t.Errorf("%s: value %d is %v, torch %v", name, i, got[i], want[name][i])
				break
			}
		}
	}
}
