package tensor

import (
	"fmt"
	"math"

	"github.com/gokernel/gokernel/mlstd/internal/parallel"
	"github.com/gokernel/gokernel/mlstd/internal/vec"
)

// poolGeom checks a pooling's input and window; stride zero means the
// kernel size (PyTorch's default). PyTorch also requires the padding to be
// at most half the kernel, so that no window lies entirely in the padding.
func poolGeom(op string, x *Tensor, kernel, stride, padding [2]int) convGeom {
	if stride == [2]int{} {
		stride = kernel
	}
	g, msg := newGeom(x.shape, kernel[0], kernel[1], stride, padding, [2]int{1, 1})
	if msg == "" && (2*g.ph > g.kh || 2*g.pw > g.kw) {
		msg = fmt.Sprintf("padding %v must be at most half the kernel %v", padding, kernel)
	}
	if msg != "" {
		panic(&ShapeError{Op: op, A: x.shape, Msg: msg})
	}
	return g
}

// MaxPool2d returns the maximum of each kH×kW window of x (N, C, H, W),
// PyTorch's F.max_pool2d with dilation 1 and floor rounding. A zero stride
// means the kernel size; the padding counts as −∞. The backward sends each
// output's gradient to the (first) input element that was the maximum; a
// NaN is the maximum of any window holding it (the last one, as torch).
// The argmax indices are kept only when x requires gradients, and given
// back to a pool by the backward; 2×2 windows with stride 2 and no padding
// (LeNet's and most CNNs' pooling) take vector kernels, forward and, when
// x has no gradient yet, backward (vec.MaxUnpool2x2: the windows do not
// overlap, so it writes each element of x's gradient once instead of
// clearing it and adding the maxima). Large batches are
// split by plane across cores (internal/parallel), forward and backward;
// planes are independent, so the bits do not depend on the split.
func MaxPool2d(x *Tensor, kernel, stride, padding [2]int) *Tensor {
	return maxPool2d("max_pool2d", x, kernel, stride, padding)
}

// MaxPool2dReLU is ReLU and MaxPool2d in one op, in either order: ReLU
// commutes with the maximum, so the result and every gradient are those
// of x.ReLU() pooled (or of the pooling's output through ReLU), while
// the ReLU runs on the pooled output, a quarter of x for 2×2 windows, and
// its backward masks only the pooled gradient. nn.Sequential uses it for a
// ReLU next to a MaxPool2d, as in Conv2d, ReLU, MaxPool2d.
func MaxPool2dReLU(x *Tensor, kernel, stride, padding [2]int) *Tensor {
	return maxPool2d("max_pool2d_relu", x, kernel, stride, padding)
}

func maxPool2d(op string, x *Tensor, kernel, stride, padding [2]int) *Tensor {
	relu := op == "max_pool2d_relu"
	g := poolGeom(op, x, kernel, stride, padding)
	planes, L, hw := g.n*g.c, g.l(), g.h*g.w
	out := getBuf(planes * L) // fully written
	var arg []int32           // index of the maximum within its plane
	if x.requiresGrad && GradEnabled() {
		arg = getIndexBuf(planes * L)
	}
	is2x2 := g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2 && g.ph == 0 && g.pw == 0
	parallel.For(planes, hw, func(_, lo, hi int) {
		part := g // planes lo … hi−1
		part.n, part.c = hi-lo, 1
		xs, o := x.data[lo*hw:hi*hw], out[lo*L:hi*L]
		var a []int32
		if arg != nil {
			a = arg[lo*L : hi*L]
		}
		if is2x2 {
			maxPool2x2(&part, xs, o, a)
		} else {
			maxPool(&part, xs, o, a)
		}
		if relu {
			reluInto(o, o)
		}
	})
	shape := []int{g.n, g.c, g.oh, g.ow}
	if arg == nil {
		return result(op, shape, out, nil, x)
	}
	return result(op, shape, out, func(res *Tensor) {
		gy := res.grad.data
		fresh := x.grad == nil // each range clears its planes' gradient
		if fresh {
			x.grad = &Tensor{shape: x.shape, data: getBuf(len(x.data))}
		}
		gx := x.grad.data
		if fresh && is2x2 { // every element written once, the ReLU's mask applied on the way
			var y []float32
			if relu {
				y = res.data
			}
			parallel.For(planes, hw+L, func(_, lo, hi int) {
				var ys []float32
				if y != nil {
					ys = y[lo*L : hi*L]
				}
				vec.MaxUnpool2x2(gx[lo*hw:hi*hw], gy[lo*L:hi*L], arg[lo*L:hi*L], ys, g.h, g.w)
			})
			putIndexBuf(arg)
			return
		}
		var masked []float32
		if relu { // the gradient through the ReLU, masked by its output
			masked = getBuf(len(gy))
			defer putBuf(masked)
		}
		parallel.For(planes, hw+L, func(_, lo, hi int) {
			for p := lo; p < hi; p++ { // plane by plane, each in cache for the adds
				d, a, gp := gx[p*hw:(p+1)*hw], arg[p*L:(p+1)*L], gy[p*L:(p+1)*L]
				if fresh {
					clear(d)
				}
				if relu {
					reluMask(masked[p*L:(p+1)*L], gp, res.data[p*L:(p+1)*L])
					gp = masked[p*L : (p+1)*L]
				}
				for i, v := range gp {
					d[a[i]] += v
				}
			}
		})
		putIndexBuf(arg)
	}, x)
}

