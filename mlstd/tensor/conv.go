package tensor

import (
	"fmt"
	"runtime"
	"sync"

	"github.com/gokernel/gokernel/mlstd/internal/sgemm"
)

// Conv2dParams are the stride, zero padding and dilation of a 2-D
// convolution, as (height, width) pairs. A zero stride or dilation means 1
// (PyTorch's defaults); padding is added on both sides.
type Conv2dParams struct {
	Stride   [2]int
	Padding  [2]int
	Dilation [2]int
}

// convGeom is the geometry of one convolution or pooling: input
// (n, c, h, w), kernel kh×kw, output oh×ow.
type convGeom struct {
	n, c, h, w             int
	kh, kw                 int
	sh, sw, ph, pw, dh, dw int
	oh, ow                 int
}

// k is the number of rows of a sample's im2col matrix (c·kh·kw) and l its
// number of columns (output positions, oh·ow).
func (g *convGeom) k() int { return g.c * g.kh * g.kw }
func (g *convGeom) l() int { return g.oh * g.ow }

// newGeom checks an NCHW input against a kernel and returns the geometry,
// or an error message (the caller wraps it in a ShapeError with its op).
func newGeom(x []int, kh, kw int, stride, pad, dil [2]int) (convGeom, string) {
	if len(x) != 4 {
		return convGeom{}, "input is not NCHW (4 dimensions: batch, channels, height, width)"
	}
	g := convGeom{n: x[0], c: x[1], h: x[2], w: x[3], kh: kh, kw: kw,
		sh: stride[0], sw: stride[1], ph: pad[0], pw: pad[1], dh: dil[0], dw: dil[1]}
	if g.sh == 0 {
		g.sh = 1
	}
	if g.sw == 0 {
		g.sw = 1
	}
	if g.dh == 0 {
		g.dh = 1
	}
	if g.dw == 0 {
		g.dw = 1
	}
	switch {
	case kh <= 0 || kw <= 0:
		return g, fmt.Sprintf("kernel %d×%d must be positive", kh, kw)
	case g.sh < 0 || g.sw < 0 || g.dh < 0 || g.dw < 0:
		return g, fmt.Sprintf("stride %v and dilation %v must be positive", stride, dil)
	case g.ph < 0 || g.pw < 0:
		return g, fmt.Sprintf("padding %v must not be negative", pad)
	}
	eh, ew := g.dh*(kh-1)+1, g.dw*(kw-1)+1 // the kernel's extent
	if g.h+2*g.ph < eh || g.w+2*g.pw < ew {
		return g, fmt.Sprintf("input %d×%d (padded %d×%d) is smaller than the kernel's extent %d×%d",
			g.h, g.w, g.h+2*g.ph, g.w+2*g.pw, eh, ew)
	}
	g.oh = (g.h+2*g.ph-eh)/g.sh + 1
	g.ow = (g.w+2*g.pw-ew)/g.sw + 1
	return g, ""
}

// im2col writes the (c·kh·kw) × (oh·ow) patch matrix of one sample src
// (c, h, w) into col: row (ci, ki, kj) holds, for every output position,
// the input value under kernel tap (ki, kj) of channel ci, or 0 in the
// padding.
func (g *convGeom) im2col(src, col []float32) {
	L := g.l()
	r := 0
	for ci := 0; ci < g.c; ci++ {
		plane := src[ci*g.h*g.w : (ci+1)*g.h*g.w]
		for ki := 0; ki < g.kh; ki++ {
			for kj := 0; kj < g.kw; kj++ {
				row := col[r*L : (r+1)*L]
				r++
				x0, x1 := g.validX(kj)
				for oy := 0; oy < g.oh; oy++ {
					out := row[oy*g.ow : (oy+1)*g.ow]
					iy := oy*g.sh - g.ph + ki*g.dh
					if iy < 0 || iy >= g.h {
						clear(out)
						continue
					}
					in := plane[iy*g.w : (iy+1)*g.w]
					clear(out[:x0])
					ix := x0*g.sw - g.pw + kj*g.dw
					if g.sw == 1 {
						copy(out[x0:x1], in[ix:])
					} else {
						for ox := x0; ox < x1; ox++ {
							out[ox] = in[ix]
							ix += g.sw
						}
					}
					clear(out[x1:])
				}
			}
		}
	}
}

