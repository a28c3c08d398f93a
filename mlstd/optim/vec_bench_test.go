package optim

import (
	"testing"

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

func benchStep(b *testing.B, opt func(ps []*tensor.Tensor) Optimizer) {
	w := tensor.Randn(1, 128, 785).SetRequiresGrad(true)
	w.Sum().Backward()
	o := opt([]*tensor.Tensor{w})
	b.SetBytes(int64(w.Len()) * 4)
	for i := 0; i < b.N; i++ {
		o.Step()
	}
}

// BenchmarkStepSGD and BenchmarkStepAdam time one optimizer step over
// 100,480 parameters (MNIST's first layer).
func BenchmarkStepSGD(b *testing.B) {
	benchStep(b, func(ps []*tensor.Tensor) Optimizer { return NewSGD(ps, SGDConfig{LR: 0.01, Momentum: 0.9}) })
}

func BenchmarkStepAdam(b *testing.B) {
	benchStep(b, func(ps []*tensor.Tensor) Optimizer { return NewAdam(ps, AdamConfig{}) })
}
