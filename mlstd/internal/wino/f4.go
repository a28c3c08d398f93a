package wino

import "fmt"

// The F(4×4, 3×3) transforms, interpolating at 0, 1, −1, 2, −1/2 and ∞.
// A transformed tile is 6×6, its element (a, b) in plane ξ = 6a+b (36
// planes); an output tile is 4×4, its window of input 6×6, tile j of a
// row at column 4j.

// InputRow4 writes V = Bᵀ d B for tw tiles: tile j's window d is columns
// 4j…4j+5 of the rows p[r·wp:], r = 0…5, and V's element ξ goes to
// v[ξ·vs+j]. It may also write (any values) v[ξ·vs+j] for tw ≤ j <
// roundUp(tw, 8): the caller keeps that room and writes the next tile row
// over it. p must hold Slack4 floats past 5·wp+4·tw+2 (the assembly reads
// whole vectors).
func InputRow4(v []float32, vs int, p []float32, wp, tw int) {
	if tw <= 0 {
		return
	}
	checkPlanes4("InputRow4", v, vs, tw)
	checkImage4("InputRow4", p, wp, tw)
	inputRow4(v, vs, p, wp, tw)
}

// OutputRow4 writes Y = Aᵀ M A plus bias for tw tiles, M's element ξ of
// tile j being m[ξ·ms+j]: tile j's row r to y[r][4j…4j+3], the columns
// from ow on dropped (4tw−3 ≤ ow ≤ 4tw). A nil y[r] is skipped. It writes
// exactly columns [0, ow) of the other rows, and may read m's planes up to
// roundUp(tw, 8) lanes.
func OutputRow4(y [4][]float32, ow int, m []float32, ms, tw int, bias float32) {
	if tw <= 0 {
		return
	}
	checkPlanes4("OutputRow4", m, ms, tw)
	checkRows4("OutputRow4", &y, ow, tw)
	outputRow4(&y, ow, m, ms, tw, bias)
}

// SpreadRow4 writes Ŷ = A dY Aᵀ for tw tiles, tile j's dY being columns
// 4j…4j+3 of the rows d[0…3] (zero from column ow on, and where d[r] is
// nil), its element ξ going to m[ξ·ms+j]. It reads exactly columns [0, ow)
// of d's rows, and may write m[ξ·ms+j] for tw ≤ j < roundUp(tw, 8) as
// InputRow4 does.
func SpreadRow4(m []float32, ms int, d [4][]float32, ow, tw int) {
	if tw <= 0 {
		return
	}
	checkPlanes4("SpreadRow4", m, ms, tw)
	checkRows4("SpreadRow4", &d, ow, tw)
	spreadRow4(m, ms, &d, ow, tw)
}

// InputGradRow4 adds B dV Bᵀ for tw tiles into columns 4j…4j+5 of the
// rows p[r·wp:], r = 0…5, dV's element ξ of tile j being v[ξ·vs+j]
// (neighbouring windows overlap by two columns; both add). p must hold
// Slack4 floats past 5·wp+4·tw+2, which the assembly reads (whole
// vectors) but leaves as they are.
func InputGradRow4(p []float32, wp int, v []float32, vs, tw int) {
	if tw <= 0 {
		return
	}
	checkPlanes4("InputGradRow4", v, vs, tw)
	checkImage4("InputGradRow4", p, wp, tw)
	inputGradRow4(p, wp, v, vs, tw)
}

// Slack4 is how many floats the image rows of InputRow4 and InputGradRow4
// must hold beyond the last window: the assembly reads 8 tiles' windows
// (36 columns) from the first tile of a group of 8, and a last group may
// have a single tile.
const Slack4 = 32

func checkPlanes4(fn string, x []float32, stride, tw int) {
	if stride < roundUp(tw, 8) || len(x) < 35*stride+roundUp(tw, 8) {
		panic(fmt.Sprintf("wino.%s: 36 planes %d apart of %d tiles (rounded up to %d) in %d floats", fn, stride, tw, roundUp(tw, 8), len(x)))
	}
}

// checkImage4 checks that p holds 6 image rows wp apart for tw tiles'
// windows, and Slack4 floats after them.
func checkImage4(fn string, p []float32, wp, tw int) {
	if wp < 4*tw+2 || len(p) < 5*wp+4*tw+2+Slack4 {
		panic(fmt.Sprintf("wino.%s: %d floats for 6 rows %d apart and %d tiles (%d columns, %d floats of slack)", fn, len(p), wp, tw, 4*tw+2, Slack4))
	}
}

