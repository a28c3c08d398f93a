package optim

import (
	"math/rand/v2"
	"testing"
)

// TestVectorKernels checks the assembly kernels against the Go ones for
// every length around the unrolled block sizes (tails included).
func TestVectorKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 80; n++ {
		x, y := make([]float32, n+1), make([]float32, n+1)
		for i := range x {
			x[i], y[i] = float32(r.NormFloat64()), float32(r.NormFloat64())
		}
		want := append([]float32(nil), y...)
		axpyGo(want[:n], x[:n], -0.37)
		got := append([]float32(nil), y...)
		axpy(got[:n], x[:n], -0.37)
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("axpy n=%d: element %d = %v, want %v", n, i, got[i], want[i])
			}
		}
		wb, gb := append([]float32(nil), y...), append([]float32(nil), y...)
		momentumGo(want[:n], wb[:n], x[:n], 0.9, 0.7, -0.01)
		momentum(got[:n], gb[:n], x[:n], 0.9, 0.7, -0.01)
		for i := range want {
			if got[i] != want[i] || gb[i] != wb[i] {
				t.Fatalf("momentum n=%d: element %d = %v/%v, want %v/%v", n, i, got[i], gb[i], want[i], wb[i])
			}
		}
		mw, vw := append([]float32(nil), x...), append([]float32(nil), x...)
		for i := range vw {
			vw[i] *= vw[i]
		}
		mg, vg := append([]float32(nil), mw...), append([]float32(nil), vw...)
		aw, ag := append([]float32(nil), y...), append([]float32(nil), y...)
		adamGo(aw[:n], mw[:n], vw[:n], y[:n], 0.9, 0.1, 0.999, 0.001, 0.3, 1e-8, -0.01)
		adamUpdate(ag[:n], mg[:n], vg[:n], y[:n], 0.9, 0.1, 0.999, 0.001, 0.3, 1e-8, -0.01)
		for i := range aw {
			if aw[i] != ag[i] || mw[i] != mg[i] || vw[i] != vg[i] {
				t.Fatalf("adam n=%d: element %d = %v/%v/%v, want %v/%v/%v", n, i, ag[i], mg[i], vg[i], aw[i], mw[i], vw[i])
			}
		}
		scalGo(want[:n], 0.9)
		scal(got[:n], 0.9)
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("scal n=%d: element %d = %v, want %v", n, i, got[i], want[i])
			}
		}
	}
}
