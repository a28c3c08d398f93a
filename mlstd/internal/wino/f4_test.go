package wino

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// The matrices of F(4×4, 3×3) at the points 0, 1, −1, 2, −1/2 and ∞, for
// the float64 definitions the tests compare against.
var (
	btMat = [][]float64{
		{1, 1.5, -2, -1.5, 1, 0},
		{0, -1, -2.5, -0.5, 1, 0},
		{0, 1, 0.5, -2.5, 1, 0},
		{0, -0.5, -1, 0.5, 1, 0},
		{0, 2, -1, -2, 1, 0},
		{0, 1, 1.5, -2, -1.5, 1},
	}
	atMat = [][]float64{
		{1, 1, 1, 1, 1, 0},
		{0, 1, -1, 2, -0.5, 0},
		{0, 1, 1, 4, 0.25, 0},
		{0, 1, -1, 8, -0.125, 1},
	}
)

// sandwich returns L X Rᵀ (and the same with |L|, |X|, |R|, the scale of
// its rounding error) for an n×k L, a k×l X and an m×l R.
func sandwich(l [][]float64, x [][]float64, r [][]float64) (y, abs [][]float64) {
	n, m := len(l), len(r)
	y, abs = make([][]float64, n), make([][]float64, n)
	for i := range n {
		y[i], abs[i] = make([]float64, m), make([]float64, m)
		for j := range m {
			for a := range x {
				for b := range x[a] {
					y[i][j] += l[i][a] * x[a][b] * r[j][b]
					abs[i][j] += math.Abs(l[i][a] * x[a][b] * r[j][b])
				}
			}
		}
	}
	return y, abs
}

func transpose(m [][]float64) [][]float64 {
	t := make([][]float64, len(m[0]))
	for j := range t {
		t[j] = make([]float64, len(m))
		for i := range m {
			t[j][i] = m[i][j]
		}
	}
	return t
}

// tol is the error bound the float32 transforms are held to. On the path
// from an input to an output lie at most 10 roundings: 4 in a pass of b6
// (w2's x1: 2.5·x1, + 2·x0, + u, the last subtraction), so 8 in the two
// passes, and 2 more where InputGradRow4 adds into the image (bt and at
// take 3 per pass, a4 2, plus OutputRow4's bias). Each rounding is a
// relative error of at most u = 2⁻²⁴ of a partial sum, and no value
// enters a sum twice with opposite signs, so the partial sums are bounded
// by the sum of the terms' magnitudes and |got − exact| ≤ γ₁₀·Σ|terms|,
// γ₁₀ = 10u/(1−10u); the bound is 11u·Σ|terms| (+ the magnitude of the
// value added to, for InputGradRow4). A wrong coefficient or sign costs a
// whole term, far more.
func tol(abs float64) float64 { return 11 * 0x1p-24 * abs }

// case4 is a random problem for the F(4×4) transforms: a row of tw tiles,
// planes stride apart, image rows wp apart, ow output columns and the
// rows of y/d that are nil.
type case4 struct {
	tw, stride, wp, ow int
	nilRow             [4]bool
	planes, img        []float32
}

func (c case4) String() string {
	return fmt.Sprintf("tw=%d stride=%d wp=%d ow=%d nil=%v", c.tw, c.stride, c.wp, c.ow, c.nilRow)
}

func newCase4(r *rand.Rand, tw, ow int, nilRow [4]bool) case4 {
	c := case4{tw: tw, ow: ow, nilRow: nilRow}
	c.stride = roundUp(tw, 8) + r.IntN(12)
	c.planes = make([]float32, 35*c.stride+roundUp(tw, 8)+r.IntN(8))
	c.wp = 4*tw + 2 + r.IntN(6)
	c.img = make([]float32, 5*c.wp+4*tw+2+Slack4+r.IntN(4))
	for _, x := range [][]float32{c.planes, c.img} {
		randFill(r, x)
		if r.IntN(3) == 0 {
			fillCancelling(r, x)
		}
	}
	return c
}

// fillCancelling overwrites half of x with ±0, ±1 and ±2, whose sums
// cancel exactly: the transforms must give zeros of the same sign in
// both forms.
func fillCancelling(r *rand.Rand, x []float32) {
	vals := []float32{0, float32(math.Copysign(0, -1)), 1, -1, 2, -2}
	for i := range x {
		if r.IntN(2) == 0 {
			x[i] = vals[r.IntN(len(vals))]
		}
	}
}

