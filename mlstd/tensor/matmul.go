package tensor

import (
	"github.com/gokernel/gokernel/mlstd/internal/dense"
	"github.com/gokernel/gokernel/mlstd/internal/sgemm"
)

// MatMul returns the matrix product t·u. t is (n, k) or has more leading
// dimensions (…, k), which are treated as rows; u is (k, m). A 1-D t is a
// row vector and a 1-D u a column vector, and the result drops that
// dimension, as torch.matmul does. Backward uses the same GEMM kernel with
// transposition flags (dA = dC·Bᵀ, dB = Aᵀ·dC), never explicit transposes.
func (t *Tensor) MatMul(u *Tensor) *Tensor {
	if len(t.shape) == 0 || len(u.shape) == 0 || len(u.shape) > 2 {
		panic(&ShapeError{Op: "matmul", A: t.shape, B: u.shape, Msg: "need (…, k) × (k, m)"})
	}
	k := t.shape[len(t.shape)-1]
	n := len(t.data) / max(k, 1)
	if k == 0 {
		n = numel(t.shape[:len(t.shape)-1])
	}
	m := 1
	if len(u.shape) == 2 {
		m = u.shape[1]
	}
	if u.shape[0] != k {
		panic(&ShapeError{Op: "matmul", A: t.shape, B: u.shape})
	}
	shape := append([]int(nil), t.shape[:len(t.shape)-1]...)
	if len(u.shape) == 2 {
		shape = append(shape, m)
	}
	d := make([]float32, n*m)
	sgemm.Gemm(false, false, n, m, k, 1, t.data, max(k, 1), u.data, max(m, 1), 0, d, max(m, 1))
	return result("matmul", shape, d, func(out *Tensor) {
		g := out.grad.data
		if t.requiresGrad { // dA (n,k) += dC (n,m) · Bᵀ
			ga, beta := t.gradInto()
			sgemm.Gemm(false, true, n, k, m, 1, g, max(m, 1), u.data, max(m, 1), beta, ga, max(k, 1))
		}
		if u.requiresGrad { // dB (k,m) += Aᵀ · dC
			gb, beta := u.gradInto()
			sgemm.Gemm(true, false, k, m, n, 1, t.data, max(k, 1), g, max(m, 1), beta, gb, max(m, 1))
		}
	}, t, u)
}

// Linear returns x·wᵀ + b, PyTorch's F.linear, in one fused op: x is
// (n, in) (or (…, in)), w is (out, in) and b is (out) or nil. The bias is
// written into the output before the GEMM accumulates onto it.
func Linear(x, w, b *Tensor) *Tensor { return linear("linear", x, w, b, false) }

// LinearReLU returns relu(x·wᵀ + b) as one op: the ReLU runs in place on
// the GEMM's output and its mask is applied to the incoming gradient before
// the two backward GEMMs, saving a tensor and a pass per layer.
func LinearReLU(x, w, b *Tensor) *Tensor { return linear("linear_relu", x, w, b, true) }

func linear(op string, x, w, b *Tensor, relu bool) *Tensor {
	if len(w.shape) != 2 || len(x.shape) == 0 || x.shape[len(x.shape)-1] != w.shape[1] {
		panic(&ShapeError{Op: op, A: x.shape, B: w.shape, Msg: "need x (…, in) and weight (out, in)"})
	}
	o, in := w.shape[0], w.shape[1]
	if b != nil && (len(b.data) != o || len(b.shape) != 1) {
		panic(&ShapeError{Op: op, A: w.shape, B: b.shape, Msg: "bias must be (out)"})
	}
	n := numel(x.shape[:len(x.shape)-1])
	shape := append(make([]int, 0, len(x.shape)), x.shape[:len(x.shape)-1]...)
	shape = append(shape, o)
	d := getBuf(n * o) // fully written
	var bias []float32
	if b != nil {
		bias = b.data
	}
	dense.Linear(d, x.data, w.data, bias, n, o, in, relu)
	if record, inference := tracking(x, w, b); !record { // no graph: no closure to allocate
		return &Tensor{shape: shape, data: d, op: op, inference: inference}
	}
	inputs := []*Tensor{x, w}
	if b != nil {
		inputs = append(inputs, b)
	}
	return result(op, shape, d, func(out *Tensor) {
		g := out.grad.data
		if relu {
			masked := getBuf(len(g))
			defer putBuf(masked)
			reluMask(masked, g, d)
			g = masked
		}
		if x.requiresGrad { // dX (n,in) += dY (n,o) · W (o,in)
			gx, beta := x.gradInto()
			sgemm.Gemm(false, false, n, in, o, 1, g, max(o, 1), w.data, max(in, 1), beta, gx, max(in, 1))
		}
		if w.requiresGrad { // dW (o,in) += dYᵀ · X
			gw, beta := w.gradInto()
			sgemm.Gemm(true, false, o, in, n, 1, g, max(o, 1), x.data, max(in, 1), beta, gw, max(in, 1))
		}
		if b != nil && b.requiresGrad {
			gb := b.gradBuf()
			for i := 0; i < n; i++ {
				row := g[i*o : (i+1)*o]
				for j, v := range row {
					gb[j] += v
				}
			}
		}
	}, inputs...)
}