// col2im adds the patch-matrix gradient dcol back into one sample's input
// gradient dst (c, h, w), the adjoint of im2col.
func (g *convGeom) col2im(dcol, dst []float32) {
	L := g.l()
	r := 0
	for ci := 0; ci < g.c; ci++ {
		plane := dst[ci*g.h*g.w : (ci+1)*g.h*g.w]
		for ki := 0; ki < g.kh; ki++ {
			for kj := 0; kj < g.kw; kj++ {
				row := dcol[r*L : (r+1)*L]
				r++
				x0, x1 := g.validX(kj)
				for oy := 0; oy < g.oh; oy++ {
					iy := oy*g.sh - g.ph + ki*g.dh
					if iy < 0 || iy >= g.h {
						continue
					}
					in := plane[iy*g.w : (iy+1)*g.w]
					d := row[oy*g.ow : (oy+1)*g.ow]
					ix := x0*g.sw - g.pw + kj*g.dw
					for ox := x0; ox < x1; ox++ {
						in[ix] += d[ox]
						ix += g.sw
					}
				}
			}
		}
	}
}

// validX returns the range [x0, x1) of output columns whose kernel tap kj
// falls inside the input (not in the padding).
func (g *convGeom) validX(kj int) (x0, x1 int) {
	off := kj*g.dw - g.pw // ix = ox·sw + off
	if off < 0 {
		x0 = (-off + g.sw - 1) / g.sw
	}
	x1 = g.ow
	if last := (g.w - 1 - off); last < 0 {
		x1 = 0
	} else if n := last/g.sw + 1; n < x1 {
		x1 = n
	}
	if x0 > x1 {
		x0 = x1
	}
	return x0, x1
}

// convParallelMin is the number of multiply-adds of a convolution from
// which its samples are split across goroutines (one im2col buffer each).
// Samples are independent, so the split does not change any output bit.
const convParallelMin = 1 << 21

// forSamples runs f on contiguous ranges of the n samples, one range per
// goroutine (at most GOMAXPROCS) when work multiply-adds make it pay, and
// returns after all are done. part is the range's index, 0 for the first.
func forSamples(n, work int, f func(part, lo, hi int)) int {
	parts := 1
	if work >= convParallelMin {
		parts = min(runtime.GOMAXPROCS(0), n)
	}
	if parts <= 1 {
		f(0, 0, n)
		return 1
	}
	var wg sync.WaitGroup
	for p := 1; p < parts; p++ {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			f(p, p*n/parts, (p+1)*n/parts)
		}(p)
	}
	f(0, 0, n/parts)
	wg.Wait()
	return parts
}

