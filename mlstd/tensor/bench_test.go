package tensor

import "testing"

func benchOp(b *testing.B, f func(x *Tensor) *Tensor) {
	x := NewRNG(1).Randn(64, 128).SetRequiresGrad(true)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		f(x).Sum().Backward()
	}
}

func BenchmarkReLU(b *testing.B)    { benchOp(b, (*Tensor).ReLU) }
func BenchmarkSigmoid(b *testing.B) { benchOp(b, (*Tensor).Sigmoid) }
func BenchmarkLogSoftmax(b *testing.B) {
	benchOp(b, func(x *Tensor) *Tensor { return x.LogSoftmax(1) })
}
func BenchmarkAddRow(b *testing.B) {
	bias := NewRNG(2).Randn(128).SetRequiresGrad(true)
	benchOp(b, func(x *Tensor) *Tensor { return x.Add(bias) })
}
func BenchmarkCrossEntropy(b *testing.B) {
	labels := make([]int, 64)
	for i := range labels {
		labels[i] = i % 10
	}
	x := NewRNG(1).Randn(64, 10).SetRequiresGrad(true)
	for i := 0; i < b.N; i++ {
		CrossEntropy(x, labels).Backward()
	}
}
