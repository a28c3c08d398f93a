package tensor

// addGrad adds g (one value per element of t) into t's gradient. When owned
// is true g is a fresh buffer that no one else holds and may become the
// gradient's storage without a copy.
func (t *Tensor) addGrad(g []float32, owned bool) {
	if !t.requiresGrad {
		return
	}
	if t.grad == nil {
		if !owned {
			g = append(getBuf(len(g))[:0], g...)
		}
		t.grad = &Tensor{shape: t.shape, data: g}
		return
	}
	addTo(t.grad.data[:len(g)], g)
}

// releaseGrad, called by out's backward, returns out's gradient storage
// and detaches it from out when Backward would drop it after that backward
// (out is not the tensor Backward started from, whose gradient stays), so
// that the backward can reuse it for an input's gradient; else nil.
func (out *Tensor) releaseGrad() []float32 {
	if out.keepsGrad {
		return nil
	}
	g := out.grad.data
	out.grad = nil
	return g
}

// passGrad adds out's gradient into t's, for ops whose gradient passes
// through unchanged (Reshape, AddScalar). When t has none yet, t takes
// out's over if Backward would drop it (releaseGrad) instead of a copy
// (Flatten's backward copied 2.4 MB per step of the MNIST CNN).
func (t *Tensor) passGrad(out *Tensor) {
	if t.requiresGrad && t.grad == nil {
		if g := out.releaseGrad(); g != nil {
			t.grad = &Tensor{shape: t.shape, data: g}
			return
		}
	}
	t.addGrad(out.grad.data, false)
}

// gradBuf returns t's gradient storage, allocating zeros on first use, for
// ops that accumulate into it in place (matmul backward with beta = 1).
func (t *Tensor) gradBuf() []float32 {
	if t.grad == nil {
		t.grad = &Tensor{shape: t.shape, data: getZeroed(len(t.data))}
	}
	return t.grad.data
}

// gradInto returns t's gradient storage and the beta with which a product
// (sgemm) writes it: on first use a fresh buffer with beta 0, which the
// product sets without reading (so it is not cleared first), else the
// gradient itself with beta 1, added to.
func (t *Tensor) gradInto() ([]float32, float32) {
	if t.grad == nil {
		t.grad = &Tensor{shape: t.shape, data: getBuf(len(t.data))}
		return t.grad.data, 0
	}
	return t.grad.data, 1
}
