//go:build !amd64

package optim

func axpy(y, x []float32, a float32) { axpyGo(y, x[:len(y)], a) }

func scal(x []float32, a float32) { scalGo(x, a) }

func momentum(w, buf, d []float32, mom, c, nlr float32) { momentumGo(w, buf, d, mom, c, nlr) }
