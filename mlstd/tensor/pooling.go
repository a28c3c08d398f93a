package tensor

import (
	"fmt"
	"math"
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
// output's gradient to the (first) input element that was the maximum.
func MaxPool2d(x *Tensor, kernel, stride, padding [2]int) *Tensor {
	g := poolGeom("max_pool2d", x, kernel, stride, padding)
	planes, L, hw := g.n*g.c, g.l(), g.h*g.w
	out := make([]float32, planes*L)
	arg := make([]int32, planes*L) // index of the maximum within its plane
	for p := 0; p < planes; p++ {
		in := x.data[p*hw : (p+1)*hw]
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
				out[i], arg[i] = best, at
			}
		}
	}
	return result("max_pool2d", []int{g.n, g.c, g.oh, g.ow}, out, func(res *Tensor) {
		gy, gx := res.grad.data, x.gradBuf()
		for i, v := range gy {
			gx[(i/L)*hw+int(arg[i])] += v
		}
	}, x)
}

// AvgPool2d returns the mean of each kH×kW window of x (N, C, H, W),
// PyTorch's F.avg_pool2d with its defaults (floor rounding,
// count_include_pad=True: the zero padding counts in the mean). A zero
// stride means the kernel size.
func AvgPool2d(x *Tensor, kernel, stride, padding [2]int) *Tensor {
	g := poolGeom("avg_pool2d", x, kernel, stride, padding)
	planes, L, hw := g.n*g.c, g.l(), g.h*g.w
	scale := 1 / float32(g.kh*g.kw)
	out := make([]float32, planes*L)
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
