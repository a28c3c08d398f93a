package tensor

import (
	"github.com/gokernel/gokernel/mlstd/internal/sgemm"
	"github.com/gokernel/gokernel/mlstd/internal/vec"
	winotf "github.com/gokernel/gokernel/mlstd/internal/wino"
)

// Winograd's minimal filtering F(2×2, 3×3) (Lavin and Gray, "Fast
// Algorithms for Convolutional Neural Networks", 2016) for 3×3
// convolutions with stride and dilation 1. The output is cut into 2×2
// tiles; tile t reads the 4×4 input window d_t two rows and columns on
// from the last, and
//
//	Y_t = Aᵀ [ Σ_c U_oc ⊙ V_ct ] A,   U_oc = G g_oc Gᵀ,   V_ct = Bᵀ d_ct B
//
// with the 4×4, 4×3 and 4×2 matrices B, G and A below. For each of the 16
// positions ξ of the transformed tiles, Σ_c U ⊙ V is one matrix product,
// (O × C)·(C × tiles): 16 products of O·C·tiles/… multiply-adds where the
// direct form has 9·O·C·4·tiles, 2.25× fewer. The transforms are additions
// and halvings, exact in float32 up to the sums' rounding.
//
// The backward pass is the adjoint of the same linear maps: with Ŷ_t =
// A dY_t Aᵀ (the output gradient's tile spread to 4×4),
//
//	dU_oc = Σ_t Ŷ_ot ⊙ V_ct (16 products, summed over the tiles),  dg = Gᵀ dU G
//	dV_ct = Σ_o U_oc ⊙ Ŷ_ot (16 products),  dd_ct = B dV_ct Bᵀ, added into dX
//
// so all three products of a training step use 2.25× fewer multiplies.
// Samples are taken z.group at a time, their tiles side by side in the
// products' columns (laid out ξ first, then channel, then tile: the
// products' operands as they are stored), so that the products are wide
// and the filters' gradient's dot products long. All products run on
// sgemm's packed path, where a column's result does not depend on the
// other columns as long as the kernel is the same, which holds for
// products of 24 columns or more (sgemm's cpuSpec): a sample's output and
// input gradient then have the same bits alone as in any batch (as
// serving needs). Samples of fewer than 24 tiles go one at a time.
//
//	Bᵀ = | 1  0 -1  0 |   G = | 1    0    0  |   Aᵀ = | 1  1  1  0 |
//	     | 0  1  1  0 |       | ½    ½    ½  |        | 0  1 -1 -1 |
//	     | 0 -1  1  0 |       | ½   -½    ½  |
//	     | 0  1  0 -1 |       | 0    0    1  |

// winoGroup is how many samples' tiles one set of products takes (the
// CNN's second layer, forward and backward of a batch of 64: 2 took 41–43
// ms of CPU, 1 took 45–47 and 4 took 43–49).
const winoGroup = 2

// winoMinCols is the width from which sgemm picks its kernel by the rows
// alone (cpuSpec), so that a sample's columns get the same bits in a
// group as alone.
const winoMinCols = 24

// useWinograd reports whether a convolution of geometry g with o output
// channels runs in the Winograd form: 3×3 kernels, stride and dilation 1,
// enough channels on both sides that its products are not thin, and
// transformed tiles of a sample that fit in winoMaxFloats (they take 4×
// the sample's input and output: a 224×224 image with 64 channels in and
// out would need 100 MB per goroutine, and runs in the direct form).
func useWinograd(g *convGeom, o int) bool {
	th, tw := (g.oh+1)/2, (g.ow+1)/2
	return g.kh == 3 && g.kw == 3 && g.sh == 1 && g.sw == 1 && g.dh == 1 && g.dw == 1 &&
		g.c >= 8 && o >= 8 && 16*(g.c+o)*th*tw <= winoMaxFloats
}

// winoMaxFloats bounds the transformed tiles of one sample (16 MiB).
const winoMaxFloats = 1 << 22

// wino is one goroutine's buffers for the Winograd form of a convolution.
type wino struct {
	g      *convGeom
	o      int
	th, tw int // tiles per sample, vertically and horizontally
	hp, wp int // a padded plane: 2·th+2 rows of 2·tw+2 (the tiles' windows)
	padded []float32
	group  int       // samples per set of products: winoGroup, or 1 below winoMinCols tiles
	ld     int       // the row stride of the planes below (≥ the columns)
	vs, ms int       // the stride of the 16 planes of v and dv, and of m
	v      []float32 // 16 planes c × cols: transformed input tiles
	m      []float32 // 16 planes o × cols: products, or the spread output gradient Ŷ
	dv     []float32 // 16 planes c × cols: dV
}

