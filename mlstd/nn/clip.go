package nn

import (
	"math"

	"github.com/gokernel/gokernel/mlstd/tensor"
)

// ClipGradNorm scales the gradients of params in place so that their
// joint L2 norm is at most maxNorm, and returns the norm before clipping
// (torch.nn.utils.clip_grad_norm_: the scale is maxNorm/(norm+1e-6), applied
// only when below 1). Parameters without a gradient are skipped. Call it
// between Backward and the optimizer's Step.
func ClipGradNorm(params []*tensor.Tensor, maxNorm float64) float64 {
	var sq float64
	for _, p := range params {
		if g := p.Grad(); g != nil {
			for _, v := range g.Data() {
				sq += float64(v) * float64(v)
			}
		}
	}
	norm := math.Sqrt(sq)
	if coef := maxNorm / (norm + 1e-6); coef < 1 {
		c := float32(coef)
		for _, p := range params {
			if g := p.Grad(); g != nil {
				d := g.Data()
				for i := range d {
					d[i] *= c
				}
			}
		}
	}
	return norm
}