// Conv2d returns the 2-D cross-correlation of x (N, C, H, W) with the
// filters w (O, C, kH, kW) plus b (O) or nil: PyTorch's F.conv2d with
// groups=1. The output is (N, O, oH, oW) with oH = ⌊(H + 2·padH −
// dilH·(kH−1) − 1)/strideH⌋ + 1, and likewise oW.
//
// Each sample is unfolded into its (C·kH·kW) × (oH·oW) patch matrix
// (im2col) and multiplied by the filters with the sgemm kernel, the bias
// preloaded into the output. Memory beyond the output is one patch matrix
// per goroutine: the backward unfolds each sample again rather than keeping
// the patches. dW = Σ dY·colᵀ and dX = col2im(Wᵀ·dY) use the same kernel
// with transposition flags. Large batches are split across GOMAXPROCS
// goroutines by sample, which leaves every output bit unchanged.
func Conv2d(x, w, b *Tensor, p Conv2dParams) *Tensor {
	const op = "conv2d"
	if len(w.shape) != 4 {
		panic(&ShapeError{Op: op, A: x.shape, B: w.shape, Msg: "weight must be (out, in, kH, kW)"})
	}
	g, msg := newGeom(x.shape, w.shape[2], w.shape[3], p.Stride, p.Padding, p.Dilation)
	if msg == "" && g.c != w.shape[1] {
		msg = fmt.Sprintf("input has %d channels, weight expects %d", g.c, w.shape[1])
	}
	if msg != "" {
		panic(&ShapeError{Op: op, A: x.shape, B: w.shape, Msg: msg})
	}
	o := w.shape[0]
	if b != nil && (len(b.shape) != 1 || b.shape[0] != o) {
		panic(&ShapeError{Op: op, A: w.shape, B: b.shape, Msg: "bias must be (out)"})
	}
	K, L := g.k(), g.l()
	chw := g.c * g.h * g.w
	out := getBuf(g.n * o * L) // fully written (bias rows or beta = 0)
	forSamples(g.n, g.n*o*K*L, func(_, lo, hi int) {
		col := getBuf(K * L)
		defer putBuf(col)
		for s := lo; s < hi; s++ {
			g.im2col(x.data[s*chw:(s+1)*chw], col)
			y := out[s*o*L : (s+1)*o*L]
			beta := float32(0)
			if b != nil {
				for j, v := range b.data {
					row := y[j*L : (j+1)*L]
					for i := range row {
						row[i] = v
					}
				}
				beta = 1
			}
			sgemm.Gemm(false, false, o, L, K, 1, w.data, K, col, L, beta, y, L)
		}
	})
	inputs := []*Tensor{x, w}
	if b != nil {
		inputs = append(inputs, b)
	}
	return result(op, []int{g.n, o, g.oh, g.ow}, out, func(res *Tensor) {
		gy := res.grad.data
		var gx, gw []float32
		if x.requiresGrad {
			gx = x.gradBuf()
		}
		if w.requiresGrad {
			gw = w.gradBuf()
		}
		if gx != nil || gw != nil {
			var partial [][]float32 // dW of the ranges after the first
			var mu sync.Mutex
			forSamples(g.n, 2*g.n*o*K*L, func(part, lo, hi int) {
				dw := gw
				if part > 0 && gw != nil {
					dw = getZeroed(len(gw))
				}
				col := getBuf(K * L)
				defer putBuf(col)
				for s := lo; s < hi; s++ {
					dy := gy[s*o*L : (s+1)*o*L]
					if gw != nil { // dW (o,K) += dY (o,L) · colᵀ
						g.im2col(x.data[s*chw:(s+1)*chw], col)
						sgemm.Gemm(false, true, o, K, L, 1, dy, L, col, L, 1, dw, K)
					}
					if gx != nil { // dcol (K,L) = Wᵀ · dY, folded back into dX
						sgemm.Gemm(true, false, K, L, o, 1, w.data, K, dy, L, 0, col, L)
						g.col2im(col, gx[s*chw:(s+1)*chw])
					}
				}
				if part > 0 && gw != nil {
					mu.Lock()
					for len(partial) < part {
						partial = append(partial, nil)
					}
					partial[part-1] = dw
					mu.Unlock()
				}
			})
			for _, dw := range partial { // in range order: deterministic
				for i, v := range dw {
					gw[i] += v
				}
				putBuf(dw)
			}
		}
		if b != nil && b.requiresGrad {
			gb := b.gradBuf()
			for s := 0; s < g.n; s++ {
				for j := 0; j < o; j++ {
					var sum float32
					for _, v := range gy[(s*o+j)*L : (s*o+j+1)*L] {
						sum += v
					}
					gb[j] += sum
				}
			}
		}
	}, inputs...)
}
