package wino

import "fmt"

// InputRow writes V = Bᵀ d B for tw tiles: tile j's window d is columns
// 2j…2j+3 of the rows p[0:], p[wp:], p[2·wp:] and p[3·wp:], and V's
// element ξ goes to v[ξ·vs+j]. p must hold Slack more floats than the
// rows' last window reaches (the assembly reads whole vectors).
func InputRow(v []float32, vs int, p []float32, wp, tw int) {
	if tw <= 0 {
		return
	}
	checkPlanes("InputRow", v, vs, tw)
	checkImage("InputRow", p, wp, tw)
	inputRow(v, vs, p, wp, tw)
}

// OutputRow writes Y = Aᵀ M A plus bias for tw tiles, M's element ξ of
// tile j being m[ξ·ms+j]: tile j's top row to y0[2j] and y0[2j+1], its
// bottom row to y1's (unless y1 is nil), the columns from ow on dropped.
func OutputRow(y0, y1 []float32, ow int, m []float32, ms, tw int, bias float32) {
	if tw <= 0 {
		return
	}
	checkPlanes("OutputRow", m, ms, tw)
	if ow > 2*tw || ow < 2*tw-1 || len(y0) < ow || y1 != nil && len(y1) < ow {
		panic(fmt.Sprintf("wino.OutputRow: rows of %d and %d for %d columns of %d tiles", len(y0), len(y1), ow, tw))
	}
	outputRow(y0, y1, ow, m, ms, tw, bias)
}

// SpreadRow writes Ŷ = A dY Aᵀ for tw tiles, tile j's dY being columns 2j
// and 2j+1 of the rows d0 and d1 (zero from column ow on, and where d1 is
// nil), its element ξ going to m[ξ·ms+j].
func SpreadRow(m []float32, ms int, d0, d1 []float32, ow, tw int) {
	if tw <= 0 {
		return
	}
	checkPlanes("SpreadRow", m, ms, tw)
	if ow > 2*tw || ow < 2*tw-1 || len(d0) < ow || d1 != nil && len(d1) < ow {
		panic(fmt.Sprintf("wino.SpreadRow: rows of %d and %d for %d columns of %d tiles", len(d0), len(d1), ow, tw))
	}
	spreadRow(m, ms, d0, d1, ow, tw)
}

// InputGradRow adds B dV Bᵀ for tw tiles into columns 2j…2j+3 of the rows
// p[0:], p[wp:], p[2·wp:] and p[3·wp:], dV's element ξ of tile j being
// v[ξ·vs+j]. p must hold Slack more floats than the last window reaches;
// the assembly adds zeros there.
func InputGradRow(p []float32, wp int, v []float32, vs, tw int) {
	if tw <= 0 {
		return
	}
	checkPlanes("InputGradRow", v, vs, tw)
	checkImage("InputGradRow", p, wp, tw)
	inputGradRow(p, wp, v, vs, tw)
}

// Slack is how many floats the image rows of InputRow and InputGradRow
// must hold beyond the last window: a vector of 8 tiles reaches 18
// columns from its first.
const Slack = 16

// checkImage checks that p holds 4 image rows wp apart for tw tiles'
// windows, and Slack floats after them.
func checkImage(fn string, p []float32, wp, tw int) {
	if len(p) < 3*wp+2*tw+2+Slack {
		panic(fmt.Sprintf("wino.%s: %d floats for 4 rows of %d and %d tiles", fn, len(p), wp, tw))
	}
}

func checkPlanes(fn string, x []float32, stride, tw int) {
	if stride < tw || len(x) < 15*stride+roundUp(tw, 8) {
		panic(fmt.Sprintf("wino.%s: 16 planes %d apart of %d tiles in %d floats (the last rounded up to 8 tiles)", fn, stride, tw, len(x)))
	}
}

func roundUp(x, unit int) int { return (x + unit - 1) / unit * unit }

// inputRowGo is InputRow in Go. Bᵀ d's rows are t0 = d0−d2, t1 = d1+d2,
// t2 = d2−d1, t3 = d1−d3 (dr is row r of d); each row x of Bᵀ d gives
// x0−x2, x1+x2, x2−x1, x1−x3. Go keeps arrays in memory, so the tile is
// sixteen scalars.
func inputRowGo(v []float32, vs int, p []float32, wp, tw int) {
	r0, r1, r2, r3 := p[:2*tw+2], p[wp:][:2*tw+2], p[2*wp:][:2*tw+2], p[3*wp:][:2*tw+2]
	for j := 0; j < tw; j++ {
		x := 2 * j
		a0, a1, a2, a3 := r0[x], r0[x+1], r0[x+2], r0[x+3]
		b0, b1, b2, b3 := r1[x], r1[x+1], r1[x+2], r1[x+3]
		c0, c1, c2, c3 := r2[x], r2[x+1], r2[x+2], r2[x+3]
		d0, d1, d2, d3 := r3[x], r3[x+1], r3[x+2], r3[x+3]
		t00, t01, t02, t03 := a0-c0, a1-c1, a2-c2, a3-c3
		t10, t11, t12, t13 := b0+c0, b1+c1, b2+c2, b3+c3
		t20, t21, t22, t23 := c0-b0, c1-b1, c2-b2, c3-b3
		t30, t31, t32, t33 := b0-d0, b1-d1, b2-d2, b3-d3
		v[j] = t00 - t02
		v[vs+j] = t01 + t02
		v[2*vs+j] = t02 - t01
		v[3*vs+j] = t01 - t03
		v[4*vs+j] = t10 - t12
		v[5*vs+j] = t11 + t12
		v[6*vs+j] = t12 - t11
		v[7*vs+j] = t11 - t13
		v[8*vs+j] = t20 - t22
		v[9*vs+j] = t21 + t22
		v[10*vs+j] = t22 - t21
		v[11*vs+j] = t21 - t23
		v[12*vs+j] = t30 - t32
		v[13*vs+j] = t31 + t32
		v[14*vs+j] = t32 - t31
		v[15*vs+j] = t31 - t33
	}
}

