package tensor

import (
	"fmt"
	"math"
)

// axisSplit normalises axis and splits t's shape into outer × n × inner.
func (t *Tensor) axisSplit(op string, axis int) (ax, outer, n, inner int) {
	nd := len(t.shape)
	if axis < 0 {
		axis += nd
	}
	if axis < 0 || axis >= nd {
		panic(&ShapeError{Op: op, A: t.shape, Msg: fmt.Sprintf("no axis %d", axis)})
	}
	return axis, numel(t.shape[:axis]), t.shape[axis], numel(t.shape[axis+1:])
}

// reducedShape is t's shape with axis removed, or kept as 1.
func reducedShape(shape []int, axis int, keepDim bool) []int {
	s := append([]int(nil), shape[:axis]...)
	if keepDim {
		s = append(s, 1)
	}
	return append(s, shape[axis+1:]...)
}

// Sum returns the sum of all elements as a scalar tensor.
func (t *Tensor) Sum() *Tensor {
	var s float64
	for _, v := range t.data {
		s += float64(v)
	}
	return result("sum", []int{}, []float32{float32(s)}, func(out *Tensor) {
		g := out.grad.data[0]
		gx := make([]float32, len(t.data))
		for i := range gx {
			gx[i] = g
		}
		t.addGrad(gx, true)
	}, t)
}

// Mean returns the mean of all elements as a scalar tensor.
func (t *Tensor) Mean() *Tensor {
	return t.Sum().Scale(1 / float64(len(t.data)))
}

// SumAxis sums along one axis (negative counts from the end); keepDim
// keeps it as a dimension of size 1.
func (t *Tensor) SumAxis(axis int, keepDim bool) *Tensor {
	ax, outer, n, inner := t.axisSplit("sum", axis)
	d := make([]float32, outer*inner)
	for o := 0; o < outer; o++ {
		dst := d[o*inner : (o+1)*inner]
		for j := 0; j < n; j++ {
			src := t.data[(o*n+j)*inner : (o*n+j+1)*inner]
			for i, v := range src {
				dst[i] += v
			}
		}
	}
	return result("sum", reducedShape(t.shape, ax, keepDim), d, func(out *Tensor) {
		g := out.grad.data
		gx := make([]float32, len(t.data))
		for o := 0; o < outer; o++ {
			src := g[o*inner : (o+1)*inner]
			for j := 0; j < n; j++ {
				copy(gx[(o*n+j)*inner:(o*n+j+1)*inner], src)
			}
		}
		t.addGrad(gx, true)
	}, t)
}

// MeanAxis averages along one axis.
func (t *Tensor) MeanAxis(axis int, keepDim bool) *Tensor {
	_, _, n, _ := t.axisSplit("mean", axis)
	return t.SumAxis(axis, keepDim).Scale(1 / float64(n))
}

// VarAxis returns the unbiased variance along one axis (torch.var with
// its default correction of 1).
func (t *Tensor) VarAxis(axis int, keepDim bool) *Tensor {
	_, _, n, _ := t.axisSplit("var", axis)
	c := t.Sub(t.MeanAxis(axis, true))
	return c.Square().SumAxis(axis, keepDim).Scale(1 / float64(max(n-1, 1)))
}

// StdAxis returns the unbiased standard deviation along one axis.
func (t *Tensor) StdAxis(axis int, keepDim bool) *Tensor {
	return t.VarAxis(axis, keepDim).Sqrt()
}

// Max returns the largest element as a scalar tensor (the gradient goes to
// the first maximal element).
func (t *Tensor) Max() *Tensor {
	if len(t.data) == 0 {
		panic(&ShapeError{Op: "max", A: t.shape, Msg: "empty tensor"})
	}
	return t.Reshape(len(t.data)).MaxAxis(0, false)
}

// MaxAxis returns the maxima along one axis (the gradient goes to the first
// maximal element of each slice).
func (t *Tensor) MaxAxis(axis int, keepDim bool) *Tensor {
	ax, outer, n, inner := t.axisSplit("max", axis)
	if n == 0 {
		panic(&ShapeError{Op: "max", A: t.shape, Msg: "empty axis"})
	}
	arg := t.argmax(outer, n, inner)
	d := make([]float32, len(arg))
	for k, j := range arg {
		o, i := k/inner, k%inner
		d[k] = t.data[(o*n+j)*inner+i]
	}
	return result("max", reducedShape(t.shape, ax, keepDim), d, func(out *Tensor) {
		g := out.grad.data
		gb := t.gradBuf()
		for k, j := range arg {
			o, i := k/inner, k%inner
			gb[(o*n+j)*inner+i] += g[k]
		}
	}, t)
}

