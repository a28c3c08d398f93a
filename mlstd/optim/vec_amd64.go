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

//go:noescape
func adamAVX2(w, m, v, grad *float32, n int, b1, c1, b2, c2, bc2, eps, nss float32)

// adamUpdate is one Adam step over a tensor, as adamGo.
func adamUpdate(w, m, v, g []float32, b1, c1, b2, c2, bc2, eps, nss float32) {
	if len(m) < len(w) || len(v) < len(w) || len(g) < len(w) {
		panic("optim: adam length mismatch")
	}
	if useAVX2 && len(w) > 0 {
		adamAVX2(&w[0], &m[0], &v[0], &g[0], len(w), b1, c1, b2, c2, bc2, eps, nss)
		return
	}
	adamGo(w, m, v, g, b1, c1, b2, c2, bc2, eps, nss)
}
