package optim

import "testing"

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
