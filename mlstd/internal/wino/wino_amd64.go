//go:build amd64 && !purego

package wino

import "golang.org/x/sys/cpu"

var hasAVX2 = cpu.X86.HasAVX2

//go:noescape
func inputRowAVX2(v *float32, vs int, p *float32, wp, tw int)

//go:noescape
func outputRowAVX2(y0, y1 *float32, ow int, m *float32, ms, tw int, bias float32)

//go:noescape
func spreadRowAVX2(m *float32, ms int, d0, d1 *float32, ow, tw int)

//go:noescape
func inputGradRowAVX2(p *float32, wp int, v *float32, vs, tw int)

// The assembly masks the stores of a last group of fewer than 8 tiles,
// which is slow on AMD's processors. When a row has 8 tiles or more, its
// last 8 are done again as one group instead (the same values written
// again).
func split(tw int) (head, tail int) {
	if tw > 8 && tw%8 != 0 {
		return tw &^ 7, tw - 8
	}
	return tw, -1
}

func inputRow(v []float32, vs int, p []float32, wp, tw int) {
	if !hasAVX2 {
		inputRowGo(v, vs, p, wp, tw)
		return
	}
	head, tail := split(tw)
	inputRowAVX2(&v[0], vs, &p[0], wp, head)
	if tail >= 0 {
		inputRowAVX2(&v[tail], vs, &p[2*tail], wp, 8)
	}
}

// outputRow passes y1 == nil as a nil pointer.
func outputRow(y0, y1 []float32, ow int, m []float32, ms, tw int, bias float32) {
	if !hasAVX2 {
		outputRowGo(y0, y1, ow, m, ms, tw, bias)
		return
	}
	head, tail := split(tw)
	outputRowAVX2(&y0[0], first(y1, 0), min(ow, 2*head), &m[0], ms, head, bias)
	if tail >= 0 {
		outputRowAVX2(&y0[2*tail], first(y1, 2*tail), ow-2*tail, &m[tail], ms, 8, bias)
	}
}

// first is &x[i], or nil when x is nil.
func first(x []float32, i int) *float32 {
	if x == nil {
		return nil
	}
	return &x[i]
}

func spreadRow(m []float32, ms int, d0, d1 []float32, ow, tw int) {
	if !hasAVX2 {
		spreadRowGo(m, ms, d0, d1, ow, tw)
		return
	}
	head, tail := split(tw)
	spreadRowAVX2(&m[0], ms, &d0[0], first(d1, 0), min(ow, 2*head), head)
	if tail >= 0 {
		spreadRowAVX2(&m[tail], ms, &d0[2*tail], first(d1, 2*tail), ow-2*tail, 8)
	}
}

func inputGradRow(p []float32, wp int, v []float32, vs, tw int) {
	if !hasAVX2 {
		inputGradRowGo(p, wp, v, vs, tw)
		return
	}
	inputGradRowAVX2(&p[0], wp, &v[0], vs, tw)
}
