//go:build amd64 && !purego

package vec

import "golang.org/x/sys/cpu"

var hasAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

//go:noescape
func reluAVX2(dst, x *float32, n int)

//go:noescape
func reluBackwardAVX2(dst, grad, y *float32, n int)

func relu(dst, x []float32) {
	if !hasAVX2 {
		reluGo(dst, x)
		return
	}
	reluAVX2(&dst[0], &x[0], len(dst))
}

func reluBackward(dst, g, y []float32) {
	if !hasAVX2 {
		reluBackwardGo(dst, g, y)
		return
	}
	reluBackwardAVX2(&dst[0], &g[0], &y[0], len(dst))
}

//go:noescape
func addAVX2(dst, x *float32, n int)

//go:noescape
func mulAVX2(dst, x, y *float32, n int)

func mul(dst, x, y []float32) {
	if !hasAVX2 {
		mulGo(dst, x, y)
		return
	}
	mulAVX2(&dst[0], &x[0], &y[0], len(dst))
}

//go:noescape
func dropoutAVX2(out, mask, x *float32, n int, key uint64, first int, threshold, keep uint32)

// dropout runs the kernel on whole blocks of 8 elements (4 draws) and
// the Go loop on the rest.
func dropout(out, mask, x []float32, key uint64, first int, threshold, keep uint32) {
	n8 := len(out) &^ 7
	if !hasAVX2 {
		n8 = 0
	}
	if n8 > 0 {
		dropoutAVX2(&out[0], &mask[0], &x[0], n8, key, first, threshold, keep)
	}
	dropoutGo(out[n8:], mask[n8:], x[n8:], key, first+n8/2, threshold, keep)
}

//go:noescape
func maxPool2x2AVX2(out *float32, arg *int32, x *float32, planes, oh, ow, w, hw, nout int)

func add(dst, x []float32) {
	if !hasAVX2 {
		addGo(dst, x)
		return
	}
	addAVX2(&dst[0], &x[0], len(dst))
}

func maxPool2x2(out []float32, arg []int32, x []float32, h, w int) {
	if !hasAVX2 {
		maxPool2x2Go(out, arg, x, h, w)
		return
	}
	var a *int32
	if arg != nil {
		a = &arg[0]
	}
	maxPool2x2AVX2(&out[0], a, &x[0], len(x)/(h*w), h/2, w/2, w, h*w, len(out))
}

//go:noescape
func maxUnpool2x2AVX2(dx, grad *float32, arg *int32, y *float32, planes, oh, ow, w, hw int)

// maxUnpool2x2 runs the kernel on rows of at least 8 windows (its blocks'
// width), the portable loop on narrower ones (LeNet-5's second pooling,
// 5 windows wide).
func maxUnpool2x2(dx, g []float32, arg []int32, y []float32, h, w int) {
	if !hasAVX2 || w/2 < 8 {
		maxUnpool2x2Go(dx, g, arg, y, h, w)
		return
	}
	var yp *float32
	if y != nil {
		yp = &y[0]
	}
	maxUnpool2x2AVX2(&dx[0], &g[0], &arg[0], yp, len(dx)/(h*w), h/2, w/2, w, h*w)
}

//go:noescape
func addScalarRowsAVX2(dst, src *float32, rows, n, stride int, c float32)

//go:noescape
func sumAVX2(x *float32, n int) float32

func addScalarRows(dst, src []float32, rows, n, stride int, c float32) {
	if !hasAVX2 {
		addScalarRowsGo(dst, src, rows, n, stride, c)
		return
	}
	addScalarRowsAVX2(&dst[0], &src[0], rows, n, stride, c)
}

func sum(x []float32) float32 {
	if !hasAVX2 || len(x) < 32 {
		return sumGo(x)
	}
	n := len(x) &^ 31
	s := sumAVX2(&x[0], n)
	for _, v := range x[n:] {
		s += v
	}
	return s
}
