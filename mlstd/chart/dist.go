package chart

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// Hist plots a histogram of values in the given number of equal-width
// bins (bins ≤ 0 means 50).
func Hist(title string, values []float64, bins int) *Figure {
	return Hists(title, nil, [][]float64{values}, bins)
}

// Hists overlays histograms of several named samples on shared bins, with
// translucent fills and a legend; for example the weights of a layer
// before and after pruning:
//
//	chart.Hists("fc1 weights", []string{"before", "after"}, [][]float64{w0, w1}, 80)
func Hists(title string, names []string, samples [][]float64, bins int) *Figure {
	if bins <= 0 {
		bins = 50
	}
	if names != nil && len(names) != len(samples) {
		return failed(fmt.Errorf("chart: %s: %d names for %d samples", title, len(names), len(samples)))
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, s := range samples {
		name := ""
		if names != nil {
			name = names[i]
		}
		if err := checkFinite(title, name, s); err != nil {
			return failed(err)
		}
		for _, v := range s {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	if lo > hi {
		return failed(fmt.Errorf("chart: %s: no values to plot", title))
	}
	if lo == hi {
		lo, hi = lo-0.5, hi+0.5
	}
	width := (hi - lo) / float64(bins)
	f := newFigure(title)
	f.p.Y.Label.Text = "count"
	for i, s := range samples {
		h := &plotter.Histogram{Bins: make([]plotter.HistogramBin, bins), Width: width}
		for b := range h.Bins {
			h.Bins[b].Min = lo + float64(b)*width
			h.Bins[b].Max = lo + float64(b+1)*width
		}
		for _, v := range s {
			b := min(int((v-lo)/width), bins-1)
			h.Bins[b].Weight++
		}
		c := seriesColor(i).(color.RGBA)
		alpha := uint8(255)
		if len(samples) > 1 {
			alpha = 150
		}
		h.FillColor = color.NRGBA{c.R, c.G, c.B, alpha}
		h.LineStyle.Width = vg.Points(0.4)
		h.LineStyle.Color = color.NRGBA{c.R / 2, c.G / 2, c.B / 2, 255}
		f.p.Add(h)
		if names != nil {
			f.p.Legend.Add(fmt.Sprintf("%s (n=%d)", names[i], len(s)), h)
		}
	}
	f.p.Legend.Top = true
	padX(f.p, 0.02)
	return f
}

// Bar plots one bar per label, e.g. per-class accuracy.
func Bar(title string, labels []string, values []float64) *Figure {
	if len(labels) != len(values) {
		return failed(fmt.Errorf("chart: %s: %d labels for %d values", title, len(labels), len(values)))
	}
	if err := checkFinite(title, "", values); err != nil {
		return failed(err)
	}
	f := newFigure(title)
	b, err := plotter.NewBarChart(plotter.Values(values), vg.Points(max(2, 0.6*380/float64(max(1, len(values))))))
	if err != nil {
		return failed(fmt.Errorf("chart: %s: %w", title, err))
	}
	b.Color = seriesColor(0)
	b.LineStyle.Width = 0
	f.p.Add(plotter.NewGrid(), b)
	f.p.NominalX(labels...)
	f.p.X.Min, f.p.X.Max = -0.6, float64(len(values))-0.4
	return f
}

// ticksAt labels positions 0..len(labels)-1 (or n-1..0 when reversed).
func ticksAt(labels []string, reversed bool) plot.ConstantTicks {
	t := make(plot.ConstantTicks, len(labels))
	for i, l := range labels {
		v := float64(i)
		if reversed {
			v = float64(len(labels) - 1 - i)
		}
		t[i] = plot.Tick{Value: v, Label: l}
	}
	return t
}
