package tensor

import (
	"slices"
	"strings"
	"testing"
)

// TestDropoutEqualsMaskProduct checks Dropout against x.Mul(mask) with the
// mask drawn the documented way from an identically seeded generator:
// same output and same gradient, bit for bit, also when the gradient
// accumulates; p = 0 and p = 1 are the identity and zero; a bad p panics
// with a message naming it.
func TestDropoutEqualsMaskProduct(t *testing.T) {
	for _, p := range []float64{0, 0.25, 0.5, 1} {
		x := NewRNG(3).Randn(4, 3, 5, 5).SetRequiresGrad(true)
		x2 := New(slices.Clone(x.Data()), x.Shape()...).SetRequiresGrad(true)
		got := Dropout(x, p, NewRNG(9))
		mask := NewRNG(9).Rand(x.Shape()...)
		for i, v := range mask.data {
			switch {
			case v < float32(p):
				mask.data[i] = 0
			default:
				mask.data[i] = float32(1 / (1 - p))
			}
		}
		want := x2.Mul(mask)
		if !slices.Equal(got.Data(), want.Data()) {
			t.Fatalf("p=%g: output differs from x·mask", p)
		}
		for range 2 { // the second backward accumulates
			w := NewRNG(4).Randn(x.Shape()...)
			Dropout(x, p, NewRNG(9)).Mul(w).Sum().Backward()
			x2.Mul(mask).Mul(w).Sum().Backward()
			if !slices.Equal(x.Grad().Data(), x2.Grad().Data()) {
				t.Fatalf("p=%g: gradient differs from x·mask's", p)
			}
		}
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(error).Error(), "1.5") {
			t.Fatalf("Dropout(p=1.5) recovered %v, want an error naming 1.5", r)
		}
	}()
	Dropout(Ones(2), 1.5, NewRNG(1))
}
