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

// gradBuf returns t's gradient storage, allocating zeros on first use, for
// ops that accumulate into it in place (matmul backward with beta = 1).
func (t *Tensor) gradBuf() []float32 {
	if t.grad == nil {
		t.grad = &Tensor{shape: t.shape, data: getZeroed(len(t.data))}
	}
	return t.grad.data
}