// rows cuts the four output (or output-gradient) rows out of img: row r
// at r·wp, exactly ow floats long (the image ends there for the last).
func (c case4) rows(img []float32) [4][]float32 {
	var y [4][]float32
	for r := range y {
		if !c.nilRow[r] {
			y[r] = img[r*c.wp:][:c.ow:c.ow]
		}
	}
	return y
}

// free reports whether planes[i] is a lane the transform may write freely
// (tw ≤ j < roundUp(tw, 8) of one of the 36 planes).
func (c case4) free(i int) bool {
	xi, j := i/c.stride, i%c.stride
	return xi < 36 && j >= c.tw && j < roundUp(c.tw, 8)
}

// forEachCase4 runs f on rows of 1 to 25 tiles, every allowed ow, the
// patterns of nil rows a tiling makes (none, the last, the last two, all)
// and a quarter of the others.
func forEachCase4(t *testing.T, f func(t *testing.T, c case4)) {
	r := rand.New(rand.NewPCG(4, 4))
	for tw := 1; tw <= 25; tw++ {
		for ow := 4*tw - 3; ow <= 4*tw; ow++ {
			for mask := range 16 {
				var nilRow [4]bool
				for k := range nilRow {
					nilRow[k] = mask>>k&1 == 1
				}
				if mask != 0 && mask != 15 && mask != 8 && mask != 12 && r.IntN(4) != 0 {
					continue // a sample of the patterns besides the tiling's own
				}
				f(t, newCase4(r, tw, ow, nilRow))
			}
		}
	}
}

// bitsEqual reports the first element where a and b differ in any bit,
// skipping those skip allows.
func bitsEqual(a, b []float32, skip func(int) bool) error {
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) && (skip == nil || !skip(i)) {
			return fmt.Errorf("element %d: %v vs %v", i, a[i], b[i])
		}
	}
	return nil
}

// form4 is one form of the four transforms: the exported functions (the
// assembly where there is one) or the Go ones. Its run applies one of
// them to copies of a case's buffers and returns them.
type form4 struct {
	in     func(v []float32, vs int, p []float32, wp, tw int)
	out    func(y *[4][]float32, ow int, m []float32, ms, tw int, bias float32)
	spread func(m []float32, ms int, d *[4][]float32, ow, tw int)
	grad   func(p []float32, wp int, v []float32, vs, tw int)
}

var (
	exported4 = form4{InputRow4,
		func(y *[4][]float32, ow int, m []float32, ms, tw int, bias float32) {
			OutputRow4(*y, ow, m, ms, tw, bias)
		},
		func(m []float32, ms int, d *[4][]float32, ow, tw int) { SpreadRow4(m, ms, *d, ow, tw) },
		InputGradRow4}
	goForm4 = form4{inputRow4Go, outputRow4Go, spreadRow4Go, inputGradRow4Go}
)

const testBias = 0.375

func (f form4) run(what string, c case4) (planes, img []float32) {
	planes, img = append([]float32(nil), c.planes...), append([]float32(nil), c.img...)
	switch what {
	case "InputRow4":
		f.in(planes, c.stride, img, c.wp, c.tw)
	case "OutputRow4":
		y := c.rows(img)
		f.out(&y, c.ow, planes, c.stride, c.tw, testBias)
	case "SpreadRow4":
		d := c.rows(img)
		f.spread(planes, c.stride, &d, c.ow, c.tw)
	case "InputGradRow4":
		f.grad(img, c.wp, planes, c.stride, c.tw)
	}
	return planes, img
}

var names4 = []string{"InputRow4", "OutputRow4", "SpreadRow4", "InputGradRow4"}

// TestF4AssemblyMatchesGo runs each transform in Go and through the
// exported function (the assembly on amd64 with AVX2) on the same random
// buffers and compares every bit of both, except the lanes tw ≤ j <
// roundUp(tw, 8) of the planes that InputRow4 and SpreadRow4 may fill
// with anything.
func TestF4AssemblyMatchesGo(t *testing.T) {
	if !hasAVX2 {
		t.Skip("no AVX2: only the Go form runs")
	}
	forEachCase4(t, func(t *testing.T, c case4) {
		for _, what := range names4 {
			p1, i1 := goForm4.run(what, c)
			p2, i2 := exported4.run(what, c)
			var skip func(int) bool
			if what == "InputRow4" || what == "SpreadRow4" {
				skip = c.free
			}
			if err := bitsEqual(p1, p2, skip); err != nil {
				t.Errorf("%s %v: planes: Go and assembly differ at %v", what, c, err)
			}
			if err := bitsEqual(i1, i2, nil); err != nil {
				t.Errorf("%s %v: image: Go and assembly differ at %v", what, c, err)
			}
		}
	})
}

