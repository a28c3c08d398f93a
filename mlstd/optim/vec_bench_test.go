package optim

import (
	"syscall"
	"testing"
	"time"

	"github.com/gokernel/gokernel/mlstd/tensor"
)

// BenchmarkMomentum is the fused momentum-SGD pass over MNIST's first
// layer (100,480 weights), in cache.
func BenchmarkMomentum(b *testing.B) {
	const n = 100480
	w, buf, d := make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range d {
		d[i] = 1e-3
	}
	b.SetBytes(n * 4 * 5)
	for i := 0; i < b.N; i++ {
		momentum(w, buf, d, 0.9, 1, -0.01)
	}
}

func benchStep(b *testing.B, opt func(ps []*tensor.Tensor) Optimizer, shape ...int) {
	w := tensor.Randn(1, shape...).SetRequiresGrad(true)
	w.Sum().Backward()
	o := opt([]*tensor.Tensor{w})
	b.SetBytes(int64(w.Len()) * 4)
	c0 := cpuTime()
	for i := 0; i < b.N; i++ {
		o.ZeroGrad()
		o.Step()
	}
	b.ReportMetric((cpuTime()-c0).Seconds()/float64(b.N)*1e6, "cpu-µs/op")
}

// cpuTime returns the user+system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkStepSGD and BenchmarkStepAdam time ZeroGrad and one optimizer
// step over 100,480 parameters (MNIST's first layer), the CNN ones over
// the 1,179,648 weights of the MNIST CNN's fc 9216→128.
func BenchmarkStepSGD(b *testing.B)     { benchStep(b, sgdFor, 128, 785) }
func BenchmarkStepAdam(b *testing.B)    { benchStep(b, adamFor, 128, 785) }
func BenchmarkStepSGDCNN(b *testing.B)  { benchStep(b, sgdFor, 128, 9216) }
func BenchmarkStepAdamCNN(b *testing.B) { benchStep(b, adamFor, 128, 9216) }

func sgdFor(ps []*tensor.Tensor) Optimizer {
	return NewSGD(ps, SGDConfig{LR: 0.01, Momentum: 0.9})
}

func adamFor(ps []*tensor.Tensor) Optimizer { return NewAdam(ps, AdamConfig{}) }