// outputRowGo is OutputRow in Go. Aᵀ M's rows are s = m0+m1+m2 and
// d = m1−m2−m3 (mr is row r of M); each row x gives x0+x1+x2 and
// x1−x2−x3.
func outputRowGo(y0, y1 []float32, ow int, m []float32, ms, tw int, bias float32) {
	for j := 0; j < tw; j++ {
		m00, m01, m02, m03 := m[j], m[ms+j], m[2*ms+j], m[3*ms+j]
		m10, m11, m12, m13 := m[4*ms+j], m[5*ms+j], m[6*ms+j], m[7*ms+j]
		m20, m21, m22, m23 := m[8*ms+j], m[9*ms+j], m[10*ms+j], m[11*ms+j]
		m30, m31, m32, m33 := m[12*ms+j], m[13*ms+j], m[14*ms+j], m[15*ms+j]
		s0, s1, s2, s3 := m00+m10+m20, m01+m11+m21, m02+m12+m22, m03+m13+m23
		d0, d1, d2, d3 := m10-m20-m30, m11-m21-m31, m12-m22-m32, m13-m23-m33
		x := 2 * j
		y0[x] = s0 + s1 + s2 + bias
		if x+1 < ow {
			y0[x+1] = s1 - s2 - s3 + bias
		}
		if y1 != nil {
			y1[x] = d0 + d1 + d2 + bias
			if x+1 < ow {
				y1[x+1] = d1 - d2 - d3 + bias
			}
		}
	}
}

// spreadRowGo is SpreadRow in Go. For the tile [a b; c e], A dY's rows
// [p q] are [a b], [a+c b+e], [a−c b−e], [−c −e]; each gives p, p+q,
// p−q, −q.
func spreadRowGo(m []float32, ms int, d0, d1 []float32, ow, tw int) {
	for j := 0; j < tw; j++ {
		x := 2 * j
		var a, b, c, e float32
		a = d0[x]
		if x+1 < ow {
			b = d0[x+1]
		}
		if d1 != nil {
			c = d1[x]
			if x+1 < ow {
				e = d1[x+1]
			}
		}
		p1, q1, p2, q2 := a+c, b+e, a-c, b-e
		p3, q3 := -c, -e
		m[j] = a
		m[ms+j] = a + b
		m[2*ms+j] = a - b
		m[3*ms+j] = -b
		m[4*ms+j] = p1
		m[5*ms+j] = p1 + q1
		m[6*ms+j] = p1 - q1
		m[7*ms+j] = -q1
		m[8*ms+j] = p2
		m[9*ms+j] = p2 + q2
		m[10*ms+j] = p2 - q2
		m[11*ms+j] = -q2
		m[12*ms+j] = p3
		m[13*ms+j] = p3 + q3
		m[14*ms+j] = p3 - q3
		m[15*ms+j] = -q3
	}
}

// inputGradRowGo is InputGradRow in Go. B X's rows are X0, X1−X2+X3,
// X1+X2−X0 and −X3 (Xr is row r of dV); each row z gives z0, z1−z2+z3,
// z1+z2−z0 and −z3 for the window's four columns. Column 2j receives
// tile j's first value and then tile j−1's third (carried), in that
// order, as the assembly adds them.
func inputGradRowGo(p []float32, wp int, v []float32, vs, tw int) {
	var carry [4][2]float32 // tile j−1's last two columns, per row
	for j := 0; j < tw; j++ {
		x00, x01, x02, x03 := v[j], v[vs+j], v[2*vs+j], v[3*vs+j]
		x10, x11, x12, x13 := v[4*vs+j], v[5*vs+j], v[6*vs+j], v[7*vs+j]
		x20, x21, x22, x23 := v[8*vs+j], v[9*vs+j], v[10*vs+j], v[11*vs+j]
		x30, x31, x32, x33 := v[12*vs+j], v[13*vs+j], v[14*vs+j], v[15*vs+j]
		rows := [4][4]float32{
			{x00, x01, x02, x03},
			{x10 - x20 + x30, x11 - x21 + x31, x12 - x22 + x32, x13 - x23 + x33},
			{x10 + x20 - x00, x11 + x21 - x01, x12 + x22 - x02, x13 + x23 - x03},
			{-x30, -x31, -x32, -x33},
		}
		x := 2 * j
		for r := range rows {
			z0, z1, z2, z3 := rows[r][0], rows[r][1], rows[r][2], rows[r][3]
			row := p[r*wp:]
			row[x] = row[x] + z0 + carry[r][0]
			row[x+1] = row[x+1] + (z1 - z2 + z3) + carry[r][1]
			carry[r] = [2]float32{z1 + z2 - z0, -z3}
		}
	}
	x := 2 * tw
	for r := range carry {
		row := p[r*wp:]
		row[x] += carry[r][0]
		row[x+1] += carry[r][1]
	}
}