// oddLines rounds n up to an odd number of cache lines (16 floats). Rows
// that far apart fall in distinct sets of the L1 cache, so the products
// read them in place rather than packing them (sgemm), and the planes
// of a tile's 16 elements, written or read together by the transforms,
// do not evict each other (a multiple of 4 KiB apart, they made the
// transforms 5× slower).
func oddLines(n int) int {
	s := roundUp(n, 16)
	if s/16%2 == 0 {
		s += 16
	}
	return s
}

func newWino(g *convGeom, o int) *wino {
	th, tw := (g.oh+1)/2, (g.ow+1)/2
	z := &wino{g: g, o: o, th: th, tw: tw, hp: 2*th + 2, wp: 2*tw + 2}
	z.padded = getZeroed(g.c*z.hp*z.wp + winotf.Slack)
	z.group = winoGroup
	if th*tw < winoMinCols {
		z.group = 1
	}
	z.ld = oddLines(z.group * th * tw)
	z.vs, z.ms = oddLines(g.c*z.ld+gemmRoom), oddLines(o*z.ld+gemmRoom)
	z.v = getBuf(16 * z.vs)
	z.m = getBuf(16 * z.ms)
	return z
}

func (z *wino) release() {
	for _, b := range [][]float32{z.padded, z.v, z.m, z.dv} {
		if b != nil {
			putBuf(b)
		}
	}
}

// tiles is the number of tiles per sample.
func (z *wino) tiles() int { return z.th * z.tw }

// winoFilters returns U = G g Gᵀ for the filters w (o, c, 3, 3) laid out
// as 16 matrices o × c.
func winoFilters(w []float32, o, c int) []float32 {
	u := getBuf(16 * o * c)
	oc := o * c
	for k := 0; k < oc; k++ {
		g := w[9*k : 9*k+9]
		// G g: 4 rows of 3.
		var t [4][3]float32
		for j := 0; j < 3; j++ {
			g0, g1, g2 := g[j], g[3+j], g[6+j]
			t[0][j] = g0
			t[1][j] = 0.5 * (g0 + g1 + g2)
			t[2][j] = 0.5 * (g0 - g1 + g2)
			t[3][j] = g2
		}
		// (G g) Gᵀ: each row of 3 becomes 4.
		for i := 0; i < 4; i++ {
			z0, z1, z2 := t[i][0], t[i][1], t[i][2]
			u[(4*i+0)*oc+k] = z0
			u[(4*i+1)*oc+k] = 0.5 * (z0 + z1 + z2)
			u[(4*i+2)*oc+k] = 0.5 * (z0 - z1 + z2)
			u[(4*i+3)*oc+k] = z2
		}
	}
	return u
}

// winoFiltersGrad adds Gᵀ dU G, the filters' gradient for dU (16
// matrices o × c), into dw (o, c, 3, 3).
func winoFiltersGrad(dw, du []float32, o, c int) {
	oc := o * c
	for k := 0; k < oc; k++ {
		var x [4][4]float32
		for i := 0; i < 16; i++ {
			x[i/4][i%4] = du[i*oc+k]
		}
		// Gᵀ X: 3 rows of 4.
		var t [3][4]float32
		for j := 0; j < 4; j++ {
			x0, x1, x2, x3 := x[0][j], x[1][j], x[2][j], x[3][j]
			t[0][j] = x0 + 0.5*(x1+x2)
			t[1][j] = 0.5 * (x1 - x2)
			t[2][j] = 0.5*(x1+x2) + x3
		}
		d := dw[9*k : 9*k+9]
		for i := 0; i < 3; i++ {
			z0, z1, z2, z3 := t[i][0], t[i][1], t[i][2], t[i][3]
			d[3*i+0] += z0 + 0.5*(z1+z2)
			d[3*i+1] += 0.5 * (z1 - z2)
			d[3*i+2] += 0.5*(z1+z2) + z3
		}
	}
}

// input transforms the samples src (ns of c × h × w, consecutive) into
// z.v: V = Bᵀ d B for every channel and tile.
//
// Without padding and with an even output the tiles' windows cover the
// sample's planes exactly (hp×wp is h×w): the transform reads them in
// place, where the memory after them holds winotf.Slack floats (the next
// channel or sample), instead of copying each row into z.padded (1.8 ms
// of a 24 ms step of the MNIST CNN, in rows of 26 floats).
func (z *wino) input(src []float32, ns int) {
	g := z.g
	T := z.tiles()
	plane := g.h * g.w
	inPlace := g.ph == 0 && g.pw == 0 && z.hp == g.h && z.wp == g.w
	all := src[:cap(src)]
	for s := 0; s < ns; s++ {
		for ci := 0; ci < g.c; ci++ {
			p := z.padded[ci*z.hp*z.wp:]
			at := (s*g.c + ci) * plane
			if inPlace && len(all)-at >= plane+winotf.Slack {
				p = all[at:]
			} else {
				in := src[at : at+plane]
				for iy := 0; iy < g.h; iy++ {
					copy(p[(iy+g.ph)*z.wp+g.pw:][:g.w], in[iy*g.w:(iy+1)*g.w])
				}
			}
			v := z.v[ci*z.ld+s*T:]
			for i := 0; i < z.th; i++ {
				winotf.InputRow(v[i*z.tw:], z.vs, p[2*i*z.wp:], z.wp, z.tw)
			}
		}
	}
}

