package tensor

import (
	"slices"

	"github.com/gokernel/gokernel/mlstd/internal/vec"
)

// broadcastShape returns the shape two operands broadcast to (NumPy and
// PyTorch rules: align trailing dimensions; a dimension of 1 stretches).
func broadcastShape(op string, a, b []int) []int {
	n := max(len(a), len(b))
	out := make([]int, n)
	for i := 0; i < n; i++ {
		da, db := 1, 1
		if j := len(a) - n + i; j >= 0 {
			da = a[j]
		}
		if j := len(b) - n + i; j >= 0 {
			db = b[j]
		}
		switch {
		case da == db, db == 1:
			out[i] = da
		case da == 1:
			out[i] = db
		default:
			panic(&ShapeError{Op: op, A: a, B: b, Msg: "shapes do not broadcast"})
		}
	}
	return out
}

// bcastIndex returns, for every element of a tensor of shape out, the offset
// of the element of a tensor of shape in that broadcasts to it.
func bcastIndex(in, out []int) []int {
	n := numel(out)
	idx := make([]int, n)
	strides := make([]int, len(out))
	s := 1
	for i := len(out) - 1; i >= 0; i-- {
		j := len(in) - len(out) + i
		if j >= 0 && in[j] != 1 {
			strides[i] = s
		}
		if j >= 0 {
			s *= in[j]
		}
	}
	counter := make([]int, len(out))
	off := 0
	for k := 0; k < n; k++ {
		idx[k] = off
		for d := len(out) - 1; d >= 0; d-- {
			counter[d]++
			off += strides[d]
			if counter[d] < out[d] {
				break
			}
			off -= strides[d] * counter[d]
			counter[d] = 0
		}
	}
	return idx
}

// isSuffix reports whether in equals the trailing dimensions of out (after
// dropping leading ones of in), so that in repeats every len(in) elements.
func isSuffix(in, out []int) bool {
	for len(in) > 0 && in[0] == 1 {
		in = in[1:]
	}
	if len(in) > len(out) {
		return false
	}
	return slices.Equal(in, out[len(out)-len(in):])
}

// expand returns t's data broadcast to shape out (t's own storage when the
// shapes already match).
func expand(t *Tensor, out []int) []float32 {
	n := numel(out)
	if len(t.data) == n {
		return t.data
	}
	d := make([]float32, n)
	if isSuffix(t.shape, out) {
		m := len(t.data)
		for i := 0; i < n; i += m {
			copy(d[i:i+m], t.data)
		}
		return d
	}
	for i, j := range bcastIndex(t.shape, out) {
		d[i] = t.data[j]
	}
	return d
}

// reduceTo sums g (shaped out) down to shape in, undoing a broadcast. It
// returns g itself when no reduction is needed (owned reports a fresh slice).
func reduceTo(g []float32, out, in []int) (r []float32, owned bool) {
	m := numel(in)
	if m == len(g) {
		return g, false
	}
	r = make([]float32, m)
	if isSuffix(in, out) {
		for i := 0; i < len(g); i += m {
			row := g[i : i+m]
			for j, v := range row {
				r[j] += v
			}
		}
		return r, true
	}
	for i, j := range bcastIndex(in, out) {
		r[j] += g[i]
	}
	return r, true
}

// binary evaluates an element-wise op of two broadcast operands with kernel
// k, which works on equal-length slices.
func binary(op string, a, b *Tensor, k func(dst, x, y []float32)) ([]int, []float32) {
	if slices.Equal(a.shape, b.shape) {
		d := make([]float32, len(a.data))
		k(d, a.data, b.data)
		return a.shape, d
	}
	shape := broadcastShape(op, a.shape, b.shape)
	n := numel(shape)
	d := make([]float32, n)
	// Hot case: a full, b a repeated row (bias add, per-feature scaling);
	// short rows (a scalar) go through expand, not one call per element.
	if len(a.data) == n && len(b.data) >= 16 && isSuffix(b.shape, shape) {
		m := len(b.data)
		for i := 0; i < n; i += m {
			k(d[i:i+m], a.data[i:i+m], b.data)
		}
		return shape, d
	}
	k(d, expand(a, shape), expand(b, shape))
	return shape, d
}

func addK(d, x, y []float32) {
	y = y[:len(d)]
	x = x[:len(d)]
	for i := range d {
		d[i] = x[i] + y[i]
	}
}

func subK(d, x, y []float32) {
	y = y[:len(d)]
	x = x[:len(d)]
	for i := range d {
		d[i] = x[i] - y[i]
	}
}

// mulK is the element-wise product (internal/vec's AVX2 kernel).
func mulK(d, x, y []float32) { vec.Mul(d, x, y) }

func divK(d, x, y []float32) {
	y = y[:len(d)]
	x = x[:len(d)]
	for i := range d {
		d[i] = x[i] / y[i]
	}
}

