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
