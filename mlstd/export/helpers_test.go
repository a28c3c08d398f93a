package export

import (
	"math"
	"path/filepath"
	"sort"
	"testing"

	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// testModel is a small model using every layer kind Save supports.
func testModel(seed int64) *nn.Sequential {
	g := tensor.NewRNG(seed)
	return nn.NewSequential(
		nn.NewFlatten(),
		nn.NewLinearRNG(12, 8, true, g),
		nn.NewReLU(),
		nn.NewDropout(0.25),
		nn.NewSequential(nn.NewLinearRNG(8, 6, false, g), nn.NewTanh()),
		nn.NewLinearRNG(6, 5, true, g),
		nn.NewSigmoid(),
		nn.NewLinearRNG(5, 4, true, g),
		nn.NewLogSoftmax(-1),
	)
}

// mlp is a 784-h-10 MLP like the MNIST example.
func mlp(seed int64, hidden int, last nn.Module) *nn.Sequential {
	g := tensor.NewRNG(seed)
	s := nn.NewSequential(nn.NewLinearRNG(784, hidden, true, g), nn.NewReLU(), nn.NewLinearRNG(hidden, 10, true, g))
	if last != nil {
		s.Add(last)
	}
	return s
}

// sameBits fails the test unless a and b have identical shapes and bits.
func sameBits(t *testing.T, what string, a, b *tensor.Tensor) {
	t.Helper()
	if !sameShape(a.Shape(), b.Shape()) {
		t.Fatalf("%s: shape %v, want %v", what, a.Shape(), b.Shape())
	}
	ad, bd := a.Data(), b.Data()
	for i := range ad {
		if math.Float32bits(ad[i]) != math.Float32bits(bd[i]) {
			t.Fatalf("%s: element %d = %v, want %v (bits differ)", what, i, ad[i], bd[i])
		}
	}
}

// sameParams checks that two models have the same named parameters, bit
// for bit.
func sameParams(t *testing.T, got, want nn.Module) {
	t.Helper()
	gp, wp := nn.NamedParameters(got), nn.NamedParameters(want)
	if len(gp) != len(wp) {
		t.Fatalf("%d parameters, want %d", len(gp), len(wp))
	}
	for i := range gp {
		if gp[i].Name != wp[i].Name {
			t.Fatalf("parameter %d is %q, want %q", i, gp[i].Name, wp[i].Name)
		}
		sameBits(t, gp[i].Name, gp[i].Tensor, wp[i].Tensor)
	}
}

// prune zeroes the fraction of each Linear weight with the smallest
// magnitudes (a test stand-in for mlstd/prune).
func prune(m nn.Module, frac float64) {
	for _, w := range nn.Weights(m) {
		d := w.Data()
		mags := make([]float64, len(d))
		for i, v := range d {
			mags[i] = math.Abs(float64(v))
		}
		sort.Float64s(mags)
		cut := mags[int(frac*float64(len(mags)-1))]
		for i, v := range d {
			if math.Abs(float64(v)) <= cut {
				d[i] = 0
			}
		}
	}
}

func tmp(t *testing.T, name string) string { return filepath.Join(t.TempDir(), name) }
