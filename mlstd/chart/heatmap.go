package chart

import (
	"fmt"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Heatmap draws a matrix as coloured cells (white to dark blue, like
// sklearn's confusion-matrix display) with each value written in its cell.
// Row 0 is at the top. rowLabels and colLabels name the rows and columns;
// nil means numbering them from 0. All rows must have the same length.
func Heatmap(title string, values [][]float64, rowLabels, colLabels []string) *Figure {
	rows := len(values)
	if rows == 0 || len(values[0]) == 0 {
		return failed(fmt.Errorf("chart: %s: empty matrix", title))
	}
	cols := len(values[0])
	for i, r := range values {
		if len(r) != cols {
			return failed(fmt.Errorf("chart: %s: row %d has %d values, row 0 has %d", title, i, len(r), cols))
		}
		if err := checkFinite(title, fmt.Sprintf("row %d", i), r); err != nil {
			return failed(err)
		}
	}
	if rowLabels == nil {
		rowLabels = numbers(rows)
	}
	if colLabels == nil {
		colLabels = numbers(cols)
	}
	if len(rowLabels) != rows || len(colLabels) != cols {
		return failed(fmt.Errorf("chart: %s: %d×%d labels for a %d×%d matrix", title, len(rowLabels), len(colLabels), rows, cols))
	}
	g := grid{v: values}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, r := range values {
		for _, v := range r {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	f := newFigure(title)
	pal := blues(256)
	h := plotter.NewHeatMap(g, pal)
	if lo == hi {
		h.Min, h.Max = lo-1, hi
	}
	f.p.Add(h)
	f.p.X.Tick.Marker = ticksAt(colLabels, false)
	f.p.Y.Tick.Marker = ticksAt(rowLabels, true)
	f.p.X.Padding, f.p.Y.Padding = 0, 0
	if rows*cols <= 400 {
		f.p.Add(cellLabels(values, lo, hi, cols >= 12))
	}
	if cols == rows {
		side := math.Min(8, math.Max(4, 2+0.45*float64(cols)))
		f.Size(side+0.6, side)
	}
	return f
}

// Confusion draws a confusion matrix: counts[i][j] is the number of
// examples of true class i predicted as j. classes names the classes (nil
// numbers them). The y axis is the true class, the x axis the prediction.
func Confusion(title string, counts [][]int, classes []string) *Figure {
	v := make([][]float64, len(counts))
	for i, r := range counts {
		v[i] = make([]float64, len(r))
		for j, c := range r {
			v[i][j] = float64(c)
		}
	}
	f := Heatmap(title, v, classes, classes)
	return f.Labels("predicted", "true")
}

// grid adapts a row-major matrix (row 0 on top) to plotter.GridXYZ.
type grid struct{ v [][]float64 }

func (g grid) Dims() (c, r int)   { return len(g.v[0]), len(g.v) }
func (g grid) Z(c, r int) float64 { return g.v[len(g.v)-1-r][c] }
func (g grid) X(c int) float64    { return float64(c) }
func (g grid) Y(r int) float64    { return float64(r) }

// cellLabels writes each value in its cell, white on dark cells.
func cellLabels(values [][]float64, lo, hi float64, small bool) *plotter.Labels {
	rows := len(values)
	l := &plotter.Labels{}
	size := vg.Length(10)
	if small {
		size = 7.5
	}
	for i, r := range values {
		for j, v := range r {
			l.XYs = append(l.XYs, plotter.XY{X: float64(j), Y: float64(rows - 1 - i)})
			l.Labels = append(l.Labels, cellText(v))
			c := color.Color(color.Black)
			if hi > lo && (v-lo)/(hi-lo) > 0.55 {
				c = color.White
			}
			l.TextStyle = append(l.TextStyle, text.Style{
				Color: c, Font: sansFont(size), XAlign: draw.XCenter, YAlign: draw.YCenter,
				Handler: plot.DefaultTextHandler,
			})
		}
	}
	return l
}

// cellText writes whole numbers (counts) in full and others with three
// significant digits.
func cellText(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e7 {
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

func numbers(n int) []string {
	s := make([]string, n)
	for i := range s {
		s[i] = strconv.Itoa(i)
	}
	return s
}

// blues is a white-to-navy ramp (matplotlib's "Blues" end points).
type blues int

func (n blues) Colors() []color.Color {
	lo, hi := [3]float64{247, 251, 255}, [3]float64{8, 48, 107}
	c := make([]color.Color, int(n))
	for i := range c {
		t := float64(i) / float64(len(c)-1)
		c[i] = color.RGBA{uint8(lo[0] + t*(hi[0]-lo[0])), uint8(lo[1] + t*(hi[1]-lo[1])), uint8(lo[2] + t*(hi[2]-lo[2])), 255}
	}
	return c
}

var _ palette.Palette = blues(2)
