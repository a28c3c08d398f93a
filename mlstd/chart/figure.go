package chart

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image/color"
	"math"
	"path/filepath"
	"strings"

	"github.com/gokernel/gokernel/internal/atomicfile"
	xfont "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// DPI is the resolution of PNG output: twice the 96 dots of a CSS inch,
// so figures stay sharp on HiDPI screens. MIMEMetadata tells the frontend
// to show them at half their pixel size.
const DPI = 192

// Default figure size in inches (576×384 CSS pixels).
const (
	DefaultWidth  = 6.0
	DefaultHeight = 4.0
)

// Figure is a chart ready to render. It wraps a gonum *plot.Plot and, when
// its data were unusable (NaN, ±Inf, mismatched lengths), the error instead
// of a picture: such a figure renders as its error text, PNG returns nil
// and Save returns the error. Check Err in code that must not go on with a
// bad chart; in a cell the error simply shows as the result.
type Figure struct {
	p    *plot.Plot
	err  error
	w, h float64 // inches
}

func newFigure(title string) *Figure {
	p := plot.New()
	p.Title.Text = title
	sans(p)
	return &Figure{p: p, w: DefaultWidth, h: DefaultHeight}
}

func failed(err error) *Figure {
	return &Figure{err: err, w: DefaultWidth, h: DefaultHeight}
}

// sansFont returns Liberation Sans at size points.
func sansFont(size vg.Length) font.Font {
	return font.From(font.Font{Typeface: "Liberation", Variant: "Sans"}, size)
}

// sans switches every text of p to a sans-serif face (gonum's default is
// serif) and gives the title some weight.
func sans(p *plot.Plot) {
	p.Title.TextStyle.Font = font.From(font.Font{Typeface: "Liberation", Variant: "Sans", Weight: xfont.WeightBold}, 13)
	p.Title.Padding = vg.Points(6)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = sansFont(11)
		a.Tick.Label.Font = sansFont(9.5)
	}
	p.Legend.TextStyle.Font = sansFont(10)
}

// padX widens the x range by frac of its span on each side, so that the
// outermost marks and tick labels are not cut by the image edge.
func padX(p *plot.Plot, frac float64) {
	d := (p.X.Max - p.X.Min) * frac
	if d == 0 {
		d = 0.5
	}
	p.X.Min -= d
	p.X.Max += d
}

// padY is padX for the y axis.
func padY(p *plot.Plot, frac float64) {
	d := (p.Y.Max - p.Y.Min) * frac
	if d == 0 {
		d = 0.5
	}
	p.Y.Min -= d
	p.Y.Max += d
}

// Err returns the data error that kept the figure from being drawn, or nil.
func (f *Figure) Err() error { return f.err }

// Plot returns the underlying gonum plot for customisation beyond this
// package (nil for a figure that carries an error).
func (f *Figure) Plot() *plot.Plot { return f.p }

// Size sets the size in inches (defaults 6×4) and returns f. Non-positive
// values keep the current size.
func (f *Figure) Size(width, height float64) *Figure {
	if width > 0 && height > 0 {
		f.w, f.h = width, height
	}
	return f
}

// EpochAxis labels the x axis "epoch" with whole-number ticks (what Lines
// does) and returns f; for LinesXY charts whose x values are epochs.
func (f *Figure) EpochAxis() *Figure {
	if f.p != nil {
		f.p.X.Label.Text = "epoch"
		f.p.X.Tick.Marker = integerTicks{}
	}
	return f
}

// Labels sets the x and y axis labels and returns f.
func (f *Figure) Labels(x, y string) *Figure {
	if f.p != nil {
		f.p.X.Label.Text, f.p.Y.Label.Text = x, y
	}
	return f
}

