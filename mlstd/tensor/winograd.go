package tensor

import (
	"github.com/gokernel/gokernel/mlstd/internal/parallel"
	"github.com/gokernel/gokernel/mlstd/internal/sgemm"
	"github.com/gokernel/gokernel/mlstd/internal/vec"
	winotf "github.com/gokernel/gokernel/mlstd/internal/wino"
)

// Winograd's minimal filtering F(m×m, 3×3) (Lavin and Gray, "Fast
// Algorithms for Convolutional Neural Networks", 2016) for 3×3
// convolutions with stride and dilation 1, in two forms: m = 2 and m = 4.
// The output is cut into m×m tiles; tile t reads the a×a input window d_t
// (a = m+2) m rows and columns on from the last, and
//
//	Y_t = Aᵀ [ Σ_c U_oc ⊙ V_ct ] A,   U_oc = G g_oc Gᵀ,   V_ct = Bᵀ d_ct B
//
// with the a×a, a×3 and a×m matrices B, G and A (G below, B and A in
// package wino). For each of the a² positions ξ of the transformed tiles,
// Σ_c U ⊙ V is one matrix product, (O × C)·(C × tiles): a² multiply-adds
// per tile and channel pair where the direct form has 9·m². F(2×2) takes
// 16 for 4 outputs (2.25× fewer), F(4×4) 36 for 16 (4× fewer), but rounds
// more: its transforms multiply by up to 8 where F(2×2)'s only add and halve,
// and its errors are ~10× larger (still within float32 rounding of the
// sums' magnitude; the torch tests hold both to the same bounds).
// winoFormFor takes the form with fewer multiplies for the output's size.
//
// The backward pass is the adjoint of the same linear maps: with Ŷ_t =
// A dY_t Aᵀ (the output gradient's tile spread to a×a),
//
//	dU_oc = Σ_t Ŷ_ot ⊙ V_ct (a² products, summed over the tiles),  dg = Gᵀ dU G
//	dV_ct = Σ_o U_oc ⊙ Ŷ_ot (a² products),  dd_ct = B dV_ct Bᵀ, added into dX
//
// so all three products of a training step use the same fewer multiplies.
// Samples are taken z.group at a time, their tiles side by side in the
// products' columns (laid out ξ first, then channel, then tile: the
// products' operands as they are stored), so that the products are wide
// and the filters' gradient's dot products long. All products run on
// sgemm's packed path, where a column's result does not depend on the
// other columns as long as the kernel is the same, which holds for
// products of 24 columns or more (sgemm's cpuSpec): a sample's output and
// input gradient then have the same bits alone as in any batch (as
// serving needs). Samples of fewer than 24 tiles go one at a time.

// winoGroup is how many samples' tiles one set of products takes (the
// CNN's second layer, forward and backward of a batch of 64: 2 took 41–43
// ms of CPU, 1 took 45–47 and 4 took 43–49).
const winoGroup = 2

// winoMinCols is the width from which sgemm picks its kernel by the rows
// alone (cpuSpec), so that a sample's columns get the same bits in a
// group as alone.
const winoMinCols = 24

// winoForm is one of the two Winograd forms F(m×m, 3×3): its output tile
// side m (the input tile is a = m+2 on a side, a² products) and its
// filter matrix G (a × 3). The tile transforms Bᵀ and Aᵀ are in package
// wino.
type winoForm struct {
	m int
	g [][3]float32
}

// winoF2 is F(2×2, 3×3), interpolating at 0, 1, −1 and ∞.
var winoF2 = &winoForm{m: 2, g: [][3]float32{
	{1, 0, 0},
	{0.5, 0.5, 0.5},
	{0.5, -0.5, 0.5},
	{0, 0, 1},
}}

