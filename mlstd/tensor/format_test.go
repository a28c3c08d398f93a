package tensor

import (
	"fmt"
	"math"
	"testing"
)

func formatCases() []*Tensor {
	g := NewRNG(3)
	nan := float32(math.NaN())
	return []*Tensor{
		New([]float32{1, 2, 3, 4}, 2, 2),
		New([]float32{-1, 20, 3, -400}, 4),
		g.Randn(2, 3),
		New([]float32{1e-5, 1, 100}, 3),
		New([]float32{123456, 0.5}, 2),
		g.Randn(40, 50),
		g.Randn(2000),
		g.Randn(2, 2, 3),
		g.Randn(3, 2, 2, 2),
		Scalar(3.5),
		Scalar(-2),
		g.Randn(3).SetRequiresGrad(true),
		g.Randn(30),
		Arange(0, 100, 1),
		New([]float32{nan, float32(math.Inf(1)), 1.5}, 3),
		Zeros(0),
		Zeros(3, 0),
		Zeros(2, 3),
		g.Randn(5, 300),
		g.Randn(2, 20),
		g.Randn(2, 3, 12),
		Arange(0, 40, 1).Reshape(2, 20),
		New([]float32{1e10, 1, -3}, 3),
		New([]float32{0.001, 0.01, 0.1}, 3),
		New([]float32{1e-3, 10, 2000}, 3),
	}
}

// strRequest is the String cases as sent to torch (JSON has no NaN or
// Inf: the NaN case goes out as zeros and is checked against torch's known
// output instead).
func strRequest() []strSpec {
	var req []strSpec
	for _, c := range formatCases() {
		data := append([]float32{}, c.data...)
		for i, v := range data {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				data[i] = 0
			}
		}
		req = append(req, strSpec{Shape: append([]int{}, c.shape...), Data: data, RequiresGrad: c.requiresGrad})
	}
	return req
}

// TestStringMatchesTorch compares String with str(tensor) in PyTorch.
func TestStringMatchesTorch(t *testing.T) {
	_, want := requireTorch(t)
	for i, c := range formatCases() {
		got := c.String()
		if len(c.data) > 0 && math.IsNaN(float64(c.data[0])) {
			if got != "tensor([   nan,    inf, 1.5000])" {
				t.Errorf("NaN case: %s", got)
			}
			continue
		}
		if got != want[i] {
			t.Errorf("case %d %v:\ngot:\n%s\ntorch:\n%s", i, c.shape, got, want[i])
		}
	}
}

func ExampleTensor_String() {
	x := Arange(0, 6, 1).Reshape(2, 3)
	fmt.Println(x)
	fmt.Println(x.Scale(0.5).SetRequiresGrad(true))
	fmt.Println(Scalar(3))
	// Output:
	// tensor([[0., 1., 2.],
	//         [3., 4., 5.]])
	// tensor([[0.0000, 0.5000, 1.0000],
	//         [1.5000, 2.0000, 2.5000]], requires_grad=True)
	// tensor(3.)
}
