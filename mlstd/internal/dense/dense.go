// Package dense holds the forward kernel of a fully connected layer on
// row-major float32 slices. It is the one implementation behind
// tensor.Linear and tensor.LinearReLU and behind nn.Plan's InferRows,
// which runs a model of Linear and ReLU layers without building tensors,
// so the two give the same bits by construction rather than by
// convention: the bias is written into each output row, the GEMM
// (mlstd/internal/sgemm) accumulates x·wᵀ onto it, and a fused ReLU runs
// in place (mlstd/internal/vec).
package dense

import (
	"github.com/gokernel/gokernel/mlstd/internal/sgemm"
	"github.com/gokernel/gokernel/mlstd/internal/vec"
)

// Linear sets dst (n×o) to x (n×in) · wᵀ (w is o×in) + b (o values, or
// nil for no bias), then to max(dst, 0) when relu. Every element of dst
// is written. dst must not overlap x or w.
func Linear(dst, x, w, b []float32, n, o, in int, relu bool) {
	beta := float32(0)
	if b != nil {
		for i := 0; i < n; i++ {
			copy(dst[i*o:(i+1)*o], b)
		}
		beta = 1
	}
	sgemm.Gemm(false, true, n, o, in, 1, x, max(in, 1), w, max(in, 1), beta, dst, max(o, 1))
	if relu {
		vec.ReLU(dst, dst)
	}
}