// Render writes the figure in the given format ("png", "svg", "jpg",
// "tiff") to a byte slice. PDF is not offered: its fonts are not embedded.
func (f *Figure) Render(format string) ([]byte, error) {
	if f.err != nil {
		return nil, f.err
	}
	w, h := vg.Length(f.w)*vg.Inch, vg.Length(f.h)*vg.Inch
	var buf bytes.Buffer
	switch strings.ToLower(format) {
	case "png":
		c := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(DPI))
		f.p.Draw(draw.New(c))
		if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&buf); err != nil {
			return nil, fmt.Errorf("chart: png: %w", err)
		}
	case "svg":
		c := vgsvg.New(w, h)
		f.p.Draw(draw.New(c))
		if _, err := c.WriteTo(&buf); err != nil {
			return nil, fmt.Errorf("chart: svg: %w", err)
		}
	default:
		wt, err := f.p.WriterTo(w, h, format)
		if err != nil {
			return nil, fmt.Errorf("chart: %w", err)
		}
		if _, err := wt.WriteTo(&buf); err != nil {
			return nil, fmt.Errorf("chart: %s: %w", format, err)
		}
	}
	return buf.Bytes(), nil
}

// PNG returns the figure as a PNG at DPI dots per inch, or nil if it
// carries an error.
func (f *Figure) PNG() []byte {
	b, _ := f.Render("png")
	return b
}

// SVG returns the figure as SVG source, or "" if it carries an error.
func (f *Figure) SVG() string {
	b, _ := f.Render("svg")
	return string(b)
}

// MIMEBundle is what a notebook shows for the figure: the PNG and the
// String text, or only the error text for a figure that carries an error.
// SVG is left out (frontends would prefer it to the PNG); show it on
// request with display.SVG(f.SVG()).
func (f *Figure) MIMEBundle() map[string]any {
	png := f.PNG()
	if png == nil {
		return map[string]any{"text/plain": f.String()}
	}
	return map[string]any{"image/png": base64.StdEncoding.EncodeToString(png), "text/plain": f.String()}
}

// MIMEMetadata asks the frontend to show the 2× PNG at its size in CSS
// pixels.
func (f *Figure) MIMEMetadata() map[string]any {
	return map[string]any{"image/png": map[string]any{"width": int(f.w * 96), "height": int(f.h * 96)}}
}

// String describes the figure, e.g. `Figure("loss", 6×4 in)`, or returns
// its error text.
func (f *Figure) String() string {
	if f.err != nil {
		return f.err.Error()
	}
	return fmt.Sprintf("Figure(%q, %g×%g in)", f.p.Title.Text, f.w, f.h)
}

// Save writes the figure to path in the format named by its extension
// (.png, .svg, .jpg, .tiff). The write is atomic (internal/atomicfile): a
// temporary file in the same directory is renamed over path.
func (f *Figure) Save(path string) error {
	format := strings.TrimPrefix(filepath.Ext(path), ".")
	if format == "" {
		return fmt.Errorf("chart: save %s: no extension to choose a format", path)
	}
	data, err := f.Render(format)
	if err != nil {
		return err
	}
	if err := atomicfile.Write(path, data, 0o644); err != nil {
		return fmt.Errorf("chart: save: %w", err)
	}
	return nil
}

// checkFinite reports the first NaN or infinite value of v as an error
// naming the chart and the series.
func checkFinite(chart, series string, v []float64) error {
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			where := ""
			if series != "" {
				where = fmt.Sprintf(" series %q", series)
			}
			return fmt.Errorf("chart: %s:%s value %d is %v; drop or replace non-finite values before plotting", chart, where, i, x)
		}
	}
	return nil
}

// palette10 is matplotlib's "tab10" cycle, the colours PyTorch users know.
func seriesColor(i int) color.Color {
	c := [...]color.RGBA{
		{31, 119, 180, 255}, {255, 127, 14, 255}, {44, 160, 44, 255}, {214, 39, 40, 255},
		{148, 103, 189, 255}, {140, 86, 75, 255}, {227, 119, 194, 255}, {127, 127, 127, 255},
		{188, 189, 34, 255}, {23, 190, 207, 255},
	}
	return c[i%len(c)]
}
