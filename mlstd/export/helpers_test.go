package export

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

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

// sameParams checks that two models have the same named parameters and
// buffers (state dicts), bit for bit.
func sameParams(t *testing.T, got, want nn.Module) {
	t.Helper()
	gp, wp := nn.StateDict(got), nn.StateDict(want)
	if len(gp) != len(wp) {
		t.Fatalf("%d parameters and buffers, want %d", len(gp), len(wp))
	}
	for i := range gp {
		if gp[i].Name != wp[i].Name {
			t.Fatalf("parameter %d is %q, want %q", i, gp[i].Name, wp[i].Name)
		}
		sameBits(t, gp[i].Name, gp[i].Tensor, wp[i].Tensor)
	}
}

func tmp(t *testing.T, name string) string { return filepath.Join(t.TempDir(), name) }
