package metrics

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gokernel/gokernel/internal/pyref"
	"github.com/gokernel/gokernel/mlstd/data"
	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// TestRegressionAgainstSklearn compares MAE, RMSE and R² with sklearn's on
// one and on three outputs (uniform average), and the constant-target
// cases of R².
func TestRegressionAgainstSklearn(t *testing.T) {
	pyref.Require(t, "sklearn")
	r := rand.New(rand.NewPCG(5, 6))
	cases := map[string][2][]float32{}
	for _, k := range []int{1, 3} {
		p, y := make([]float32, 50*k), make([]float32, 50*k)
		for i := range y {
			y[i] = float32(r.NormFloat64()*3 + float64(i%k))
			p[i] = y[i] + float32(r.NormFloat64())
		}
		cases[map[int]string{1: "one", 3: "three"}[k]] = [2][]float32{p, y}
	}
	cases["constant-exact"] = [2][]float32{{2, 2, 2}, {2, 2, 2}}
	cases["constant-off"] = [2][]float32{{1, 2, 3}, {2, 2, 2}}
	exact := map[string][2][]float64{} // the float32 values exactly, not their shortest decimals
	for name, c := range cases {
		exact[name] = [2][]float64{tensor.New(c[0], len(c[0])).Float64s(), tensor.New(c[1], len(c[1])).Float64s()}
	}
	in, _ := json.Marshal(exact)
	script := `
import json, sys
import numpy as np
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score
d = json.load(sys.stdin)
out = {}
for name, (p, y) in d.items():
    k = 3 if name == "three" else 1
    p, y = np.array(p, dtype=np.float64).reshape(-1, k), np.array(y, dtype=np.float64).reshape(-1, k)
    out[name] = [mean_absolute_error(y, p), mean_squared_error(y, p, squared=False), r2_score(y, p)]
print(json.dumps(out))`
	var sk map[string][]float64
	pyref.Run(t, script, json.RawMessage(in), &sk)
	for name, c := range cases {
		k := 1
		if name == "three" {
			k = 3
		}
		p := tensor.New(c[0], len(c[0])/k, k)
		y := tensor.New(c[1], len(c[1])/k, k)
		got := Regression(p, y)
		for i, v := range []float64{got.MAE, got.RMSE, got.R2} {
			if want := sk[name][i]; math.Abs(v-want) > 1e-9*math.Max(1, math.Abs(want)) {
				t.Errorf("%s: score %d is %v, sklearn %v", name, i, v, want)
			}
		}
	}
}

// TestEvaluateRegression runs a model over a regression dataset in
// batches of every size.
func TestEvaluateRegression(t *testing.T) {
	x := tensor.New([]float32{1, 2, 3, 4, 5}, 5, 1)
	ds := data.NewRegression(x, tensor.New([]float32{2, 4, 6, 8, 11}, 5))
	lin := nn.NewLinear(1, 1)
	copy(lin.Weight.Data(), []float32{2})
	lin.Bias.Data()[0] = 0
	for _, batch := range []int{0, 1, 2, 5, 7} {
		s := EvaluateRegression(lin, ds, batch)
		if s.N != 5 || math.Abs(s.MAE-0.2) > 1e-6 || math.Abs(s.RMSE-math.Sqrt(0.2)) > 1e-6 {
			t.Errorf("batch %d: %v", batch, s)
		}
	}
}