// winoF4 is F(4×4, 3×3), interpolating at 0, 1, −1, 2, −½ and ∞: 2.5×
// more accurate than Lavin and Gray's 0, ±1, ±2, ∞ (package wino's doc).
var winoF4 = &winoForm{m: 4, g: [][3]float32{
	{1, 0, 0},
	{-1.0 / 3, -1.0 / 3, -1.0 / 3},
	{1.0 / 3, -1.0 / 3, 1.0 / 3},
	{1.0 / 15, 2.0 / 15, 4.0 / 15},
	{-16.0 / 15, 8.0 / 15, -4.0 / 15},
	{0, 0, 1},
}}

// a is the side of the form's input tiles, and a² its number of products.
func (f *winoForm) a() int { return f.m + 2 }

// tiles is the number of tiles of the form covering an oh × ow output.
func (f *winoForm) tiles(oh, ow int) (th, tw int) {
	return (oh + f.m - 1) / f.m, (ow + f.m - 1) / f.m
}

// products is the multiplies per channel pair of the form on an oh × ow
// output.
func (f *winoForm) products(oh, ow int) int {
	th, tw := f.tiles(oh, ow)
	return f.a() * f.a() * th * tw
}

// winoFormFor returns the Winograd form a convolution of geometry g with
// o output channels runs in, or nil when it runs in the direct form: 3×3
// kernels, stride and dilation 1, enough channels on both sides that its
// products are not thin, and transformed tiles of a sample that fit in
// winoMaxFloats (they take 2.25–4× the sample's input and output: a
// 224×224 image with 64 channels in and out would need 100 MB per
// goroutine, and runs in the direct form). Of the two forms it takes the
// one with fewer multiplies, F(2×2) on a tie (it rounds less).
func winoFormFor(g *convGeom, o int) *winoForm {
	if g.kh != 3 || g.kw != 3 || g.sh != 1 || g.sw != 1 || g.dh != 1 || g.dw != 1 || g.c < 8 || o < 8 {
		return nil
	}
	f := winoF2
	if winoF4.products(g.oh, g.ow) < f.products(g.oh, g.ow) {
		f = winoF4
	}
	if f.products(g.oh, g.ow)*(g.c+o) > winoMaxFloats {
		return nil
	}
	return f
}

// winoMaxFloats bounds the transformed tiles of one sample (16 MiB).
const winoMaxFloats = 1 << 22

// wino is one goroutine's buffers for the Winograd form of a convolution.
type wino struct {
	*winoForm
	g      *convGeom
	o      int
	th, tw int // tiles per sample, vertically and horizontally
	hp, wp int // a padded plane: m·th+2 rows of m·tw+2 (the tiles' windows)
	slack  int // floats the transforms read past a window row (wino.Slack, Slack4)
	padded []float32
	group  int       // samples per set of products: winoGroup, or 1 below winoMinCols tiles
	ld     int       // the row stride of the planes below (≥ the columns)
	vs, ms int       // the stride of the a² planes of v and dv, and of m
	v      []float32 // a² planes c × cols: transformed input tiles
	mm     []float32 // a² planes o × cols: products, or the spread output gradient Ŷ
	dv     []float32 // a² planes c × cols: dV
}

// oddLines rounds n up to an odd number of cache lines (16 floats). Rows
// that far apart fall in distinct sets of the L1 cache, so the products
// read them in place rather than packing them (sgemm), and the planes
// of a tile's elements, written or read together by the transforms,
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
	f := winoFormFor(g, o)
	th, tw := f.tiles(g.oh, g.ow)
	z := &wino{winoForm: f, g: g, o: o, th: th, tw: tw, hp: f.m*th + 2, wp: f.m*tw + 2, slack: winotf.Slack}
	if f.m == 4 {
		z.slack = winotf.Slack4
	}
	z.padded = getZeroed(g.c*z.hp*z.wp + z.slack)
	z.group = winoGroup
	if th*tw < winoMinCols {
		z.group = 1
	}
	// A row's transforms may write 8 tiles past its last (F(4×4)'s
	// contract): the next row, or the room after the last.
	z.ld = oddLines(z.group*th*tw + 8)
	n := f.a() * f.a()
	z.vs, z.ms = oddLines(g.c*z.ld+gemmRoom), oddLines(o*z.ld+gemmRoom)
	z.v = getBuf(n * z.vs)
	z.mm = getBuf(n * z.ms)
	return z
}