func checkRows4(fn string, y *[4][]float32, ow, tw int) {
	if ow > 4*tw || ow < 4*tw-3 {
		panic(fmt.Sprintf("wino.%s: %d columns for %d tiles of 4", fn, ow, tw))
	}
	for r, row := range y {
		if row != nil && len(row) < ow {
			panic(fmt.Sprintf("wino.%s: row %d has %d floats for %d columns", fn, r, len(row), ow))
		}
	}
}

// bt is Bᵀ x for the 6 values x: the rows of Bᵀ are
// [1 1.5 −2 −1.5 1 0], [0 −1 −2.5 −0.5 1 0], [0 1 0.5 −2.5 1 0],
// [0 −0.5 −1 0.5 1 0], [0 2 −1 −2 1 0] and [0 1 1.5 −2 −1.5 1] (the
// points 0, 1, −1, 2, −1/2 and ∞). No value enters an output twice with
// opposite signs, so nothing cancels inside the transform; 1.5·x is
// x + x/2 (one rounding, as a product would be). The products are
// converted to float32 explicitly, which keeps Go from fusing them into
// the sums: every build rounds as the assembly does (the same operations
// in the same order).
func bt(x0, x1, x2, x3, x4, x5 float32) (r0, r1, r2, r3, r4, r5 float32) {
	p, q := x1-x3, x4-x2
	hp := float32(0.5 * p)
	r3 = q - hp
	r0 = ((x0 - x2) + q) + (p + hp)
	r4 = q + (p + p)
	hq := float32(0.5 * q)
	r5 = ((x5 - x3) + p) - (q + hq)
	r1 = (x4 - x1) - (float32(2.5*x2) + float32(0.5*x3))
	r2 = (x4 + x1) + (float32(0.5*x2) - float32(2.5*x3))
	return
}

// at is Aᵀ m for the 6 values m: the rows of Aᵀ are [1 1 1 1 1 0],
// [0 1 −1 2 −0.5 0], [0 1 1 4 0.25 0] and [0 1 −1 8 −0.125 1]; its
// products are exact.
func at(m0, m1, m2, m3, m4, m5 float32) (y0, y1, y2, y3 float32) {
	a, b := m1+m2, m1-m2
	y0 = (m0 + a) + (m3 + m4)
	y1 = b + (float32(2*m3) - float32(0.5*m4))
	y2 = a + (float32(4*m3) + float32(0.25*m4))
	y3 = (b + m5) + (float32(8*m3) - float32(0.125*m4))
	return
}

// a4 is A y for the 4 values y, A being Aᵀ's transpose (6×4).
func a4(y0, y1, y2, y3 float32) (o0, o1, o2, o3, o4, o5 float32) {
	e, o := y0+y2, y1+y3
	o3 = (y0 + float32(4*y2)) + (float32(2*y1) + float32(8*y3))
	o4 = (y0 + float32(0.25*y2)) - (float32(0.5*y1) + float32(0.125*y3))
	return y0, e + o, e - o, o3, o4, y3
}

// b6 is B x for the 6 values x, B being Bᵀ's transpose: its rows are
// [1 0 0 0 0 0], [1.5 −1 1 −0.5 2 1], [−2 −2.5 0.5 −1 −1 1.5],
// [−1.5 −0.5 −2.5 0.5 −2 −2], [1 1 1 1 1 −1.5] and [0 0 0 0 0 1], summed
// without cancellation as bt's.
func b6(x0, x1, x2, x3, x4, x5 float32) (w0, w1, w2, w3, w4, w5 float32) {
	pb := (float32(1.5*x0) - float32(0.5*x3)) + (float32(2*x4) + x5)
	w1 = pb + (x2 - x1)
	u := x3 + x4
	k := float32(1.5 * x5)
	w4 = ((x0 + x1) + (x2 + u)) - k
	w2 = (float32(0.5*x2) + k) - ((float32(2*x0) + float32(2.5*x1)) + u)
	w3 = -(pb + ((float32(0.5*x1) + float32(2.5*x2)) + x5))
	return x0, w1, w2, w3, w4, x5
}

