package tensor

import (
	"math"

	"github.com/gokernel/gokernel/mlstd/internal/vec"
)

// unary makes an element-wise op: f maps each input value to its output,
// df gives the derivative from the input x and the output y.
func (t *Tensor) unary(op string, f func(x float32) float32, df func(x, y float32) float32) *Tensor {
	d := make([]float32, len(t.data))
	for i, v := range t.data {
		d[i] = f(v)
	}
	return result(op, t.shape, d, func(out *Tensor) {
		g := out.grad.data
		gx := make([]float32, len(g))
		for i, v := range g {
			gx[i] = v * df(t.data[i], d[i])
		}
		t.addGrad(gx, true)
	}, t)
}

// Neg returns -t.
func (t *Tensor) Neg() *Tensor { return t.Scale(-1) }

// Scale returns t multiplied by the scalar s.
func (t *Tensor) Scale(s float64) *Tensor {
	f := float32(s)
	d := make([]float32, len(t.data))
	for i, v := range t.data {
		d[i] = v * f
	}
	return result("scale", t.shape, d, func(out *Tensor) {
		g := out.grad.data
		gx := make([]float32, len(g))
		for i, v := range g {
			gx[i] = v * f
		}
		t.addGrad(gx, true)
	}, t)
}

// AddScalar returns t + s.
func (t *Tensor) AddScalar(s float64) *Tensor {
	f := float32(s)
	d := make([]float32, len(t.data))
	for i, v := range t.data {
		d[i] = v + f
	}
	return result("addscalar", t.shape, d, func(out *Tensor) {
		t.passGrad(out)
	}, t)
}

// Exp returns eˣ element-wise.
func (t *Tensor) Exp() *Tensor {
	return t.unary("exp", func(x float32) float32 { return float32(math.Exp(float64(x))) },
		func(_, y float32) float32 { return y })
}

// Log returns the natural logarithm element-wise.
func (t *Tensor) Log() *Tensor {
	return t.unary("log", func(x float32) float32 { return float32(math.Log(float64(x))) },
		func(x, _ float32) float32 { return 1 / x })
}

// Sqrt returns the square root element-wise.
func (t *Tensor) Sqrt() *Tensor {
	return t.unary("sqrt", func(x float32) float32 { return float32(math.Sqrt(float64(x))) },
		func(_, y float32) float32 { return 0.5 / y })
}

// Square returns t² element-wise.
func (t *Tensor) Square() *Tensor {
	return t.unary("square", func(x float32) float32 { return x * x },
		func(x, _ float32) float32 { return 2 * x })
}

// Pow returns tᵖ element-wise.
func (t *Tensor) Pow(p float64) *Tensor {
	return t.unary("pow", func(x float32) float32 { return float32(math.Pow(float64(x), p)) },
		func(x, _ float32) float32 { return float32(p * math.Pow(float64(x), p-1)) })
}

// Abs returns |t| element-wise (its gradient at 0 is 0, as in PyTorch).
func (t *Tensor) Abs() *Tensor {
	return t.unary("abs", func(x float32) float32 { return float32(math.Abs(float64(x))) },
		func(x, _ float32) float32 {
			switch {
			case x > 0:
				return 1
			case x < 0:
				return -1
			}
			return 0
		})
}

// Clamp limits every element to [lo, hi]; the gradient is zero where the
// value was clipped.
func (t *Tensor) Clamp(lo, hi float64) *Tensor {
	l, h := float32(lo), float32(hi)
	return t.unary("clamp", func(x float32) float32 { return min(max(x, l), h) },
		func(x, _ float32) float32 {
			if x < l || x > h {
				return 0
			}
			return 1
		})
}

// ReLU returns max(t, 0) element-wise (NaN stays NaN, as in PyTorch).
// Forward and backward are branch-free vector kernels (internal/vec): the
// signs of activations are random, and a branch per element mispredicts
// half the time.
func (t *Tensor) ReLU() *Tensor {
	d := getBuf(len(t.data)) // fully written
	reluInto(d, t.data)
	return result("relu", t.shape, d, func(out *Tensor) {
		g := out.grad.data
		gx := out.releaseGrad() // masked in place when Backward drops it
		if gx == nil {
			gx = getBuf(len(g))
		}
		reluMask(gx, g, d)
		if t.grad != nil {
			t.addGrad(gx, false)
			putBuf(gx)
			return
		}
		t.addGrad(gx, true)
	}, t)
}

// reluInto sets d[i] = max(x[i], 0), NaN kept (branch-free AVX2 kernel).
func reluInto(d, x []float32) { vec.ReLU(d, x) }

// reluMask sets gx[i] = g[i] where y[i] (a ReLU output) is > 0, else 0,
// as torch's threshold_backward (branch-free AVX2 kernel).
func reluMask(gx, g, y []float32) { vec.ReLUBackward(gx, g, y) }

// Sigmoid returns 1/(1+e⁻ˣ) element-wise.
func (t *Tensor) Sigmoid() *Tensor {
	return t.unary("sigmoid", sigmoid, func(_, y float32) float32 { return y * (1 - y) })
}

func sigmoid(x float32) float32 {
	if x >= 0 {
		return float32(1 / (1 + math.Exp(-float64(x))))
	}
	e := math.Exp(float64(x))
	return float32(e / (1 + e))
}

// Tanh returns the hyperbolic tangent element-wise.
func (t *Tensor) Tanh() *Tensor {
	return t.unary("tanh", func(x float32) float32 { return float32(math.Tanh(float64(x))) },
		func(_, y float32) float32 { return 1 - y*y })
}