// TestF4Definition compares each transform, in both forms, with the
// matrices multiplied out in float64 (within tol), and checks that it
// changes nothing outside what its contract lets it write.
func TestF4Definition(t *testing.T) {
	bT, aT := btMat, atMat
	b, a := transpose(bT), transpose(aT)
	forEachCase4(t, func(t *testing.T, c case4) {
		for _, form := range []struct {
			name string
			f    form4
		}{{"go", goForm4}, {"exported", exported4}} {
			for _, what := range names4 {
				planes, img := form.f.run(what, c)
				// want: the expected value and error scale of each element
				// the transform defines; others must stay as they were.
				wantP := map[int][2]float64{}
				wantI := map[int][2]float64{}
				switch what {
				case "InputRow4":
					for j := range c.tw {
						d := make([][]float64, 6)
						for r := range d {
							d[r] = make([]float64, 6)
							for k := range d[r] {
								d[r][k] = float64(c.img[r*c.wp+4*j+k])
							}
						}
						v, abs := sandwich(bT, d, bT)
						for xi := range 36 {
							wantP[xi*c.stride+j] = [2]float64{v[xi/6][xi%6], abs[xi/6][xi%6]}
						}
					}
				case "OutputRow4":
					for j := range c.tw {
						m := make([][]float64, 6)
						for xi := range 36 {
							if m[xi/6] == nil {
								m[xi/6] = make([]float64, 6)
							}
							m[xi/6][xi%6] = float64(c.planes[xi*c.stride+j])
						}
						y, abs := sandwich(aT, m, aT)
						for r := range 4 {
							for k := range 4 {
								if x := 4*j + k; !c.nilRow[r] && x < c.ow {
									wantI[r*c.wp+x] = [2]float64{y[r][k] + testBias, abs[r][k] + testBias}
								}
							}
						}
					}
				case "SpreadRow4":
					for j := range c.tw {
						dy := make([][]float64, 4)
						for r := range dy {
							dy[r] = make([]float64, 4)
							for k := range dy[r] {
								if x := 4*j + k; !c.nilRow[r] && x < c.ow {
									dy[r][k] = float64(c.img[r*c.wp+x])
								}
							}
						}
						m, abs := sandwich(a, dy, a)
						for xi := range 36 {
							wantP[xi*c.stride+j] = [2]float64{m[xi/6][xi%6], abs[xi/6][xi%6]}
						}
					}
				case "InputGradRow4":
					for j := range c.tw {
						x := make([][]float64, 6)
						for xi := range 36 {
							if x[xi/6] == nil {
								x[xi/6] = make([]float64, 6)
							}
							x[xi/6][xi%6] = float64(c.planes[xi*c.stride+j])
						}
						w, abs := sandwich(b, x, b)
						for r := range 6 {
							for k := range 6 {
								i := r*c.wp + 4*j + k
								e, ok := wantI[i]
								if !ok {
									e = [2]float64{float64(c.img[i]), math.Abs(float64(c.img[i]))}
								}
								wantI[i] = [2]float64{e[0] + w[r][k], e[1] + abs[r][k]}
							}
						}
					}
				}
				check := func(side string, got, orig []float32, want map[int][2]float64, free func(int) bool) {
					for i := range got {
						if e, ok := want[i]; ok {
							if d := math.Abs(float64(got[i]) - e[0]); !(d <= tol(e[1])) {
								t.Errorf("%s %s %v: %s[%d] = %v, want %v (error %.3g > bound %.3g)", form.name, what, c, side, i, got[i], e[0], d, tol(e[1]))
								return
							}
						} else if got[i] != orig[i] && (free == nil || !free(i)) {
							t.Errorf("%s %s %v: %s[%d] changed from %v to %v outside the contract", form.name, what, c, side, i, orig[i], got[i])
							return
						}
					}
				}
				var free func(int) bool
				if what == "InputRow4" || what == "SpreadRow4" {
					free = c.free
				}
				check("planes", planes, c.planes, wantP, free)
				check("image", img, c.img, wantI, nil)
			}
		}
	})
}

