package nn_test

import (
	"syscall"
	"testing"
	"time"

	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/optim"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// BenchmarkMNISTStep is one training step of the seed's workload: MLP
// 784-128-10 ReLU, batch 64, SGD lr 0.01 momentum 0.9, cross-entropy (an
// epoch of MNIST is 938 such steps), on random data of MNIST's shape.
func BenchmarkMNISTStep(b *testing.B) {
	const n, batch = 4096, 64
	g := tensor.NewRNG(1)
	x := g.Rand(n, 784)
	y := make([]int, n)
	for i := range y {
		y[i] = g.Intn(10)
	}
	nn.Seed(0)
	model := nn.NewMLP([]int{784, 128, 10})
	opt := optim.NewSGD(model.Parameters(), optim.SGDConfig{LR: 0.01, Momentum: 0.9})
	b.ReportAllocs()
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		lo := (i * batch) % n
		xb := x.Slice(lo, lo+batch)
		opt.ZeroGrad()
		loss := nn.CrossEntropy(model.Forward(xb), y[lo:lo+batch])
		loss.Backward()
		opt.Step()
	}
	b.ReportMetric(float64(b.Elapsed().Seconds())/float64(b.N)*938, "s/epoch")
	// Process CPU time is steadier than wall time on a shared machine.
	b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N)*938, "cpu-s/epoch")
}

// cpuTime returns the user+system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
