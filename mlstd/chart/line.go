package chart

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Line plots one series against 1, 2, …, len(ys) — epochs on the x axis —
// e.g. chart.Line("training loss", losses). NaN or ±Inf values make a
// figure that carries an error (see Figure).
func Line(title string, ys []float64) *Figure {
	return Lines(title, nil, [][]float64{ys})
}

// Lines plots several named series against 1, 2, …, with a legend, e.g.
// chart.Lines("loss", []string{"train", "val"}, [][]float64{tr, va}). The
// series may differ in length. names may be nil (no legend) or must have
// one name per series.
func Lines(title string, names []string, series [][]float64) *Figure {
	xs := make([][]float64, len(series))
	for i, s := range series {
		xs[i] = make([]float64, len(s))
		for j := range s {
			xs[i][j] = float64(j + 1)
		}
	}
	return LinesXY(title, names, xs, series).EpochAxis()
}

// LinesXY plots several named series, each with its own x values (for
// example steps or learning rates). xs[i] and ys[i] must have equal length.
func LinesXY(title string, names []string, xs, ys [][]float64) *Figure {
	if names != nil && len(names) != len(ys) {
		return failed(fmt.Errorf("chart: %s: %d names for %d series", title, len(names), len(ys)))
	}
	if len(xs) != len(ys) {
		return failed(fmt.Errorf("chart: %s: %d x series for %d y series", title, len(xs), len(ys)))
	}
	f := newFigure(title)
	for i := range ys {
		name := ""
		if names != nil {
			name = names[i]
		}
		xy, err := points(title, name, xs[i], ys[i])
		if err != nil {
			return failed(err)
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			return failed(fmt.Errorf("chart: %s: %w", title, err))
		}
		l.LineStyle.Width = vg.Points(1.6)
		l.LineStyle.Color = seriesColor(i)
		f.p.Add(l)
		var mark *plotter.Scatter
		if len(ys[i]) <= 30 {
			mark, _ = plotter.NewScatter(xy)
			mark.GlyphStyle.Color = seriesColor(i)
			mark.GlyphStyle.Radius = vg.Points(2.2)
			mark.GlyphStyle.Shape = draw.CircleGlyph{}
			f.p.Add(mark)
		}
		if name != "" {
			if mark != nil {
				f.p.Legend.Add(name, l, mark)
			} else {
				f.p.Legend.Add(name, l)
			}
		}
	}
	f.p.Add(plotter.NewGrid())
	f.p.Legend.Top = true
	padX(f.p, 0.03)
	padY(f.p, 0.03)
	return f
}

// Scatter plots points (xs[i], ys[i]).
func Scatter(title string, xs, ys []float64) *Figure {
	xy, err := points(title, "", xs, ys)
	if err != nil {
		return failed(err)
	}
	f := newFigure(title)
	s, err := plotter.NewScatter(xy)
	if err != nil {
		return failed(fmt.Errorf("chart: %s: %w", title, err))
	}
	s.GlyphStyle.Color = seriesColor(0)
	s.GlyphStyle.Shape = draw.CircleGlyph{}
	s.GlyphStyle.Radius = vg.Points(2.5)
	f.p.Add(plotter.NewGrid(), s)
	padX(f.p, 0.03)
	padY(f.p, 0.03)
	return f
}

// points checks and pairs xs and ys.
func points(title, name string, xs, ys []float64) (plotter.XYs, error) {
	if len(xs) != len(ys) {
		return nil, fmt.Errorf("chart: %s: %d x values for %d y values", title, len(xs), len(ys))
	}
	if err := checkFinite(title, name, xs); err != nil {
		return nil, err
	}
	if err := checkFinite(title, name, ys); err != nil {
		return nil, err
	}
	xy := make(plotter.XYs, len(xs))
	for i := range xs {
		xy[i] = plotter.XY{X: xs[i], Y: ys[i]}
	}
	return xy, nil
}

// integerTicks keeps only whole-number ticks (epochs are counts), falling
// back to the default ticks when the range is too small to hold two.
type integerTicks struct{}

func (integerTicks) Ticks(min, max float64) []plot.Tick {
	var out []plot.Tick
	if max-min <= 21 {
		for v := math.Ceil(min); v <= max; v++ {
			out = append(out, plot.Tick{Value: v, Label: fmt.Sprint(int(v))})
		}
		if len(out) >= 1 {
			return out
		}
	}
	for _, t := range (plot.DefaultTicks{}).Ticks(min, max) {
		if t.Label == "" || t.Value == math.Trunc(t.Value) {
			out = append(out, t)
		}
	}
	return out
}