// MinAxis returns the minima along one axis.
func (t *Tensor) MinAxis(axis int, keepDim bool) *Tensor {
	return t.Neg().MaxAxis(axis, keepDim).Neg()
}

func (t *Tensor) argmax(outer, n, inner int) []int {
	arg := make([]int, outer*inner)
	forAxis(outer, n, inner, func(base int) {
		best, bj := t.data[base], 0
		for j := 1; j < n && best == best; j++ { // a NaN wins, as in PyTorch
			if v := t.data[base+j*inner]; v > best || v != v {
				best, bj = v, j
			}
		}
		o, i := base/(n*inner), base%(n*inner)
		arg[o*inner+i] = bj
	})
	return arg
}

// Argmax returns the index of the largest value along axis for every
// position of the other axes, in row-major order (for logits of shape
// (N, C) and axis 1: the predicted class of each example).
func (t *Tensor) Argmax(axis int) []int {
	_, outer, n, inner := t.axisSplit("argmax", axis)
	if n == 0 {
		panic(&ShapeError{Op: "argmax", A: t.shape, Msg: "empty axis"})
	}
	return t.argmax(outer, n, inner)
}

// Softmax returns exp(t) normalised to sum to 1 along axis.
func (t *Tensor) Softmax(axis int) *Tensor {
	_, outer, n, inner := t.axisSplit("softmax", axis)
	d := make([]float32, len(t.data))
	softmaxInto(d, t.data, outer, n, inner, false)
	return result("softmax", t.shape, d, func(out *Tensor) {
		g := out.grad.data
		gx := make([]float32, len(g))
		forAxis(outer, n, inner, func(base int) {
			var s float64
			for j := 0; j < n; j++ {
				s += float64(g[base+j*inner] * d[base+j*inner])
			}
			for j := 0; j < n; j++ {
				p := base + j*inner
				gx[p] = d[p] * (g[p] - float32(s))
			}
		})
		t.addGrad(gx, true)
	}, t)
}

// LogSoftmax returns log(Softmax(axis)) computed stably.
func (t *Tensor) LogSoftmax(axis int) *Tensor {
	_, outer, n, inner := t.axisSplit("logsoftmax", axis)
	d := make([]float32, len(t.data))
	softmaxInto(d, t.data, outer, n, inner, true)
	return result("logsoftmax", t.shape, d, func(out *Tensor) {
		g := out.grad.data
		gx := make([]float32, len(g))
		forAxis(outer, n, inner, func(base int) {
			var s float64
			for j := 0; j < n; j++ {
				s += float64(g[base+j*inner])
			}
			for j := 0; j < n; j++ {
				p := base + j*inner
				gx[p] = g[p] - float32(math.Exp(float64(d[p])))*float32(s)
			}
		})
		t.addGrad(gx, true)
	}, t)
}

// forAxis calls f with the offset of the first element of every slice
// along the middle axis.
func forAxis(outer, n, inner int, f func(base int)) {
	for o := 0; o < outer; o++ {
		for i := 0; i < inner; i++ {
			f(o*n*inner + i)
		}
	}
}

// softmaxInto writes the softmax (or log-softmax) of x along the middle
// axis of outer × n × inner into d.
func softmaxInto(d, x []float32, outer, n, inner int, log bool) {
	forAxis(outer, n, inner, func(base int) {
		m := float32(math.Inf(-1))
		for j := 0; j < n; j++ {
			m = max(m, x[base+j*inner])
		}
		var s float64
		for j := 0; j < n; j++ {
			p := base + j*inner
			e := math.Exp(float64(x[p] - m))
			s += e
			if !log {
				d[p] = float32(e)
			}
		}
		if log {
			ls := float32(math.Log(s))
			for j := 0; j < n; j++ {
				p := base + j*inner
				d[p] = x[p] - m - ls
			}
			return
		}
		inv := 1 / s
		for j := 0; j < n; j++ {
			p := base + j*inner
			d[p] = float32(float64(d[p]) * inv)
		}
	})
}