// output writes Y = Aᵀ M A from z.m into the ns samples' outputs y (o ×
// oh × ow each, consecutive), plus the bias b (nil: none).
func (z *wino) output(y, b []float32, ns int) {
	g, o := z.g, z.o
	T, L := z.tiles(), g.oh*g.ow
	for s := 0; s < ns; s++ {
		for oc := 0; oc < o; oc++ {
			var bias float32
			if b != nil {
				bias = b[oc]
			}
			out := y[(s*o+oc)*L : (s*o+oc+1)*L]
			m := z.m[oc*z.ld+s*T:]
			for i := 0; i < z.th; i++ {
				var y1 []float32 // nil when the last tile row is half outside
				if 2*i+1 < g.oh {
					y1 = out[(2*i+1)*g.ow:][:g.ow]
				}
				winotf.OutputRow(out[2*i*g.ow:][:g.ow], y1, g.ow, m[i*z.tw:], z.ms, z.tw, bias)
			}
		}
	}
}

// spread writes Ŷ = A dY Aᵀ into z.m for the ns samples' output
// gradients gy (o × oh × ow each, consecutive).
func (z *wino) spread(gy []float32, ns int) {
	g, o := z.g, z.o
	T, L := z.tiles(), g.oh*g.ow
	for s := 0; s < ns; s++ {
		for oc := 0; oc < o; oc++ {
			d := gy[(s*o+oc)*L : (s*o+oc+1)*L]
			m := z.m[oc*z.ld+s*T:]
			for i := 0; i < z.th; i++ {
				var d1 []float32 // nil when the last tile row is half outside
				if 2*i+1 < g.oh {
					d1 = d[(2*i+1)*g.ow:][:g.ow]
				}
				winotf.SpreadRow(m[i*z.tw:], z.ms, d[2*i*g.ow:][:g.ow], d1, g.ow, z.tw)
			}
		}
	}
}

// inputGrad adds dd = B dV Bᵀ from z.dv into the ns samples' input
// gradients dx (c × h × w each, consecutive), dropping what falls in the
// padding. It sums each channel in z.padded, whose border it leaves
// dirty: clearBorder makes it zero again for input.
func (z *wino) inputGrad(dx []float32, ns int) {
	g := z.g
	T := z.tiles()
	plane := g.h * g.w
	for s := 0; s < ns; s++ {
		for ci := 0; ci < g.c; ci++ {
			p := z.padded[ci*z.hp*z.wp:]
			clear(p[:z.hp*z.wp])
			v := z.dv[ci*z.ld+s*T:]
			for i := 0; i < z.th; i++ {
				winotf.InputGradRow(p[2*i*z.wp:], z.wp, v[i*z.tw:], z.vs, z.tw)
			}
			out := dx[(s*g.c+ci)*plane : (s*g.c+ci+1)*plane]
			for iy := 0; iy < g.h; iy++ {
				addTo(out[iy*g.w:(iy+1)*g.w], p[(iy+g.ph)*z.wp+g.pw:][:g.w])
			}
		}
	}
	z.clearBorder()
}

// clearBorder zeroes z.padded outside each plane's interior, where input
// expects zeros.
func (z *wino) clearBorder() {
	g := z.g
	for ci := 0; ci < g.c; ci++ {
		p := z.padded[ci*z.hp*z.wp : (ci+1)*z.hp*z.wp]
		for r := 0; r < z.hp; r++ {
			row := p[r*z.wp : (r+1)*z.wp]
			if r < g.ph || r >= g.ph+g.h {
				clear(row)
				continue
			}
			clear(row[:g.pw])
			clear(row[g.pw+g.w:])
		}
	}
}

// forward computes ns samples' outputs y from their inputs src with the
// transformed filters u, adding the bias b (nil: none).
func (z *wino) forward(src, u, y, b []float32, ns int) {
	g, o, cols := z.g, z.o, ns*z.tiles()
	z.input(src, ns)
	for k := 0; k < 16; k++ {
		sgemm.GemmPacked(false, false, o, cols, g.c, 1, u[k*o*g.c:(k+1)*o*g.c], g.c,
			z.v[k*z.vs:][:g.c*z.ld], z.ld, 0, z.m[k*z.ms:][:o*z.ld], z.ld)
	}
	z.output(y, b, ns)
}