func (z *wino) release() {
	for _, b := range [][]float32{z.padded, z.v, z.mm, z.dv} {
		if b != nil {
			putBuf(b)
		}
	}
}

// tiles is the number of tiles per sample.
func (z *wino) tiles() int { return z.th * z.tw }

// planes is the number of products, a².
func (z *wino) planes() int { return z.a() * z.a() }

// filters returns U = G g Gᵀ for the filters w (o, c, 3, 3) laid out as
// a² matrices o × c, the filters split across goroutines (parallel.For:
// each is its own). The products are rounded before they are summed
// (float32 conversions), so that no compiler fuses them.
func (f *winoForm) filters(w []float32, o, c int) []float32 {
	a, G := f.a(), f.g
	u := getBuf(a * a * o * c)
	oc := o * c
	parallel.For(oc, 9*a*a, func(_, lo, hi int) {
		var t [6][3]float32
		for k := lo; k < hi; k++ {
			g := w[9*k : 9*k+9]
			for i := 0; i < a; i++ { // G g: a rows of 3
				for j := 0; j < 3; j++ {
					t[i][j] = float32(G[i][0]*g[j]) + float32(G[i][1]*g[3+j]) + float32(G[i][2]*g[6+j])
				}
			}
			for i := 0; i < a; i++ { // (G g) Gᵀ: each row of 3 becomes a
				for j := 0; j < a; j++ {
					u[(a*i+j)*oc+k] = float32(t[i][0]*G[j][0]) + float32(t[i][1]*G[j][1]) + float32(t[i][2]*G[j][2])
				}
			}
		}
	})
	return u
}

// filtersGrad adds Gᵀ dU G, the filters' gradient for dU (a² matrices
// o × c), into dw (o, c, 3, 3), the filters split as in filters.
func (f *winoForm) filtersGrad(dw, du []float32, o, c int) {
	a, G := f.a(), f.g
	oc := o * c
	parallel.For(oc, 9*a*a, func(_, lo, hi int) {
		var t [3][6]float32
		for k := lo; k < hi; k++ {
			for i := 0; i < 3; i++ { // Gᵀ X: 3 rows of a
				for j := 0; j < a; j++ {
					var s float32
					for r := 0; r < a; r++ {
						s += float32(G[r][i] * du[(a*r+j)*oc+k])
					}
					t[i][j] = s
				}
			}
			d := dw[9*k : 9*k+9]
			for i := 0; i < 3; i++ { // (Gᵀ X) G: each row of a becomes 3
				for j := 0; j < 3; j++ {
					var s float32
					for r := 0; r < a; r++ {
						s += float32(t[i][r] * G[r][j])
					}
					d[3*i+j] += s
				}
			}
		}
	})
}

// input transforms the samples src (ns of c × h × w, consecutive) into
// z.v: V = Bᵀ d B for every channel and tile.
//
// Without padding and with outputs that fill the tiles, the tiles'
// windows cover the sample's planes exactly (hp×wp is h×w): the
// transform reads them in place, where the memory after them holds
// z.slack floats (the next channel or sample), instead of copying each
// row into z.padded (1.8 ms of a 24 ms step of the MNIST CNN, in rows of
// 26 floats).
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
			if inPlace && len(all)-at >= plane+z.slack {
				p = all[at:]
			} else {
				in := src[at : at+plane]
				for iy := 0; iy < g.h; iy++ {
					copy(p[(iy+g.ph)*z.wp+g.pw:][:g.w], in[iy*g.w:(iy+1)*g.w])
				}
			}
			v := z.v[ci*z.ld+s*T:]
			for i := 0; i < z.th; i++ { // in order: a row may write into the next's tiles
				if z.m == 2 {
					winotf.InputRow(v[i*z.tw:], z.vs, p[2*i*z.wp:], z.wp, z.tw)
				} else {
					winotf.InputRow4(v[i*z.tw:], z.vs, p[4*i*z.wp:], z.wp, z.tw)
				}
			}
		}
	}
}