// inputRow4Go is InputRow4 in Go: for each tile, Bᵀ of the window's six
// columns (T's column c is bt of the six rows' column 4j+c), then bt of
// each row of T.
func inputRow4Go(v []float32, vs int, p []float32, wp, tw int) {
	var rows [6][]float32
	for r := range rows {
		rows[r] = p[r*wp:][:4*tw+2]
	}
	for j := 0; j < tw; j++ {
		var t [6][6]float32 // t[a][c]
		for c := range 6 {
			x := 4*j + c
			t[0][c], t[1][c], t[2][c], t[3][c], t[4][c], t[5][c] =
				bt(rows[0][x], rows[1][x], rows[2][x], rows[3][x], rows[4][x], rows[5][x])
		}
		for a := range 6 {
			o := v[6*a*vs+j:]
			o[0], o[vs], o[2*vs], o[3*vs], o[4*vs], o[5*vs] =
				bt(t[a][0], t[a][1], t[a][2], t[a][3], t[a][4], t[a][5])
		}
	}
}

// outputRow4Go is OutputRow4 in Go: for each tile, Aᵀ of M's six columns
// (T's column b is at of M's column b), then at of each row of T. The
// bias is added to M[1][1]: column 1 of Aᵀ is all ones, so every output
// gets it, for one addition per tile instead of 16.
func outputRow4Go(y *[4][]float32, ow int, m []float32, ms, tw int, bias float32) {
	for j := 0; j < tw; j++ {
		var t [4][6]float32 // t[r][b]
		for b := range 6 {
			c := m[b*ms+j:]
			m1 := c[6*ms]
			if b == 1 {
				m1 += bias
			}
			t[0][b], t[1][b], t[2][b], t[3][b] = at(c[0], m1, c[12*ms], c[18*ms], c[24*ms], c[30*ms])
		}
		x := 4 * j
		n := min(4, ow-x)
		for r, row := range y {
			if row == nil {
				continue
			}
			var o [4]float32
			o[0], o[1], o[2], o[3] = at(t[r][0], t[r][1], t[r][2], t[r][3], t[r][4], t[r][5])
			copy(row[x:x+n], o[:n])
		}
	}
}

// spreadRow4Go is SpreadRow4 in Go: for each tile, A of each of dY's
// rows (U's row r is a4 of dY's row r), then A of each column of U.
func spreadRow4Go(m []float32, ms int, d *[4][]float32, ow, tw int) {
	for j := 0; j < tw; j++ {
		x := 4 * j
		var u [4][6]float32 // u[r][b]
		for r, row := range d {
			var dy [4]float32
			if row != nil {
				copy(dy[:], row[x:min(x+4, ow)])
			}
			u[r][0], u[r][1], u[r][2], u[r][3], u[r][4], u[r][5] = a4(dy[0], dy[1], dy[2], dy[3])
		}
		for b := range 6 {
			o := m[b*ms+j:]
			o[0], o[6*ms], o[12*ms], o[18*ms], o[24*ms], o[30*ms] = a4(u[0][b], u[1][b], u[2][b], u[3][b])
		}
	}
}

// inputGradRow4Go is InputGradRow4 in Go: for each tile, B of dV's six
// columns (U's column b is b6 of dV's column b), then B of each row of U,
// the window W. Row r's columns 4j and 4j+1 receive W[r][0] + W'[r][4]
// and W[r][1] + W'[r][5], W' being tile j−1's window (zero for the first
// tile), added to the row after that sum, as the assembly does; the
// columns 4tw and 4tw+1 receive 0 + W'[r][4] and 0 + W'[r][5] (the
// assembly's zero tile after the last).
func inputGradRow4Go(p []float32, wp int, v []float32, vs, tw int) {
	var carry [6][2]float32 // tile j−1's last two columns, per row
	for j := 0; j < tw; j++ {
		var u [6][6]float32 // u[r][b]
		for b := range 6 {
			c := v[b*vs+j:]
			u[0][b], u[1][b], u[2][b], u[3][b], u[4][b], u[5][b] =
				b6(c[0], c[6*vs], c[12*vs], c[18*vs], c[24*vs], c[30*vs])
		}
		x := 4 * j
		for r := range u {
			w0, w1, w2, w3, w4, w5 := b6(u[r][0], u[r][1], u[r][2], u[r][3], u[r][4], u[r][5])
			row := p[r*wp+x:][:4]
			row[0] += w0 + carry[r][0]
			row[1] += w1 + carry[r][1]
			row[2] += w2
			row[3] += w3
			carry[r] = [2]float32{w4, w5}
		}
	}
	var zero float32
	for r := range carry {
		row := p[r*wp+4*tw:][:2]
		row[0] += zero + carry[r][0]
		row[1] += zero + carry[r][1]
	}
}