// backward adds ns samples' gradients for their output gradients gy: into
// du (16 × o × c, the transformed filters' gradient) unless nil, and into
// their input gradients dx with the transformed filters u unless dx is nil.
// src is the samples' input.
func (z *wino) backward(src, gy, u, du, dx []float32, ns int) {
	g, o := z.g, z.o
	cols := ns * z.tiles()
	z.spread(gy, ns)
	if du != nil {
		z.input(src, ns)
		for k := 0; k < 16; k++ { // dU (o,c) += Ŷ (o,cols) · Vᵀ
			sgemm.GemmPacked(false, true, o, g.c, cols, 1, z.m[k*z.ms:][:o*z.ld], z.ld,
				z.v[k*z.vs:][:g.c*z.ld], z.ld, 1, du[k*o*g.c:(k+1)*o*g.c], g.c)
		}
	}
	if dx == nil {
		return
	}
	if z.dv == nil {
		z.dv = getBuf(16 * z.vs)
	}
	for k := 0; k < 16; k++ { // dV (c,cols) = Uᵀ · Ŷ
		sgemm.GemmPacked(true, false, g.c, cols, o, 1, u[k*o*g.c:(k+1)*o*g.c], g.c,
			z.m[k*z.ms:][:o*z.ld], z.ld, 0, z.dv[k*z.vs:][:g.c*z.ld], z.ld)
	}
	z.inputGrad(dx, ns)
}

// convWinograd is conv2d in the Winograd form (useWinograd), with the same
// result up to rounding and the same gradients; relu fuses a ReLU as
// Conv2dReLU does. Samples are split across goroutines as in the direct
// form, and the filters' gradient is summed in a fixed order.
func convWinograd(op string, relu bool, g *convGeom, o int, x, w, b *Tensor) *Tensor {
	L, chw := g.l(), g.c*g.h*g.w
	out := getBuf(g.n * o * L) // fully written by output
	var bias []float32
	if b != nil {
		bias = b.data
	}
	work := g.n * o * g.k() * L
	u := winoFilters(w.data, o, g.c)
	forChunks(g, o, g.n, chunks(g.n, work), func(sc *convScratch, _, lo, hi int) {
		for s := lo; s < hi; s += sc.wino.group {
			ns := min(sc.wino.group, hi-s)
			y := out[s*o*L : (s+ns)*o*L]
			sc.wino.forward(x.data[s*chw:(s+ns)*chw], u, y, bias, ns)
			if relu {
				reluInto(y, y)
			}
		}
	})
	inputs := []*Tensor{x, w}
	if b != nil {
		inputs = append(inputs, b)
	}
	putBuf(u)
	return result(op, []int{g.n, o, g.oh, g.ow}, out, func(res *Tensor) {
		gx, gw, gb, freshX := convGrads(x, w, b)
		// Each range sums its samples' transformed filter gradient dU and
		// bias gradient into its own buffer; they are added in range order
		// when all are done: the same bits whatever the goroutines and
		// their timing.
		nu := 0
		if gw != nil {
			nu = 16 * o * g.c
		}
		u := winoFilters(w.data, o, g.c)
		defer putBuf(u)
		parts := chunks(g.n, 2*work)
		partial := make([][]float32, parts)
		forChunks(g, o, g.n, parts, func(sc *convScratch, c, lo, hi int) {
			var du, db []float32
			if nu+len(gb) > 0 {
				p := getZeroed(nu + len(gb))
				partial[c] = p
				if nu > 0 {
					du = p[:nu]
				}
				if gb != nil {
					db = p[nu:]
				}
			}
			for s := lo; s < hi; s += sc.wino.group {
				ns := min(sc.wino.group, hi-s)
				dy := res.grad.data[s*o*L : (s+ns)*o*L]
				if relu { // the gradient through the ReLU, masked by its output
					dy = sc.masked(dy, res.data[s*o*L:(s+ns)*o*L])
				}
				for k := 0; k < ns && db != nil; k++ {
					for j := range db {
						db[j] += vec.Sum(dy[(k*o+j)*L : (k*o+j+1)*L])
					}
				}
				var dx []float32
				if gx != nil {
					dx = gx[s*chw : (s+ns)*chw]
					if freshX {
						clear(dx)
					}
				}
				if du != nil || dx != nil {
					sc.wino.backward(x.data[s*chw:(s+ns)*chw], dy, u, du, dx, ns)
				}
			}
		})
		if partial[0] == nil {
			return
		}
		sum := partial[0]
		for _, p := range partial[1:] {
			addTo(sum, p)
			putBuf(p)
		}
		if gb != nil {
			addTo(gb, sum[nu:])
		}
		if nu > 0 {
			winoFiltersGrad(gw, sum[:nu], o, g.c)
		}
		putBuf(sum)
	}, inputs...)
}
