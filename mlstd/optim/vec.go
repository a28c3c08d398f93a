package optim

import "math"

// Whole-slice float32 kernels with PyTorch's rounding: axpy is torch's
// add_(x, alpha=a), which its vectorised CPU kernel computes as one fused
// multiply-add per element, and scal is mul_(a). On amd64 with AVX2+FMA
// they run in assembly (vec_amd64.s); elsewhere in Go with math.FMA, which
// rounds the same way except in rare double-rounding cases.

// axpyGo sets y[i] = fma(x[i], a, y[i]).
func axpyGo(y, x []float32, a float32) {
	x = x[:len(y)]
	for i := range y {
		y[i] = float32(math.FMA(float64(x[i]), float64(a), float64(y[i])))
	}
}

// scalGo sets x[i] *= a.
func scalGo(x []float32, a float32) {
	for i := range x {
		x[i] *= a
	}
}

// momentumGo is scalGo(buf, mom); axpyGo(buf, d, c); axpyGo(w, buf, nlr).
func momentumGo(w, buf, d []float32, mom, c, nlr float32) {
	buf = buf[:len(w)]
	d = d[:len(w)]
	for i := range w {
		b := float32(math.FMA(float64(d[i]), float64(c), float64(buf[i]*mom)))
		buf[i] = b
		w[i] = float32(math.FMA(float64(b), float64(nlr), float64(w[i])))
	}
}
