package tensor

import (
	"runtime"
	"slices"
	"testing"
)

// BenchmarkMaxPoolReLUCNNStep is the forward and backward of the MNIST
// CNN's fused ReLU and 2×2 max pooling of its 64×64×24×24 activations,
// wall and CPU time per op.
func BenchmarkMaxPoolReLUCNNStep(b *testing.B) {
	x := NewRNG(1).Randn(64, 64, 24, 24).SetRequiresGrad(true)
	gy := NewRNG(2).Randn(64, 64, 12, 12)
	c0 := cpuSeconds()
	for b.Loop() {
		y := MaxPool2dReLU(x, [2]int{2, 2}, [2]int{}, [2]int{})
		y.grad = gy
		y.backward()
		putBuf(y.data)
		putBuf(x.grad.data)
		x.grad = nil
	}
	b.ReportMetric((cpuSeconds()-c0)/float64(b.N)*1e6, "cpu-µs/op")
}

// TestMaxPool2dSplitMatchesWhole checks max pooling on batches large
// enough to be split by plane across goroutines against the general loop
// run over all planes at once (values, and the gradient scattered to its
// argmax through the fused ReLU's mask, fresh and accumulated), for the
// 2×2 kernel and a general one, with GOMAXPROCS 1 and 2.
func TestMaxPool2dSplitMatchesWhole(t *testing.T) {
	for _, k := range []struct{ kernel, stride, pad [2]int }{
		{[2]int{2, 2}, [2]int{}, [2]int{}},
		{[2]int{3, 3}, [2]int{2, 2}, [2]int{1, 1}},
	} {
		for _, procs := range []int{1, 2} {
			old := runtime.GOMAXPROCS(procs)
			x := NewRNG(1).Randn(64, 32, 24, 25).SetRequiresGrad(true)
			g := poolGeom("max_pool2d", x, k.kernel, k.stride, k.pad)
			planes, L, hw := 64*32, g.l(), 24*25
			wantY, arg := make([]float32, planes*L), make([]int32, planes*L)
			maxPool(&g, x.data, wantY, arg)
			reluInto(wantY, wantY)
			y := MaxPool2dReLU(x, k.kernel, k.stride, k.pad)
			if !slices.Equal(y.Data(), wantY) {
				t.Fatalf("%+v procs=%d: output differs from the whole general loop", k, procs)
			}
			gy := NewRNG(2).Randn(y.Shape()...)
			wantGX := make([]float32, len(x.data))
			for round := 1; round <= 2; round++ { // the second backward accumulates
				for i, v := range gy.data {
					if wantY[i] > 0 {
						wantGX[i/L*hw+int(arg[i])] += v
					}
				}
				if round == 2 {
					y = MaxPool2dReLU(x, k.kernel, k.stride, k.pad)
				}
				dirty := make([]float32, len(x.data)) // a recycled gradient buffer
				for i := range dirty {
					dirty[i] = 42
				}
				putBuf(dirty)
				y.Mul(gy).Sum().Backward()
				if !slices.Equal(x.Grad().Data(), wantGX) {
					t.Fatalf("%+v procs=%d: backward %d differs from the whole scatter", k, procs, round)
				}
			}
			runtime.GOMAXPROCS(old)
		}
	}
}
