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

// adamGo is one Adam step over a tensor in torch's operation order:
// m.mul_(β1).add_(g, alpha=c1); v.mul_(β2).addcmul_(g, g, value=c2);
// w.addcdiv_(m, v.sqrt()/bc2 + eps, value=nss). The float32 conversions
// keep Go from fusing multiply-adds that torch rounds separately.
func adamGo(w, m, v, g []float32, b1, c1, b2, c2, bc2, eps, nss float32) {
	m, v, g = m[:len(w)], v[:len(w)], g[:len(w)]
	for i, gv := range g {
		mi := float32(math.FMA(float64(gv), float64(c1), float64(m[i]*b1)))
		m[i] = mi
		vi := float32(v[i]*b2) + float32(float32(c2*gv)*gv)
		v[i] = vi
		den := float32(float32(math.Sqrt(float64(vi)))/bc2) + eps
		w[i] += float32(nss * float32(mi/den))
	}
}
