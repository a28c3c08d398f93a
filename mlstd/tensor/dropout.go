package tensor

import "fmt"

// Dropout returns x with each element zeroed with probability p and the
// others scaled by 1/(1−p), PyTorch's F.dropout in training mode; the
// gradient flows through the kept elements with the same scale. The
// uniform draws come from g, one per element in order, exactly those of
// g.Rand(x.Shape()...) (an element is dropped when its draw is below p),
// so the result equals x.Mul(mask) with that mask. Unlike that product,
// the mask and output come from the buffer pool and the mask is given
// back after the backward (or at once without a graph), so a training
// step with dropout leaves no garbage. p outside [0, 1] panics.
func Dropout(x *Tensor, p float64, g *RNG) *Tensor {
	if !(p >= 0 && p <= 1) {
		panic(fmt.Errorf("tensor: dropout probability %g is not in [0, 1]", p))
	}
	n := len(x.data)
	mask := getBuf(n)
	g.FillUniform(mask, 0, 1)
	keep := float32(0)
	if p < 1 {
		keep = float32(1 / (1 - p))
	}
	for i, v := range mask {
		if v < float32(p) {
			mask[i] = 0
		} else {
			mask[i] = keep
		}
	}
	out := getBuf(n) // fully written
	mulK(out, x.data, mask)
	if !x.requiresGrad || !GradEnabled() {
		putBuf(mask)
		return result("dropout", x.shape, out, nil, x)
	}
	return result("dropout", x.shape, out, func(res *Tensor) {
		gy := res.grad.data
		if x.grad == nil {
			gx := getBuf(n)
			mulK(gx, gy, mask)
			x.addGrad(gx, true)
		} else {
			gx := x.grad.data[:n]
			for i, m := range mask {
				gx[i] += gy[i] * m
			}
		}
		putBuf(mask)
	}, x)
}
