package tensor

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gokernel/gokernel/internal/pyref"
)

// runTorch runs a PyTorch script from testdata with in as JSON on stdin and
// decodes its JSON output into out. It returns "" on success, "skip: …"
// when Debian's python3-torch is missing, or the error.
func runTorch(script string, in, out any) string {
	if why := pyref.Missing("torch"); why != "" {
		return "skip: " + why
	}
	if err := pyref.Call(in, out, "testdata/"+script); err != nil {
		return err.Error()
	}
	return ""
}

type jsonTensor struct {
	Shape []int     `json:"shape"`
	Data  []float32 `json:"data"`
}

func toJSON(t *Tensor) jsonTensor {
	return jsonTensor{Shape: append([]int{}, t.shape...), Data: t.data}
}

// closeTo reports the first element where got and want differ by more than
// rel·|want| + abs.
func closeTo(got []float32, want []float64, rel, abs float64) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d values, want %d", len(got), len(want))
	}
	for i, w := range want {
		if g := float64(got[i]); math.Abs(g-w) > rel*math.Abs(w)+abs || math.IsNaN(g) != math.IsNaN(w) {
			return fmt.Errorf("element %d: %.9g, torch %.9g", i, g, w)
		}
	}
	return nil
}

// closeToScale reports the first element where got and want differ by
// more than rel·(|want| + rms), rms being want's root mean square.
func closeToScale(got []float32, want []float64, rel float64) error {
	var ss float64
	for _, w := range want {
		ss += w * w
	}
	rms := math.Sqrt(ss / float64(max(1, len(want))))
	if err := closeTo(got, want, rel, rel*rms); err != nil {
		return fmt.Errorf("%v (root mean square %.3g)", err, rms)
	}
	return nil
}

type refCase struct {
	Name   string       `json:"name"`
	Inputs []jsonTensor `json:"inputs"`
	R      jsonTensor   `json:"r"`
}

type refResult struct {
	Out   []float64   `json:"out"`
	Shape []int       `json:"shape"`
	Grads [][]float64 `json:"grads"`
}

type strSpec struct {
	Shape        []int     `json:"shape"`
	Data         []float32 `json:"data"`
	RequiresGrad bool      `json:"requires_grad"`
}

// torchRef runs testdata/torch_ref.py once per test binary (importing
// torch takes seconds) for both the op and the String comparisons.
var torchRef = sync.OnceValue(func() (r struct {
	Ops map[string]refResult `json:"ops"`
	Str []string             `json:"str"`
	err string
}) {
	var req struct {
		Cases []refCase `json:"cases"`
		Str   []strSpec `json:"str"`
	}
	for _, c := range opCases() {
		tc := refCase{Name: c.name}
		in := c.inputs(7)
		for _, x := range in {
			tc.Inputs = append(tc.Inputs, toJSON(x))
		}
		var out *Tensor
		NoGrad(func() { out = c.f(in) })
		tc.R = toJSON(NewRNG(99).Uniform(-1, 1, out.shape...))
		req.Cases = append(req.Cases, tc)
	}
	req.Str = strRequest()
	if msg := runTorch("torch_ref.py", req, &r); msg != "" {
		r.err = msg
	}
	return r
})

// requireTorch returns the reference results or ends the test (skip when
// torch is missing, unless GOKERNEL_REQUIRE_CLIENTS=1; fail on errors).
func requireTorch(t *testing.T) (map[string]refResult, []string) {
	t.Helper()
	r := torchRef()
	switch {
	case r.err == "":
		return r.Ops, r.Str
	case strings.HasPrefix(r.err, "skip: ") && !pyref.Required():
		t.Skip(strings.TrimPrefix(r.err, "skip: "))
	}
	t.Fatal(r.err)
	return nil, nil
}

// TestOpsMatchTorch runs every op of opCases forward and backward here and
// in PyTorch on the same float32 inputs and compares within 1e-5 relative.
func TestOpsMatchTorch(t *testing.T) {
	res, _ := requireTorch(t)
	for _, c := range opCases() {
		want, ok := res[c.name]
		if !ok {
			t.Errorf("%s: no torch result", c.name)
			continue
		}
		in := c.inputs(7)
		out := c.f(in)
		weightedLoss(out).Backward()
		if !slices.Equal(out.shape, want.Shape) {
			t.Errorf("%s: shape %v, torch %v", c.name, out.shape, want.Shape)
			continue
		}
		if err := closeTo(out.data, want.Out, 1e-5, 1e-7); err != nil {
			t.Errorf("%s forward: %v", c.name, err)
		}
		for k, x := range in {
			if err := closeTo(x.Grad().data, want.Grads[k], 1e-5, 1e-7); err != nil {
				t.Errorf("%s grad of input %d: %v", c.name, k, err)
			}
		}
	}
}
