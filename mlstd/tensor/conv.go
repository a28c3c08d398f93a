package tensor

import (
	"fmt"
	"runtime"
	"sync"

	"github.com/gokernel/gokernel/mlstd/internal/sgemm"
	"github.com/gokernel/gokernel/mlstd/internal/vec"
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

// The wide form of a stride-1 convolution. The sample is copied into a
// zero-padded plane per channel, hp×wp (hp = h + 2·ph, wp = w + 2·pw),
// plus (kw−1)·dw zeros after the last. On the padded grid, output (oy, ox)
// under tap (ki, kj) reads element (oy + ki·dh)·wp + ox + kj·dw of its
// channel's plane: computing the output on oh rows of the full padded
// width wp (columns ox ≥ ow are garbage, later dropped), the patch matrix's
// row (ci, ki, kj) is the plane's oh·wp contiguous elements from
// ki·dh·wp + kj·dw on. im2col is then one copy per row instead of one per
// row and output line, and col2im one contiguous add per row. The product
// is wp/ow times wider (8 % for 3×3 kernels on 28×28, 40 % for LeNet-5's
// second layer): much cheaper than the short copies it replaces.

// wideL is the number of columns of the wide patch matrix, oh·wp.
func (g *convGeom) wideL() int { return g.oh * (g.w + 2*g.pw) }

// padLen is the length of a sample's padded planes with their tail.
func (g *convGeom) padLen() int { return g.c*(g.h+2*g.ph)*(g.w+2*g.pw) + (g.kw-1)*g.dw }

// pad copies one sample src (c, h, w) into the interior of the padded
// planes p, whose border and tail must already be zero (they stay so).
func (g *convGeom) pad(src, p []float32) {
	wp, hp := g.w+2*g.pw, g.h+2*g.ph
	for ci := 0; ci < g.c; ci++ {
		for iy := 0; iy < g.h; iy++ {
			o := (ci*hp+iy+g.ph)*wp + g.pw
			copy(p[o:o+g.w], src[(ci*g.h+iy)*g.w:(ci*g.h+iy+1)*g.w])
		}
	}
}

// unpadAdd adds the interior of the padded gradient planes p into one
// sample's input gradient dst (c, h, w).
func (g *convGeom) unpadAdd(p, dst []float32) {
	wp, hp := g.w+2*g.pw, g.h+2*g.ph
	for ci := 0; ci < g.c; ci++ {
		for iy := 0; iy < g.h; iy++ {
			o := (ci*hp+iy+g.ph)*wp + g.pw
			addTo(dst[(ci*g.h+iy)*g.w:(ci*g.h+iy+1)*g.w], p[o:o+g.w])
		}
	}
}

// tapOffset is where row r = (ci, ki, kj) of the wide patch matrix starts
// in the padded planes.
func (g *convGeom) tapOffset(r int) int {
	wp, hp := g.w+2*g.pw, g.h+2*g.ph
	ci, t := r/(g.kh*g.kw), r%(g.kh*g.kw)
	return ci*hp*wp + (t/g.kw)*g.dh*wp + (t%g.kw)*g.dw
}

// wideIm2col writes the (c·kh·kw) × (oh·wp) wide patch matrix of the
// padded planes p into col.
func (g *convGeom) wideIm2col(p, col []float32) {
	L := g.wideL()
	for r := 0; r < g.k(); r++ {
		o := g.tapOffset(r)
		copy(col[r*L:(r+1)*L], p[o:o+L])
	}
}

// wideCol2im adds the wide patch-matrix gradient dcol into the padded
// gradient planes p, the adjoint of wideIm2col.
func (g *convGeom) wideCol2im(dcol, p []float32) {
	L := g.wideL()
	for r := 0; r < g.k(); r++ {
		o := g.tapOffset(r)
		addTo(p[o:o+L], dcol[r*L:(r+1)*L])
	}
}

// addTo sets d[i] += s[i] (internal/vec's AVX2 kernel).
func addTo(d, s []float32) { vec.Add(d, s) }

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

// unfolder holds one goroutine's buffers for unfolding samples of a
// convolution into patch matrices (im2col, or the wide form when the
// stride is 1) and folding gradients back.
type unfolder struct {
	g      *convGeom
	wide   bool
	ld     int       // columns of the patch matrix (and row stride of a product's output)
	col    []float32 // K × ld patch matrix
	padded []float32 // wide: the sample's padded planes (zero border and tail)
	dpad   []float32 // wide: gradient of the padded planes
	y      []float32 // wide: O × ld product before its garbage columns are dropped
}

func newUnfolder(g *convGeom, o int) *unfolder {
	u := &unfolder{g: g, wide: g.sh == 1 && g.sw == 1, ld: g.l()}
	if u.wide {
		u.ld = g.wideL()
		u.padded = getZeroed(g.padLen())
		u.y = getZeroed(o * u.ld) // garbage columns stay zero for the backward's dY
	}
	u.col = getBuf(g.k() * u.ld)
	return u
}

func (u *unfolder) release() {
	putBuf(u.col)
	if u.wide {
		putBuf(u.padded)
		putBuf(u.y)
		if u.dpad != nil {
			putBuf(u.dpad)
		}
	}
}

// unfold writes sample src's patch matrix into u.col.
func (u *unfolder) unfold(src []float32) {
	if !u.wide {
		u.g.im2col(src, u.col)
		return
	}
	u.g.pad(src, u.padded)
	u.g.wideIm2col(u.padded, u.col)
}

// fold adds the patch-matrix gradient in u.col into dst, one sample's
// input gradient.
func (u *unfolder) fold(dst []float32) {
	if !u.wide {
		u.g.col2im(u.col, dst)
		return
	}
	if u.dpad == nil {
		u.dpad = getBuf(u.g.padLen())
	}
	clear(u.dpad)
	u.g.wideCol2im(u.col, u.dpad)
	u.g.unpadAdd(u.dpad, dst)
}

// product returns where the forward product of o output channels goes:
// the sample's output y (o × oh·ow) itself, or u.y in the wide form.
func (u *unfolder) product(y []float32) []float32 {
	if u.wide {
		return u.y
	}
	return y
}

// emit writes the product p (see product) into the sample's output y,
// dropping the wide form's garbage columns and adding the bias b (nil:
// none).
func (u *unfolder) emit(p, y []float32, b []float32) {
	g := u.g
	L, stride := g.l(), u.ld/g.oh
	for j := 0; j < len(y)/L; j++ {
		var bias float32
		if b != nil {
			bias = b[j]
		}
		for oy := 0; oy < g.oh; oy++ {
			src := p[j*u.ld+oy*stride:][:g.ow]
			vec.AddScalar(y[j*L+oy*g.ow:][:g.ow], src, bias)
		}
	}
}

// gradOut returns the sample's output gradient dy (o × oh·ow) laid out as
// the product: itself, or spread over u.y's rows with zero garbage
// columns in the wide form.
func (u *unfolder) gradOut(dy []float32) []float32 {
	if !u.wide {
		return dy
	}
	g := u.g
	wp := u.ld / g.oh
	for j := 0; j < len(dy)/g.l(); j++ {
		for oy := 0; oy < g.oh; oy++ {
			copy(u.y[j*u.ld+oy*wp:][:g.ow], dy[j*g.l()+oy*g.ow:][:g.ow])
		}
	}
	return u.y
}

// Conv2d returns the 2-D cross-correlation of x (N, C, H, W) with the
// filters w (O, C, kH, kW) plus b (O) or nil: PyTorch's F.conv2d with
// groups=1. The output is (N, O, oH, oW) with oH = ⌊(H + 2·padH −
// dilH·(kH−1) − 1)/strideH⌋ + 1, and likewise oW.
//
// Each sample is unfolded into its (C·kH·kW) × (oH·oW) patch matrix
// (im2col; with stride 1 the wide form described in the package doc) and
// multiplied by the filters with the sgemm kernel, the bias added as the
// product is written out. Memory beyond the output is one patch matrix
// per goroutine: the backward unfolds each sample again rather than keeping
// the patches. dW = Σ dY·colᵀ and dX = col2im(Wᵀ·dY) use the same kernel
// with transposition flags. Large batches are split across GOMAXPROCS
// goroutines by sample, which leaves every output bit unchanged.
func Conv2d(x, w, b *Tensor, p Conv2dParams) *Tensor { return conv2d("conv2d", x, w, b, p) }

// Conv2dReLU is Conv2d followed by ReLU in one op, with the same result
// and gradients: the ReLU is applied as each sample's output is written,
// saving a pass over the output and its memory. nn.Sequential uses it for
// a Conv2d followed by a ReLU.
func Conv2dReLU(x, w, b *Tensor, p Conv2dParams) *Tensor { return conv2d("conv2d_relu", x, w, b, p) }

func conv2d(op string, x, w, b *Tensor, p Conv2dParams) *Tensor {
	relu := op == "conv2d_relu"
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
	out := getBuf(g.n * o * L) // fully written by emit
	var bias []float32
	if b != nil {
		bias = b.data
	}
	forSamples(g.n, g.n*o*K*L, func(_, lo, hi int) {
		u := newUnfolder(&g, o)
		defer u.release()
		for s := lo; s < hi; s++ {
			u.unfold(x.data[s*chw : (s+1)*chw])
			y := out[s*o*L : (s+1)*o*L]
			p := u.product(y)
			sgemm.Gemm(false, false, o, u.ld, K, 1, w.data, K, u.col, u.ld, 0, p, u.ld)
			u.emit(p, y, bias)
			if relu {
				reluInto(y, y)
			}
		}
	})
	inputs := []*Tensor{x, w}
	if b != nil {
		inputs = append(inputs, b)
	}
	return result(op, []int{g.n, o, g.oh, g.ow}, out, func(res *Tensor) {
		gy := res.grad.data
		if relu { // the gradient through the ReLU, masked by its output
			masked := getBuf(len(gy))
			defer putBuf(masked)
			reluMask(masked, gy, res.data)
			gy = masked
		}
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
				u := newUnfolder(&g, o)
				defer u.release()
				for s := lo; s < hi; s++ {
					dy := u.gradOut(gy[s*o*L : (s+1)*o*L])
					if gw != nil { // dW (o,K) += dY (o,ld) · colᵀ
						u.unfold(x.data[s*chw : (s+1)*chw])
						sgemm.Gemm(false, true, o, K, u.ld, 1, dy, u.ld, u.col, u.ld, 1, dw, K)
					}
					if gx != nil { // dcol (K,ld) = Wᵀ · dY, folded back into dX
						sgemm.Gemm(true, false, K, u.ld, o, 1, w.data, K, dy, u.ld, 0, u.col, u.ld)
						u.fold(gx[s*chw : (s+1)*chw])
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
				addTo(gw, dw)
				putBuf(dw)
			}
		}
		if b != nil && b.requiresGrad {
			gb := b.gradBuf()
			for s := 0; s < g.n; s++ {
				for j := 0; j < o; j++ {
					gb[j] += vec.Sum(gy[(s*o+j)*L : (s*o+j+1)*L])
				}
			}
		}
	}, inputs...)
}
