package chart

import (
	"math"
	"testing"

	"github.com/gokernel/gokernel/mlstd/tensor"
)

func TestResiduals(t *testing.T) {
	f := Residuals(tensor.New([]float32{1, 2, 3}, 3, 1), tensor.New([]float32{1.5, 1, 3}, 3))
	if f.Err() != nil || len(f.PNG()) == 0 {
		t.Errorf("residual plot: %v", f.Err())
	}
	if f := Residuals(tensor.New([]float32{1, 2}, 2), tensor.New([]float32{float32(math.NaN()), 1}, 2)); f.Err() == nil {
		t.Error("a NaN target plotted without an error")
	}
}