// maxPool is MaxPool2d's general loop; arg may be nil.
func maxPool(g *convGeom, x, out []float32, arg []int32) {
	L, hw := g.l(), g.h*g.w
	for p := 0; p < g.n*g.c; p++ {
		in := x[p*hw : (p+1)*hw]
		for oy := 0; oy < g.oh; oy++ {
			y0 := oy*g.sh - g.ph
			for ox := 0; ox < g.ow; ox++ {
				x0 := ox*g.sw - g.pw
				best, at := float32(math.Inf(-1)), int32(-1)
				for iy := max(y0, 0); iy < min(y0+g.kh, g.h); iy++ {
					for ix := max(x0, 0); ix < min(x0+g.kw, g.w); ix++ {
						if v := in[iy*g.w+ix]; v > best || v != v || at < 0 {
							best, at = v, int32(iy*g.w+ix)
						}
					}
				}
				i := p*L + oy*g.ow + ox
				out[i] = best
				if arg != nil {
					arg[i] = at
				}
			}
		}
	}
}

// maxPool2x2 is maxPool for 2×2 windows, stride 2, no padding, with the
// same result, by internal/vec's AVX2 kernel (eight windows per
// iteration, without branches).
func maxPool2x2(g *convGeom, x, out []float32, arg []int32) {
	vec.MaxPool2x2(out, arg, x, g.h, g.w)
}

// AvgPool2d returns the mean of each kH×kW window of x (N, C, H, W),
// PyTorch's F.avg_pool2d with its defaults (floor rounding,
// count_include_pad=True: the zero padding counts in the mean). A zero
// stride means the kernel size.
func AvgPool2d(x *Tensor, kernel, stride, padding [2]int) *Tensor {
	g := poolGeom("avg_pool2d", x, kernel, stride, padding)
	planes, L, hw := g.n*g.c, g.l(), g.h*g.w
	scale := 1 / float32(g.kh*g.kw)
	out := getBuf(planes * L) // fully written
	for p := 0; p < planes; p++ {
		in := x.data[p*hw : (p+1)*hw]
		for oy := 0; oy < g.oh; oy++ {
			y0 := oy*g.sh - g.ph
			for ox := 0; ox < g.ow; ox++ {
				x0 := ox*g.sw - g.pw
				var sum float32
				for iy := max(y0, 0); iy < min(y0+g.kh, g.h); iy++ {
					for ix := max(x0, 0); ix < min(x0+g.kw, g.w); ix++ {
						sum += in[iy*g.w+ix]
					}
				}
				out[p*L+oy*g.ow+ox] = sum * scale
			}
		}
	}
	return result("avg_pool2d", []int{g.n, g.c, g.oh, g.ow}, out, func(res *Tensor) {
		gy, gx := res.grad.data, x.gradBuf()
		for p := 0; p < planes; p++ {
			d := gx[p*hw : (p+1)*hw]
			for oy := 0; oy < g.oh; oy++ {
				y0 := oy*g.sh - g.ph
				for ox := 0; ox < g.ow; ox++ {
					x0 := ox*g.sw - g.pw
					v := gy[p*L+oy*g.ow+ox] * scale
					for iy := max(y0, 0); iy < min(y0+g.kh, g.h); iy++ {
						for ix := max(x0, 0); ix < min(x0+g.kw, g.w); ix++ {
							d[iy*g.w+ix] += v
						}
					}
				}
			}
		}
	}, x)
}

// AdaptiveAvgPool2d returns x (N, C, H, W) averaged down to (N, C, outH,
// outW), PyTorch's F.adaptive_avg_pool2d: output cell (i, j) is the mean of
// rows ⌊i·H/outH⌋ … ⌈(i+1)·H/outH⌉−1 and the likewise columns, so windows
// may overlap or differ in size. outH = outW = 1 is global average pooling.
func AdaptiveAvgPool2d(x *Tensor, outH, outW int) *Tensor {
	const op = "adaptive_avg_pool2d"
	if len(x.shape) != 4 {
		panic(&ShapeError{Op: op, A: x.shape, Msg: "input is not NCHW (4 dimensions: batch, channels, height, width)"})
	}
	n, c, h, w := x.shape[0], x.shape[1], x.shape[2], x.shape[3]
	if outH <= 0 || outW <= 0 || h == 0 || w == 0 {
		panic(&ShapeError{Op: op, A: x.shape, Msg: fmt.Sprintf("output size %d×%d and input size %d×%d must be positive", outH, outW, h, w)})
	}
	bin := func(i, out, in int) (int, int) { return i * in / out, ((i+1)*in + out - 1) / out }
	planes, L, hw := n*c, outH*outW, h*w
	res := make([]float32, planes*L)
	for p := 0; p < planes; p++ {
		in := x.data[p*hw : (p+1)*hw]
		for i := 0; i < outH; i++ {
			y0, y1 := bin(i, outH, h)
			for j := 0; j < outW; j++ {
				x0, x1 := bin(j, outW, w)
				var sum float32
				for iy := y0; iy < y1; iy++ {
					for _, v := range in[iy*w+x0 : iy*w+x1] {
						sum += v
					}
				}
				res[p*L+i*outW+j] = sum / float32((y1-y0)*(x1-x0))
			}
		}
	}
	return result(op, []int{n, c, outH, outW}, res, func(out *Tensor) {
		gy, gx := out.grad.data, x.gradBuf()
		for p := 0; p < planes; p++ {
			d := gx[p*hw : (p+1)*hw]
			for i := 0; i < outH; i++ {
				y0, y1 := bin(i, outH, h)
				for j := 0; j < outW; j++ {
					x0, x1 := bin(j, outW, w)
					v := gy[p*L+i*outW+j] / float32((y1-y0)*(x1-x0))
					for iy := y0; iy < y1; iy++ {
						row := d[iy*w+x0 : iy*w+x1]
						for k := range row {
							row[k] += v
						}
					}
				}
			}
		}
	}, x)
}
