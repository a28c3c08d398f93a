package vec

import "math"

// Axpy sets y[i] = fma(alpha, x[i], y[i]) for every i, as torch's
// y.add_(x, alpha=alpha). It panics if x is shorter than y.
func Axpy(alpha float32, x, y []float32) {
	x = x[:len(y)]
	if len(y) == 0 {
		return
	}
	axpy(alpha, x, y)
}

// MomentumStep is SGD with momentum (dampening 0, no Nesterov, no weight
// decay) after the first step, as torch.optim.SGD computes it:
//
//	buf = buf·momentum + g   (rounded after the product, as mul_ then add_)
//	w   = fma(buf, −lr, w)   (param.add_(buf, alpha=−lr))
//
// It panics if g or buf is shorter than w.
func MomentumStep(w, g, buf []float32, lr, momentum float32) {
	g = g[:len(w)]
	buf = buf[:len(w)]
	if len(w) == 0 {
		return
	}
	momentumStep(w, g, buf, lr, momentum)
}

// ReLU sets dst[i] = max(x[i], 0); NaN stays NaN, as torch.relu. It
// panics if x is shorter than dst.
func ReLU(dst, x []float32) {
	x = x[:len(dst)]
	if len(dst) == 0 {
		return
	}
	relu(dst, x)
}

// ReLUBackward sets dst[i] = g[i] where y[i] > 0 and 0 elsewhere (y is the
// ReLU's input or output), without branches. It panics if g or y is
// shorter than dst.
func ReLUBackward(dst, g, y []float32) {
	g = g[:len(dst)]
	y = y[:len(dst)]
	if len(dst) == 0 {
		return
	}
	reluBackward(dst, g, y)
}

func reluGo(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		if !(v <= 0) { // keeps NaN
			dst[i] = v
		} else {
			dst[i] = 0
		}
	}
}

func reluBackwardGo(dst, g, y []float32) {
	g = g[:len(dst)]
	y = y[:len(dst)]
	for i, v := range y {
		if v > 0 {
			dst[i] = g[i]
		} else {
			dst[i] = 0
		}
	}
}

func fma32(x, y, z float32) float32 {
	return float32(math.FMA(float64(x), float64(y), float64(z)))
}

func axpyGo(alpha float32, x, y []float32) {
	x = x[:len(y)]
	for i, v := range x {
		y[i] = fma32(alpha, v, y[i])
	}
}

func momentumStepGo(w, g, buf []float32, lr, momentum float32) {
	g = g[:len(w)]
	buf = buf[:len(w)]
	for i := range w {
		b := float32(buf[i]*momentum) + g[i] // the conversion forbids fusing
		buf[i] = b
		w[i] = fma32(b, -lr, w[i])
	}
}
