//go:build !amd64

package optim

func axpy(y, x []float32, a float32) { axpyGo(y, x[:len(y)], a) }

func scal(x []float32, a float32) { scalGo(x, a) }

func momentum(w, buf, d []float32, mom, c, nlr float32) { momentumGo(w, buf, d, mom, c, nlr) }

func adamUpdate(w, m, v, g []float32, b1, c1, b2, c2, bc2, eps, nss float32) {
	adamGo(w, m, v, g, b1, c1, b2, c2, bc2, eps, nss)
}