// rows returns the m output rows of tile row i of the plane out (oh ×
// ow), nil where they fall below it.
func (z *wino) rows(out []float32, i int) (y [4][]float32) {
	g := z.g
	for r := 0; r < z.m; r++ {
		if at := z.m*i + r; at < g.oh {
			y[r] = out[at*g.ow:][:g.ow]
		}
	}
	return y
}

// output writes Y = Aᵀ M A from z.mm into the ns samples' outputs y (o ×
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
			m := z.mm[oc*z.ld+s*T:]
			for i := 0; i < z.th; i++ {
				r := z.rows(out, i)
				if z.m == 2 {
					winotf.OutputRow(r[0], r[1], g.ow, m[i*z.tw:], z.ms, z.tw, bias)
				} else {
					winotf.OutputRow4(r, g.ow, m[i*z.tw:], z.ms, z.tw, bias)
				}
			}
		}
	}
}

// spread writes Ŷ = A dY Aᵀ into z.mm for the ns samples' output
// gradients gy (o × oh × ow each, consecutive).
func (z *wino) spread(gy []float32, ns int) {
	g, o := z.g, z.o
	T, L := z.tiles(), g.oh*g.ow
	for s := 0; s < ns; s++ {
		for oc := 0; oc < o; oc++ {
			d := gy[(s*o+oc)*L : (s*o+oc+1)*L]
			m := z.mm[oc*z.ld+s*T:]
			for i := 0; i < z.th; i++ { // in order: a row may write into the next's tiles
				r := z.rows(d, i)
				if z.m == 2 {
					winotf.SpreadRow(m[i*z.tw:], z.ms, r[0], r[1], g.ow, z.tw)
				} else {
					winotf.SpreadRow4(m[i*z.tw:], z.ms, r, g.ow, z.tw)
				}
			}
		}
	}
}

