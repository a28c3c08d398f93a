package wino

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

func randFill(r *rand.Rand, x []float32) {
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
}

// same reports the first index where a and b differ (−0 and +0 are equal:
// the assembly adds zeros where the Go form adds nothing).
func same(a, b []float32) error {
	for i := range a {
		if a[i] != b[i] {
			return fmt.Errorf("element %d: %v (Go) vs %v (assembly)", i, a[i], b[i])
		}
	}
	return nil
}

// TestAssemblyMatchesGo runs each transform in Go and in assembly on the
// same random buffers, for rows of 1 to 25 tiles, odd and even widths,
// with and without a second row, and compares the whole buffers: the
// same bits where they write, nothing written elsewhere.
func TestAssemblyMatchesGo(t *testing.T) {
	if !hasAVX2 {
		t.Skip("no AVX2: only the Go form runs")
	}
	r := rand.New(rand.NewPCG(5, 7))
	for tw := 1; tw <= 25; tw++ {
		for _, odd := range []bool{false, true} {
			for _, second := range []bool{false, true} {
				name := fmt.Sprintf("tw%d odd%v second%v", tw, odd, second)
				stride := tw + r.IntN(20)
				planes := make([]float32, 15*stride+roundUp(tw, 8)+r.IntN(8))
				wp := 2*tw + 2 + r.IntN(5)
				img := make([]float32, 3*wp+2*tw+2+Slack+r.IntN(4))
				ow := 2 * tw
				if odd {
					ow--
				}
				check := func(what string, goFn, asmFn func(planes, img []float32)) {
					randFill(r, planes)
					randFill(r, img)
					p1, i1 := append([]float32(nil), planes...), append([]float32(nil), img...)
					goFn(p1, i1)
					asmFn(planes, img)
					if err := same(p1, planes); err != nil {
						t.Errorf("%s %s planes: %v", what, name, err)
					}
					if err := same(i1, img); err != nil {
						t.Errorf("%s %s image: %v", what, name, err)
					}
				}
				check("InputRow", func(v, p []float32) { inputRowGo(v, stride, p, wp, tw) },
					func(v, p []float32) { inputRow(v, stride, p, wp, tw) })
				check("InputGradRow", func(v, p []float32) { inputGradRowGo(p, wp, v, stride, tw) },
					func(v, p []float32) { inputGradRow(p, wp, v, stride, tw) })
				gap := r.IntN(3)
				rows := func(img []float32) (a, b []float32) {
					a = img[:ow]
					if second {
						b = img[ow+gap:][:ow]
					}
					return a, b
				}
				check("OutputRow", func(m, img []float32) {
					y0, y1 := rows(img)
					outputRowGo(y0, y1, ow, m, stride, tw, 0.25)
				}, func(m, img []float32) {
					y0, y1 := rows(img)
					outputRow(y0, y1, ow, m, stride, tw, 0.25)
				})
				check("SpreadRow", func(m, img []float32) {
					d0, d1 := rows(img)
					spreadRowGo(m, stride, d0, d1, ow, tw)
				}, func(m, img []float32) {
					d0, d1 := rows(img)
					spreadRow(m, stride, d0, d1, ow, tw)
				})
			}
		}
	}
}

// BenchmarkRows times each transform on a row of 12 tiles (the MNIST
// CNN's second layer, 24×24 outputs), in assembly and in Go: ns per tile.
func BenchmarkRows(b *testing.B) {
	const tw, stride = 12, 304
	r := rand.New(rand.NewPCG(1, 1))
	planes := make([]float32, 16*stride)
	img := make([]float32, 4*(2*tw+2)+Slack)
	randFill(r, planes)
	randFill(r, img)
	wp, ow := 2*tw+2, 2*tw
	forms := []struct {
		name                  string
		in, out, spread, grad func()
	}{
		{"asm",
			func() { inputRow(planes, stride, img, wp, tw) },
			func() { outputRow(img[:ow], img[wp:][:ow], ow, planes, stride, tw, 0) },
			func() { spreadRow(planes, stride, img[:ow], img[wp:][:ow], ow, tw) },
			func() { inputGradRow(img, wp, planes, stride, tw) }},
		{"go",
			func() { inputRowGo(planes, stride, img, wp, tw) },
			func() { outputRowGo(img[:ow], img[wp:][:ow], ow, planes, stride, tw, 0) },
			func() { spreadRowGo(planes, stride, img[:ow], img[wp:][:ow], ow, tw) },
			func() { inputGradRowGo(img, wp, planes, stride, tw) }},
	}
	for _, f := range forms {
		if f.name == "asm" && !hasAVX2 {
			continue
		}
		for _, c := range []struct {
			name string
			fn   func()
		}{{"input", f.in}, {"output", f.out}, {"spread", f.spread}, {"inputGrad", f.grad}} {
			b.Run(c.name+"/"+f.name, func(b *testing.B) {
				for b.Loop() {
					c.fn()
					// Keep the values bounded: inputGrad and output
					// feed back into the image.
					clear(img[:wp])
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/tw, "ns/tile")
			})
		}
	}
}