// Add returns t + u with broadcasting.
func (t *Tensor) Add(u *Tensor) *Tensor {
	shape, d := binary("add", t, u, addK)
	return result("add", shape, d, func(out *Tensor) {
		g := out.grad.data
		if t.requiresGrad {
			t.addGrad(reduceTo(g, shape, t.shape))
		}
		if u.requiresGrad {
			u.addGrad(reduceTo(g, shape, u.shape))
		}
	}, t, u)
}

// Sub returns t - u with broadcasting.
func (t *Tensor) Sub(u *Tensor) *Tensor {
	shape, d := binary("sub", t, u, subK)
	return result("sub", shape, d, func(out *Tensor) {
		g := out.grad.data
		if t.requiresGrad {
			t.addGrad(reduceTo(g, shape, t.shape))
		}
		if u.requiresGrad {
			ng := make([]float32, len(g))
			for i, v := range g {
				ng[i] = -v
			}
			u.addGrad(reduceTo(ng, shape, u.shape))
		}
	}, t, u)
}

// Mul returns the element-wise product t * u with broadcasting.
func (t *Tensor) Mul(u *Tensor) *Tensor {
	shape, d := binary("mul", t, u, mulK)
	return result("mul", shape, d, func(out *Tensor) {
		g := out.grad.data
		if t.requiresGrad {
			gt := make([]float32, len(g))
			mulK(gt, g, expand(u, shape))
			r, _ := reduceTo(gt, shape, t.shape)
			t.addGrad(r, true)
		}
		if u.requiresGrad {
			gu := make([]float32, len(g))
			mulK(gu, g, expand(t, shape))
			r, _ := reduceTo(gu, shape, u.shape)
			u.addGrad(r, true)
		}
	}, t, u)
}

// Div returns the element-wise quotient t / u with broadcasting.
func (t *Tensor) Div(u *Tensor) *Tensor {
	shape, d := binary("div", t, u, divK)
	return result("div", shape, d, func(out *Tensor) {
		g := out.grad.data
		ue := expand(u, shape)
		if t.requiresGrad {
			gt := make([]float32, len(g))
			divK(gt, g, ue)
			r, _ := reduceTo(gt, shape, t.shape)
			t.addGrad(r, true)
		}
		if u.requiresGrad {
			gu := make([]float32, len(g))
			for i := range gu {
				gu[i] = -g[i] * d[i] / ue[i] // -g·t/u² = -g·out/u
			}
			r, _ := reduceTo(gu, shape, u.shape)
			u.addGrad(r, true)
		}
	}, t, u)
}

// compare returns 1 where f(t, u) holds and 0 elsewhere, with
// broadcasting. Comparisons have no gradient (their result is constant
// almost everywhere), so the result never requires one.
func (t *Tensor) compare(op string, u *Tensor, f func(x, y float32) bool) *Tensor {
	shape, d := binary(op, t, u, func(d, x, y []float32) {
		y = y[:len(d)]
		x = x[:len(d)]
		for i := range d {
			if f(x[i], y[i]) {
				d[i] = 1
			} else {
				d[i] = 0
			}
		}
	})
	return result(op, shape, d, nil, t, u) // no graph; an inference input makes it one
}

// Gt returns 1 where t > u and 0 elsewhere (broadcasting; no gradient).
func (t *Tensor) Gt(u *Tensor) *Tensor {
	return t.compare("gt", u, func(x, y float32) bool { return x > y })
}

// Lt returns 1 where t < u and 0 elsewhere (broadcasting; no gradient).
func (t *Tensor) Lt(u *Tensor) *Tensor {
	return t.compare("lt", u, func(x, y float32) bool { return x < y })
}

// Eq returns 1 where t == u and 0 elsewhere (broadcasting; no gradient).
func (t *Tensor) Eq(u *Tensor) *Tensor {
	return t.compare("eq", u, func(x, y float32) bool { return x == y })
}

// Where returns a where cond is non-zero and b elsewhere (torch.where),
// with broadcasting; gradients flow to a and b where each was chosen.
func Where(cond, a, b *Tensor) *Tensor {
	mask := cond.compare("where", Scalar(0), func(x, _ float32) bool { return x != 0 })
	inv := Scalar(1).Sub(mask)
	return a.Mul(mask).Add(b.Mul(inv))
}

// Maximum returns the element-wise maximum of t and u (torch.maximum; at
// ties the gradient goes to t).
func (t *Tensor) Maximum(u *Tensor) *Tensor { return Where(u.Gt(t), u, t) }

// Minimum returns the element-wise minimum of t and u (at ties the gradient
// goes to t).
func (t *Tensor) Minimum(u *Tensor) *Tensor { return Where(u.Lt(t), u, t) }