// inputGrad adds dd = B dV Bᵀ from z.dv into the ns samples' input
// gradients dx (c × h × w each, consecutive), or sets them (set),
// dropping what falls in the padding. It sums each channel in z.padded,
// whose border it leaves dirty: clearBorder makes it zero again for input.
func (z *wino) inputGrad(dx []float32, ns int, set bool) {
	g := z.g
	T := z.tiles()
	plane := g.h * g.w
	for s := 0; s < ns; s++ {
		for ci := 0; ci < g.c; ci++ {
			p := z.padded[ci*z.hp*z.wp:]
			clear(p[:z.hp*z.wp])
			v := z.dv[ci*z.ld+s*T:]
			for i := 0; i < z.th; i++ {
				if z.m == 2 {
					winotf.InputGradRow(p[2*i*z.wp:], z.wp, v[i*z.tw:], z.vs, z.tw)
				} else {
					winotf.InputGradRow4(p[4*i*z.wp:], z.wp, v[i*z.tw:], z.vs, z.tw)
				}
			}
			out := dx[(s*g.c+ci)*plane : (s*g.c+ci+1)*plane]
			for iy := 0; iy < g.h; iy++ {
				row := p[(iy+g.ph)*z.wp+g.pw:][:g.w]
				if set {
					copy(out[iy*g.w:(iy+1)*g.w], row)
				} else {
					addTo(out[iy*g.w:(iy+1)*g.w], row)
				}
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
	for k := 0; k < z.planes(); k++ {
		sgemm.GemmPacked(false, false, o, cols, g.c, 1, u[k*o*g.c:(k+1)*o*g.c], g.c,
			z.v[k*z.vs:][:g.c*z.ld], z.ld, 0, z.mm[k*z.ms:][:o*z.ld], z.ld)
	}
	z.output(y, b, ns)
}

// backward adds ns samples' gradients for their output gradients gy: into
// du (a² × o × c, the transformed filters' gradient) unless nil, or sets
// it (setDU), and into their input gradients dx with the transformed
// filters u unless dx is nil, or sets them (setDX: their contents are
// undefined). src is the samples' input.
func (z *wino) backward(src, gy, u, du, dx []float32, ns int, setDU, setDX bool) {
	g, o := z.g, z.o
	cols := ns * z.tiles()
	z.spread(gy, ns)
	if du != nil {
		z.input(src, ns)
		var beta float32 = 1
		if setDU {
			beta = 0
		}
		for k := 0; k < z.planes(); k++ { // dU (o,c) += Ŷ (o,cols) · Vᵀ
			sgemm.GemmPacked(false, true, o, g.c, cols, 1, z.mm[k*z.ms:][:o*z.ld], z.ld,
				z.v[k*z.vs:][:g.c*z.ld], z.ld, beta, du[k*o*g.c:(k+1)*o*g.c], g.c)
		}
	}
	if dx == nil {
		return
	}
	if z.dv == nil {
		z.dv = getBuf(z.planes() * z.vs)
	}
	for k := 0; k < z.planes(); k++ { // dV (c,cols) = Uᵀ · Ŷ
		sgemm.GemmPacked(true, false, g.c, cols, o, 1, u[k*o*g.c:(k+1)*o*g.c], g.c,
			z.mm[k*z.ms:][:o*z.ld], z.ld, 0, z.dv[k*z.vs:][:g.c*z.ld], z.ld)
	}
	z.inputGrad(dx, ns, setDX)
}

// convWinograd is conv2d in the Winograd form (winoFormFor), with the same
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
	f := winoFormFor(g, o)
	u := f.filters(w.data, o, g.c)
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
	// The backward takes u over (the filters as the forward used them).
	res := result(op, []int{g.n, o, g.oh, g.ow}, out, func(res *Tensor) {
		defer putBuf(u)
		gx, gw, gb, freshX := convGrads(x, w, b)
		// Each range sums its samples' transformed filter gradient dU and
		// bias gradient into its own buffer; they are added in range order
		// when all are done: the same bits whatever the goroutines and
		// their timing.
		nu := 0
		if gw != nil {
			nu = f.a() * f.a() * o * g.c
		}
		parts := chunks(g.n, 2*work)
		partial := make([][]float32, parts)
		forChunks(g, o, g.n, parts, func(sc *convScratch, c, lo, hi int) {
			var du, db []float32
			if nu+len(gb) > 0 {
				p := getBuf(nu + len(gb)) // dU set by the range's first products
				partial[c] = p
				if nu > 0 {
					du = p[:nu]
				}
				if gb != nil {
					db = p[nu:]
					clear(db)
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
				}
				if du != nil || dx != nil {
					sc.wino.backward(x.data[s*chw:(s+ns)*chw], dy, u, du, dx, ns, s == lo, freshX)
				}
			}
		})
		if partial[0] == nil {
			return
		}
		// The partial sums are added in range order, element ranges of
		// them shared by the goroutines.
		sum := partial[0]
		parallel.For(len(sum), len(partial), func(_, lo, hi int) {
			for _, p := range partial[1:] {
				addTo(sum[lo:hi], p[lo:hi])
			}
		})
		for _, p := range partial[1:] {
			putBuf(p)
		}
		if gb != nil {
			addTo(gb, sum[nu:])
		}
		if nu > 0 {
			f.filtersGrad(gw, sum[:nu], o, g.c)
		}
		putBuf(sum)
	}, inputs...)
	if res.backward == nil {
		putBuf(u)
	}
	return res
}
