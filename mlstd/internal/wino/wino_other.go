//go:build !amd64 || purego

package wino

// hasAVX2 is false: this build has no assembly.
const hasAVX2 = false

func inputRow(v []float32, vs int, p []float32, wp, tw int) { inputRowGo(v, vs, p, wp, tw) }

func outputRow(y0, y1 []float32, ow int, m []float32, ms, tw int, bias float32) {
	outputRowGo(y0, y1, ow, m, ms, tw, bias)
}

func spreadRow(m []float32, ms int, d0, d1 []float32, ow, tw int) {
	spreadRowGo(m, ms, d0, d1, ow, tw)
}

func inputGradRow(p []float32, wp int, v []float32, vs, tw int) {
	inputGradRowGo(p, wp, v, vs, tw)
}

func inputRow4(v []float32, vs int, p []float32, wp, tw int) { inputRow4Go(v, vs, p, wp, tw) }

func outputRow4(y *[4][]float32, ow int, m []float32, ms, tw int, bias float32) {
	outputRow4Go(y, ow, m, ms, tw, bias)
}

func spreadRow4(m []float32, ms int, d *[4][]float32, ow, tw int) { spreadRow4Go(m, ms, d, ow, tw) }

func inputGradRow4(p []float32, wp int, v []float32, vs, tw int) { inputGradRow4Go(p, wp, v, vs, tw) }
