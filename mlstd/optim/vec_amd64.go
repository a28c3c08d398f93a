package optim

import "golang.org/x/sys/cpu"

var useAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

//go:noescape
func axpyAVX2(y, x *float32, n int, a float32)

//go:noescape
func scalAVX2(x *float32, n int, a float32)

// axpy sets y[i] = fma(x[i], a, y[i]) (torch's y.add_(x, alpha=a)).
func axpy(y, x []float32, a float32) {
	if len(x) < len(y) {
		panic("optim: axpy length mismatch")
	}
	if useAVX2 && len(y) > 0 {
		axpyAVX2(&y[0], &x[0], len(y), a)
		return
	}
	axpyGo(y, x, a)
}

// scal sets x[i] *= a (torch's x.mul_(a)).
func scal(x []float32, a float32) {
	if useAVX2 && len(x) > 0 {
		scalAVX2(&x[0], len(x), a)
		return
	}
	scalGo(x, a)
}

//go:noescape
func momentumAVX2(w, buf, d *float32, n int, mom, c, nlr float32)

// momentum is scal(buf, mom); axpy(buf, d, c); axpy(w, buf, nlr) in one
// pass, with the same roundings.
func momentum(w, buf, d []float32, mom, c, nlr float32) {
	if len(buf) < len(w) || len(d) < len(w) {
		panic("optim: momentum length mismatch")
	}
	if useAVX2 && len(w) > 0 {
		momentumAVX2(&w[0], &buf[0], &d[0], len(w), mom, c, nlr)
		return
	}
	momentumGo(w, buf, d, mom, c, nlr)
}
