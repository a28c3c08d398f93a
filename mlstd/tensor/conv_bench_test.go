package tensor

import (
	"syscall"
	"testing"
	"time"
)

// cpuSeconds returns the process's user+system CPU time so far: on a
// shared machine the benchmarks below report it per op (cpu-µs/op)
// beside the wall time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// benchConv times one forward and backward pass of a convolution of a
// batch of 64 h×h images, with the input's gradient when gx.
func benchConv(b *testing.B, c, h, o, k, pad int, gx bool) {
	g := NewRNG(1)
	x := g.Rand(64, c, h, h).SetRequiresGrad(gx)
	w := g.Rand(o, c, k, k).SetRequiresGrad(true)
	bias := g.Rand(o).SetRequiresGrad(true)
	b.ReportAllocs()
	c0 := cpuSeconds()
	for b.Loop() {
		Conv2dReLU(x, w, bias, Conv2dParams{Padding: [2]int{pad, pad}}).Sum().Backward()
		w.grad, bias.grad, x.grad = nil, nil, nil
	}
	b.ReportMetric((cpuSeconds()-c0)/float64(b.N)*1e6, "cpu-µs/op")
}

// The layers of LeNet-5 and of pytorch/examples' MNIST CNN (issue 17).
func BenchmarkConvLeNet1(b *testing.B) { benchConv(b, 1, 28, 6, 5, 2, false) }
func BenchmarkConvLeNet2(b *testing.B) { benchConv(b, 6, 14, 16, 5, 0, true) }
func BenchmarkConvCNN1(b *testing.B)   { benchConv(b, 1, 28, 32, 3, 0, false) }
func BenchmarkConvCNN2(b *testing.B)   { benchConv(b, 32, 26, 64, 3, 0, true) }

// BenchmarkMaxPoolCNN is the forward 2×2 max pooling of the CNN's
// 64×64×24×24 activations, keeping the argmax.
func BenchmarkMaxPoolCNN(b *testing.B) {
	x := NewRNG(1).Randn(64, 64, 24, 24)
	g := poolGeom("max_pool2d", x, [2]int{2, 2}, [2]int{}, [2]int{})
	out := make([]float32, 64*64*g.l())
	arg := make([]int32, len(out))
	c0 := cpuSeconds()
	for b.Loop() {
		maxPool2x2(&g, x.data, out, arg)
	}
	b.ReportMetric((cpuSeconds()-c0)/float64(b.N)*1e6, "cpu-µs/op")
}
