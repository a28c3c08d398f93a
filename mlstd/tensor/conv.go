package tensor

import (
	"fmt"
	"sync"

	"github.com/gokernel/gokernel/mlstd/internal/parallel"
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
// ki·dh·wp + kj·dw on. The products read those rows where they are, by
// their offsets (sgemm.GemmRows, an implicit im2col): the patch matrix is
// never built. The product is wp/ow times wider (8 % for 3×3 kernels on
// 28×28, 40 % for LeNet-5's second layer).
//
// The input gradient is the transposed convolution, one product on the
// same grid. With the output gradient laid out like the wide output (its
// garbage columns zero) in planes D_o with F = (kh−1)·dh·wp + (kw−1)·dw
// zeros before each and (kh−1)·dh·wp after the last, the padded input
// gradient is dP[ci][q] = Σ W[o,ci,ki,kj]·D_o[q − ki·dh·wp − kj·dw] for
// all q < hp·wp: the filters, permuted to (c, o·kh·kw), times the matrix
// whose row (o, ki, kj) is D_o from F − ki·dh·wp − kj·dw on. Its rows are
// read in place too, so the gradient is summed in registers rather than
// by adding a patch-matrix gradient back (col2im). Without padding dP is
// the sample's input gradient itself and the product adds into it.

// wideL is the number of columns of the wide patch matrix, oh·wp.
func (g *convGeom) wideL() int { return g.oh * (g.w + 2*g.pw) }

// padLen is the length of a sample's padded planes with their tail and
// gemmRoom.
func (g *convGeom) padLen() int {
	return g.c*(g.h+2*g.ph)*(g.w+2*g.pw) + (g.kw-1)*g.dw + gemmRoom
}

// gemmRoom is how many zeros follow a sample's padded planes and its
// output-gradient planes beyond what the products' rows reach: a product
// whose last panel of columns is narrower than the kernel's (up to 32)
// then reads that panel in place too instead of packing it (sgemm reads
// rows given by offsets in place when each has a whole panel of room);
// the extra columns are computed and dropped. For LeNet-5's second layer
// (140 and 196 columns) packing was 9 % of a training step's CPU time.
const gemmRoom = 32

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

// taps returns where each row (ci, ki, kj) of the wide patch matrix starts
// in the padded planes, in a slice from offsetPools.
func (g *convGeom) taps() []int {
	wp, hp := g.w+2*g.pw, g.h+2*g.ph
	off := offsetPools.get(g.k())[:0]
	for ci := 0; ci < g.c; ci++ {
		for ki := 0; ki < g.kh; ki++ {
			for kj := 0; kj < g.kw; kj++ {
				off = append(off, ci*hp*wp+ki*g.dh*wp+kj*g.dw)
			}
		}
	}
	return off
}

// gradFront is where each output-gradient plane of the transposed product
// starts after the previous one's end, at least F, and gradStride the
// planes' stride. Both are whole cache lines (16 floats), so that the
// planes' rows, which the weight gradient's product reads with vector
// loads, start on a cache line.
func (g *convGeom) gradFront() int {
	return roundUp((g.kh-1)*g.dh*(g.w+2*g.pw)+(g.kw-1)*g.dw, 16)
}
func (g *convGeom) gradStride() int { return roundUp(g.gradFront()+g.wideL(), 16) }

func roundUp(x, unit int) int { return (x + unit - 1) / unit * unit }

// gradLen is the length of o output-gradient planes with their zeros and
// gemmRoom.
func (g *convGeom) gradLen(o int) int {
	return o*g.gradStride() + (g.kh-1)*g.dh*(g.w+2*g.pw) + gemmRoom
}

// gradTaps returns where each row (oc, ki, kj) of the transposed product's
// right operand starts among o output-gradient planes, in a slice from
// offsetPools.
func (g *convGeom) gradTaps(o int) []int {
	wp := g.w + 2*g.pw
	off := offsetPools.get(o * g.kh * g.kw)[:0]
	for oc := 0; oc < o; oc++ {
		for ki := 0; ki < g.kh; ki++ {
			for kj := 0; kj < g.kw; kj++ {
				off = append(off, oc*g.gradStride()+g.gradFront()-ki*g.dh*wp-kj*g.dw)
			}
		}
	}
	return off
}

// permuteFilters returns the filters w (o, c, kh, kw) as (c, o·kh·kw), the
// transposed product's left operand.
func (g *convGeom) permuteFilters(w []float32, o int) []float32 {
	kk := g.kh * g.kw
	wt := getBuf(len(w))
	for oc := 0; oc < o; oc++ {
		for ci := 0; ci < g.c; ci++ {
			copy(wt[ci*o*kk+oc*kk:][:kk], w[(oc*g.c+ci)*kk:][:kk])
		}
	}
	return wt
}

// addTo sets d[i] += s[i] (internal/vec's AVX2 kernel).
func addTo(d, s []float32) { vec.Add(d, s) }

// convParallelMin is the number of multiply-adds of a convolution from
// which its samples are cut into convChunks ranges that goroutines share.
const convParallelMin = 1 << 21

// convChunks is how many fixed ranges of samples a large convolution is
// cut into (fewer for a smaller batch): enough that when one core is taken
// by another process the other goroutines take over its share, few
// enough that the weight gradient's partial sums, one per range, stay
// cheap to add.
const convChunks = 16

// chunks returns the number of sample ranges for a convolution of work
// multiply-adds over n samples. It depends on the convolution only, never
// on GOMAXPROCS, so the weight gradient's order of summation is fixed.
func chunks(n, work int) int {
	if work < convParallelMin {
		return 1
	}
	return min(n, convChunks)
}

// convGrads returns the gradient buffers a convolution's backward adds
// into: x's (nil unless it needs one), the filters' and the bias's (nil
// without a bias or when they need none). freshX tells that x's gradient
// is new, with undefined contents: each range of samples clears its own
// before adding (the Winograd form sets it), rather than one pass over
// the whole batch.
func convGrads(x, w, b *Tensor) (gx, gw, gb []float32, freshX bool) {
	if x.requiresGrad {
		if x.grad == nil {
			x.grad = &Tensor{shape: x.shape, data: getBuf(len(x.data))}
			freshX = true
		}
		gx = x.grad.data
	}
	if w.requiresGrad {
		gw = w.gradBuf()
	}
	if b != nil && b.requiresGrad {
		gb = b.gradBuf()
	}
	return gx, gw, gb, freshX
}

// forChunks calls f(u, c, lo, hi) for each range c of the n samples cut
// into parts, range c being samples [c·n/parts, (c+1)·n/parts), on the
// calling goroutine and up to GOMAXPROCS−1 helpers (parallel.Run), each
// range with a scratch u that no other range uses at the same time: at
// most one per goroutine is made.
func forChunks(g *convGeom, o, n, parts int, f func(u *convScratch, c, lo, hi int)) {
	var mu sync.Mutex
	var free, all []*convScratch
	parallel.Run(parts, func(c int) {
		var u *convScratch
		mu.Lock()
		if len(free) > 0 {
			u, free = free[len(free)-1], free[:len(free)-1]
		}
		mu.Unlock()
		if u == nil {
			u = newConvScratch(g, o)
			mu.Lock()
			all = append(all, u)
			mu.Unlock()
		}
		f(u, c, c*n/parts, (c+1)*n/parts)
		mu.Lock()
		free = append(free, u)
		mu.Unlock()
	})
	for _, u := range all {
		u.release()
	}
}

// convScratch holds one goroutine's buffers for the products of a
// convolution: the wide form's padded sample, wide output and output
// gradient planes, or the im2col form's patch matrix.
type convScratch struct {
	g    *convGeom
	wide bool
	ld   int       // columns of the patch matrix (and row stride of a product's output)
	col  []float32 // im2col form: K × ld patch matrix
	// wide form
	padded []float32 // the sample's padded planes (zero border and tail)
	taps   []int     // where each patch row starts in padded
	y      []float32 // O × ld forward product before its garbage columns are dropped
	dy     []float32 // output-gradient planes (gradLen), zeros around
	dtaps  []int     // where each row of the transposed product's operand starts in dy
	dpad   []float32 // padded input gradient, with padding
	mask   []float32 // a sample's output gradient through the fused ReLU
	// The weight gradient of up to batch samples at once when their
	// products are short (see shortDW): dY's and the patches' rows of each
	// sample side by side, n samples so far.
	dwY, dwP []float32 // o × batch·ld and K × batch·ld
	batch, n int
	wino     *wino // the Winograd form's buffers (winoFormFor), or nil
}

// shortDW is the patch-matrix width (a sample's output positions on the
// wide grid) below which the weight gradient is one product for several
// samples rather than one per sample: its dot products, of that length,
// then run over all their columns, and the per-product cost of short ones
// (the reductions, the loop around the kernel) is paid once. LeNet-5's
// second layer has 140 (one product per sample took 14.8–15.9 µs, 42–46
// GFLOP/s); its first, 896, and the MNIST CNN's, 624, keep one per sample.
// dwBatchMax bounds the copied rows, K·batch·ld floats (1 MiB).
const (
	shortDW    = 512
	dwBatchMax = 1 << 18
)

func newConvScratch(g *convGeom, o int) *convScratch {
	u := &convScratch{g: g, wide: g.sh == 1 && g.sw == 1, ld: g.l()}
	if winoFormFor(g, o) != nil {
		u.wino = newWino(g, o)
		return u
	}
	if !u.wide {
		u.col = getBuf(g.k() * u.ld)
		return u
	}
	u.ld = g.wideL()
	u.padded = getZeroed(g.padLen())
	u.taps = g.taps()
	return u
}

// masked returns the output gradient gy through a ReLU whose output was y,
// in u's buffer.
func (u *convScratch) masked(gy, y []float32) []float32 {
	if cap(u.mask) < len(gy) {
		if u.mask != nil {
			putBuf(u.mask)
		}
		u.mask = getBuf(len(gy))
	}
	m := u.mask[:len(gy)]
	reluMask(m, gy, y)
	return m
}

func (u *convScratch) release() {
	for _, b := range [][]float32{u.col, u.padded, u.y, u.dy, u.dpad, u.mask, u.dwY, u.dwP} {
		if b != nil {
			putBuf(b)
		}
	}
	for _, off := range [][]int{u.taps, u.dtaps} {
		if off != nil {
			offsetPools.put(off)
		}
	}
	if u.wino != nil {
		u.wino.release()
	}
}

// forward computes one sample's output y (o × oh·ow) from its input src
// and the filters w, adding the bias b (nil: none).
func (u *convScratch) forward(src, w, y, b []float32) {
	g, o, K := u.g, len(y)/u.g.l(), u.g.k()
	p := y
	if u.wide {
		if u.y == nil {
			u.y = getBuf(o * u.ld)
		}
		g.pad(src, u.padded)
		p = u.y
		sgemm.GemmRows(false, false, o, u.ld, K, 1, w, K, u.padded, u.taps, 0, p, u.ld)
	} else {
		g.im2col(src, u.col)
		sgemm.Gemm(false, false, o, u.ld, K, 1, w, K, u.col, u.ld, 0, p, u.ld)
	}
	u.emit(p, y, b)
}

// emit writes the product p into the sample's output y, dropping the
// wide form's garbage columns and adding the bias b (nil: none).
func (u *convScratch) emit(p, y []float32, b []float32) {
	g := u.g
	L, stride := g.l(), u.ld/g.oh
	for j := 0; j < len(y)/L; j++ {
		var bias float32
		if b != nil {
			bias = b[j]
		}
		vec.AddScalarRows(y[j*L:(j+1)*L], p[j*u.ld:], g.ow, stride, bias)
	}
}

// backward adds one sample's gradients for its output gradient gy (o ×
// oh·ow): into its weight gradient dw (o × K) when dw is not nil, and into
// its input gradient dx (c × h × w) with the permuted filters wt (wide
// form) or the filters w (im2col form) when dx is not nil. src is the
// sample's input.
func (u *convScratch) backward(src, gy, w, wt, dw, dx []float32) {
	g := u.g
	o, K := len(gy)/g.l(), g.k()
	if dw == nil && dx == nil {
		return
	}
	if !u.wide {
		if dw != nil { // dW (o,K) += dY (o,L) · colᵀ
			g.im2col(src, u.col)
			sgemm.Gemm(false, true, o, K, u.ld, 1, gy, u.ld, u.col, u.ld, 1, dw, K)
		}
		if dx != nil { // dcol (K,L) = Wᵀ · dY, folded back into dX
			sgemm.Gemm(true, false, K, u.ld, o, 1, w, K, gy, u.ld, 0, u.col, u.ld)
			g.col2im(u.col, dx)
		}
		return
	}
	if u.dy == nil {
		u.dy = getZeroed(g.gradLen(o))
		u.dtaps = g.gradTaps(o)
	}
	F, S, wp := g.gradFront(), g.gradStride(), u.ld/g.oh
	for j := 0; j < o; j++ { // the output gradient on the wide grid
		for oy := 0; oy < g.oh; oy++ {
			copy(u.dy[j*S+F+oy*wp:][:g.ow], gy[j*g.l()+oy*g.ow:][:g.ow])
		}
	}
	if dw != nil { // dW (o,K) += dY (o,ld) · patchesᵀ
		g.pad(src, u.padded)
		if u.batch > 1 { // kept for flushDW, beside the other samples'
			w := u.batch * u.ld
			for j := 0; j < o; j++ {
				copy(u.dwY[j*w+u.n*u.ld:][:u.ld], u.dy[j*S+F:][:u.ld])
			}
			for r, off := range u.taps {
				copy(u.dwP[r*w+u.n*u.ld:][:u.ld], u.padded[off:][:u.ld])
			}
			if u.n++; u.n == u.batch {
				u.flushDW(dw)
			}
		} else {
			sgemm.GemmRows(false, true, o, K, u.ld, 1, u.dy[F:], S, u.padded, u.taps, 1, dw, K)
		}
	}
	if dx == nil {
		return
	}
	hw := (g.h + 2*g.ph) * wp
	kt := o * g.kh * g.kw
	if g.ph == 0 && g.pw == 0 { // dP is dX
		sgemm.GemmRows(false, false, g.c, hw, kt, 1, wt, kt, u.dy, u.dtaps, 1, dx, hw)
		return
	}
	if u.dpad == nil {
		u.dpad = getBuf(g.c * hw)
	}
	sgemm.GemmRows(false, false, g.c, hw, kt, 1, wt, kt, u.dy, u.dtaps, 0, u.dpad, hw)
	g.unpadAdd(u.dpad, dx)
}

// batchDW prepares u to gather the weight gradient of up to samples
// samples of o output channels into one product when they are short
// (shortDW); otherwise each sample keeps its own.
func (u *convScratch) batchDW(o, samples int) {
	K := u.g.k()
	u.batch, u.n = 1, 0
	if !u.wide || u.ld >= shortDW || samples < 2 {
		return
	}
	u.batch = min(samples, dwBatchMax/(K*u.ld))
	if u.batch < 2 {
		u.batch = 1
		return
	}
	if len(u.dwP) < K*u.batch*u.ld {
		if u.dwP != nil {
			putBuf(u.dwY)
			putBuf(u.dwP)
		}
		u.dwY, u.dwP = getBuf(o*u.batch*u.ld), getBuf(K*u.batch*u.ld)
	}
}

// flushDW adds the gathered samples' weight gradient into dw: dY's rows
// times the patches' rows, over all the samples' columns at once.
func (u *convScratch) flushDW(dw []float32) {
	if u.n == 0 {
		return
	}
	K, w := u.g.k(), u.batch*u.ld
	o := len(dw) / K
	sgemm.Gemm(false, true, o, K, u.n*u.ld, 1, u.dwY, w, u.dwP, w, 1, dw, K)
	u.n = 0
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
	if winoFormFor(&g, o) != nil {
		return convWinograd(op, relu, &g, o, x, w, b)
	}
	K, L := g.k(), g.l()
	chw := g.c * g.h * g.w
	out := getBuf(g.n * o * L) // fully written by emit
	var bias []float32
	if b != nil {
		bias = b.data
	}
	forChunks(&g, o, g.n, chunks(g.n, g.n*o*K*L), func(u *convScratch, _, lo, hi int) {
		for s := lo; s < hi; s++ {
			y := out[s*o*L : (s+1)*o*L]
			u.forward(x.data[s*chw:(s+1)*chw], w.data, y, bias)
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
		gx, gw, gb, freshX := convGrads(x, w, b)
		var wt []float32
		if gx != nil && g.sh == 1 && g.sw == 1 {
			wt = g.permuteFilters(w.data, o)
			defer putBuf(wt)
		}
		// Range 0 adds its samples' weight and bias gradients into gw and
		// gb, the others each into their own partial sums (dW then dB),
		// added in range order when all are done: the same bits whatever
		// the goroutines and their timing.
		parts := chunks(g.n, 2*g.n*o*K*L)
		partial := make([][]float32, parts)
		forChunks(&g, o, g.n, parts, func(u *convScratch, c, lo, hi int) {
			dw, db := gw, gb
			if c > 0 && (gw != nil || gb != nil) {
				p := getZeroed(len(gw) + len(gb))
				partial[c] = p
				if gw != nil {
					dw = p[:len(gw)]
				}
				if gb != nil {
					db = p[len(gw):]
				}
			}
			if dw != nil {
				u.batchDW(o, hi-lo)
			}
			for s := lo; s < hi; s++ {
				dy := res.grad.data[s*o*L : (s+1)*o*L]
				if relu { // the gradient through the ReLU, masked by its output
					dy = u.masked(dy, res.data[s*o*L:(s+1)*o*L])
				}
				for j := range db {
					db[j] += vec.Sum(dy[j*L : (j+1)*L])
				}
				var dx []float32
				if gx != nil {
					dx = gx[s*chw : (s+1)*chw]
					if freshX {
						clear(dx)
					}
				}
				u.backward(x.data[s*chw:(s+1)*chw], dy, w.data, wt, dw, dx)
			}
			if dw != nil {
				u.flushDW(dw)
			}
		})
		for _, p := range partial[1:] {
			if p != nil {
				addTo(gw, p[:len(gw)])
				addTo(gb, p[len(gw):])
				putBuf(p)
			}
		}
	}, inputs...)
}
