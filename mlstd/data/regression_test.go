package data

import (
	"slices"
	"testing"

	"github.com/gokernel/gokernel/mlstd/tensor"
)

// TestRegressionBatches: float targets travel with their rows through
// Subset, Split and shuffled and unshuffled loaders.
func TestRegressionBatches(t *testing.T) {
	n := 10
	x := make([]float32, 2*n)
	y := make([]float32, 2*n)
	for i := range n {
		x[2*i], x[2*i+1] = float32(i), float32(-i)
		y[2*i], y[2*i+1] = float32(10*i), float32(100*i)
	}
	ds := NewRegression(tensor.New(x, n, 2), tensor.New(y, n, 2))
	if ds.Len() != n || ds.Outputs() != 2 || ds.NumClasses() != 0 || ds.String() != "Dataset(10 examples, x [10 2], targets [10 2])" {
		t.Fatalf("%v: len %d outputs %d", ds, ds.Len(), ds.Outputs())
	}
	check := func(name string, xb, tb *tensor.Tensor) {
		t.Helper()
		for r := range xb.Dim(0) {
			i := xb.Data()[2*r]
			if got := tb.Data()[2*r : 2*r+2]; !slices.Equal(got, []float32{10 * i, 100 * i}) {
				t.Fatalf("%s: row with x %v has targets %v", name, i, got)
			}
		}
	}
	a, b := ds.Split(0.7, 3)
	check("split train", a.X, a.Targets)
	check("split val", b.X, b.Targets)
	if a.Len()+b.Len() != n || a.Y != nil {
		t.Errorf("split: %v + %v", a, b)
	}
	for _, shuffle := range []bool{false, true} {
		seen := 0
		for l := ds.Batches(3, shuffle); l.Next(); {
			if l.Y() != nil || l.T().Dim(0) != l.X().Dim(0) {
				t.Fatalf("batch x %v targets %v y %v", l.X().Shape(), l.T().Shape(), l.Y())
			}
			check("batch", l.X(), l.T())
			seen += l.X().Dim(0)
		}
		if seen != n {
			t.Errorf("shuffle %v: %d examples", shuffle, seen)
		}
	}
	if r := NewRegression(tensor.New(x, n, 2), tensor.New(y[:n], n)); r.Outputs() != 1 {
		t.Errorf("[n] targets: %v", r)
	}
	defer func() {
		if _, ok := recover().(*tensor.ShapeError); !ok {
			t.Error("mismatched rows did not panic with a ShapeError")
		}
	}()
	NewRegression(tensor.New(x, n, 2), tensor.New(y, 2*n))
}