// TestF4BadInput checks that wrong lengths panic with the function's name
// and what was wrong.
func TestF4BadInput(t *testing.T) {
	const tw = 6
	planes := make([]float32, 36*8)
	img := make([]float32, 5*26+26+Slack4)
	row := make([]float32, 24)
	for _, c := range []struct {
		name, want string
		fn         func()
	}{
		{"short planes", "wino.InputRow4: 36 planes", func() { InputRow4(planes[:35*8], 8, img, 26, tw) }},
		{"stride below 8 lanes", "wino.SpreadRow4: 36 planes 6 apart", func() { SpreadRow4(planes, 6, [4][]float32{row}, 24, tw) }},
		{"short image", "wino.InputGradRow4: 170 floats", func() { InputGradRow4(img[:170], 26, planes, 8, tw) }},
		{"narrow image rows", "wino.InputRow4: 188 floats for 6 rows 25 apart", func() { InputRow4(planes, 8, img, 25, tw) }},
		{"ow too small", "wino.OutputRow4: 20 columns for 6 tiles", func() { OutputRow4([4][]float32{row}, 20, planes, 8, tw, 0) }},
		{"short row", "wino.OutputRow4: row 2 has 23 floats for 24 columns", func() {
			OutputRow4([4][]float32{row, row, row[:23]}, 24, planes, 8, tw, 0)
		}},
	} {
		func() {
			defer func() {
				msg := fmt.Sprint(recover())
				if !strings.Contains(msg, c.want) {
					t.Errorf("%s: panic %q, want it to contain %q", c.name, msg, c.want)
				}
			}()
			c.fn()
		}()
	}
}

// BenchmarkRows4 times each F(4×4) transform on rows of 6 tiles (the
// MNIST CNN's second layer, 24×24 outputs), 7 (27 columns) and 14 (56),
// in assembly (where there is one) and in Go: ns per tile. The assembly's
// run also times, in the same run and as many calls, the Go form (go/asm)
// and the F(2×2) assembly on a row of the same width (f2/f4: its time per
// output over F(4×4)'s; an F(2×2) row serves 2 output rows, an F(4×4) row
// 4; above 1, F(4×4) costs less per output).
func BenchmarkRows4(b *testing.B) {
	for _, g := range []struct{ tw, ow int }{{6, 24}, {7, 27}, {14, 56}} {
		// Planes an odd number of cache lines apart, as mlstd/tensor
		// lays them out (oddLines): 36 planes 2 KiB apart would share
		// two sets of the L1 cache.
		stride := 33 * 16
		r := rand.New(rand.NewPCG(1, 1))
		planes := make([]float32, 36*stride)
		wp := 4*g.tw + 2
		img := make([]float32, 6*wp+Slack4)
		randFill(r, planes)
		randFill(r, img)
		var rows [4][]float32
		for k := range rows {
			rows[k] = img[k*wp:][:g.ow]
		}
		tw2, wp2 := (g.ow+1)/2, g.ow+3 // F(2×2): as many columns
		call := func(f form4, what string) func() {
			switch what {
			case "input":
				return func() { f.in(planes, stride, img, wp, g.tw) }
			case "output":
				return func() { f.out(&rows, g.ow, planes, stride, g.tw, 0) }
			case "spread":
				return func() { f.spread(planes, stride, &rows, g.ow, g.tw) }
			}
			return func() { f.grad(img, wp, planes, stride, g.tw) }
		}
		f2 := map[string]func(){
			"input":     func() { InputRow(planes, stride, img, wp2, tw2) },
			"output":    func() { OutputRow(img[:g.ow], img[wp2:][:g.ow], g.ow, planes, stride, tw2, 0) },
			"spread":    func() { SpreadRow(planes, stride, img[:g.ow], img[wp2:][:g.ow], g.ow, tw2) },
			"inputGrad": func() { InputGradRow(img, wp2, planes, stride, tw2) },
		}
		for _, what := range []string{"input", "output", "spread", "inputGrad"} {
			for _, form := range []string{"asm", "go"} {
				if form == "asm" && !hasAVX2 {
					continue
				}
				f := goForm4
				if form == "asm" {
					f = exported4
				}
				fn := call(f, what)
				b.Run(fmt.Sprintf("%s/tw%d/%s", what, g.tw, form), func(b *testing.B) {
					for b.Loop() {
						fn()
						// Keep the values bounded: inputGrad and output
						// feed back into the image.
						clear(img[:wp])
					}
					t4 := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
					b.ReportMetric(t4/float64(g.tw), "ns/tile")
					if form == "asm" {
						b.ReportMetric(timePerCall(call(goForm4, what), b.N, img[:wp])/t4, "go/asm")
						b.ReportMetric(timePerCall(f2[what], b.N, img[:wp])/2/(t4/4), "f2/f4")
					}
				})
			}
		}
	}
}

// timePerCall is the mean time of n calls of fn, in ns, clearing img
// after each as the benchmark loop does.
func timePerCall(fn func(), n int, img []float32) float64 {
	start := time.Now()
	for range n {
		fn()
		clear(img)
	}
	return float64(time.Since(start).Nanoseconds()) / float64(n)
}
