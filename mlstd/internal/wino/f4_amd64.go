//go:build amd64 && !purego

package wino

//go:noescape
func inputRow4AVX2(v *float32, vs int, p *float32, wp, tw int)

//go:noescape
func outputRow4AVX2(y0, y1, y2, y3 *float32, ow int, m *float32, ms, tw int, bias float32)

//go:noescape
func spreadRow4AVX2(m *float32, ms int, d0, d1, d2, d3 *float32, ow, tw int)

//go:noescape
func inputGradRow4AVX2(p *float32, wp int, v *float32, vs, tw int)

// The assembly does whole groups of 8 tiles: the planes' lanes up to
// roundUp(tw, 8) are room the caller keeps, and the image rows of
// InputRow4 and InputGradRow4 have Slack4 floats past the last window.
// OutputRow4 and SpreadRow4 stop at column ow (nil rows are nil
// pointers).

func inputRow4(v []float32, vs int, p []float32, wp, tw int) {
	if !hasAVX2 {
		inputRow4Go(v, vs, p, wp, tw)
		return
	}
	inputRow4AVX2(&v[0], vs, &p[0], wp, tw)
}

func outputRow4(y *[4][]float32, ow int, m []float32, ms, tw int, bias float32) {
	if !hasAVX2 {
		outputRow4Go(y, ow, m, ms, tw, bias)
		return
	}
	outputRow4AVX2(first(y[0], 0), first(y[1], 0), first(y[2], 0), first(y[3], 0), ow, &m[0], ms, tw, bias)
}

func spreadRow4(m []float32, ms int, d *[4][]float32, ow, tw int) {
	if !hasAVX2 {
		spreadRow4Go(m, ms, d, ow, tw)
		return
	}
	spreadRow4AVX2(&m[0], ms, first(d[0], 0), first(d[1], 0), first(d[2], 0), first(d[3], 0), ow, tw)
}

func inputGradRow4(p []float32, wp int, v []float32, vs, tw int) {
	if !hasAVX2 {
		inputGradRow4Go(p, wp, v, vs, tw)
		return
	}
	inputGradRow4AVX2(&p[0], wp, &v[0], vs, tw)
}
