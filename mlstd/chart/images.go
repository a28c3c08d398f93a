package chart

import (
	"fmt"
	"image"
	"image/color"
	"math"

	"github.com/gokernel/gokernel/mlstd/tensor"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// ImageGrid draws grey-scale images in a grid of cols columns (cols ≤ 0
// picks about a square), each with its caption underneath when captions
// is not nil. images has shape [n, h, w], [n, 1, h, w] (a batch of
// one-channel images, as a Conv2d takes them; also a first layer's
// filters, [out, 1, kH, kW]) or [n, h*w] with h*w a perfect square
// (MNIST's [n, 784] works). To draw the c feature maps of one image,
// [1, c, h, w], pass them reshaped to [c, h, w]. Each image is scaled from its own
// minimum (black) to maximum (white), so normalised data shows as is.
// Wrong shapes panic with a *tensor.ShapeError; NaN or ±Inf pixels make a
// figure that carries an error.
func ImageGrid(title string, images *tensor.Tensor, captions []string, cols int) *Figure {
	return imageGrid(title, images, captions, nil, cols)
}

// Predictions draws images like ImageGrid, captioned with the predicted
// label and, when it is wrong, the true one in red ("3 ≠ 8"); for example
// the first 32 test digits of MNIST with a model's predictions.
func Predictions(title string, images *tensor.Tensor, predicted, truth []int, cols int) *Figure {
	if len(predicted) != len(truth) {
		return failed(fmt.Errorf("chart: %s: %d predictions for %d labels", title, len(predicted), len(truth)))
	}
	captions := make([]string, len(predicted))
	wrong := make([]bool, len(predicted))
	for i := range predicted {
		captions[i] = fmt.Sprint(predicted[i])
		if predicted[i] != truth[i] {
			captions[i] = fmt.Sprintf("%d ≠ %d", predicted[i], truth[i])
			wrong[i] = true
		}
	}
	return imageGrid(title, images, captions, wrong, cols)
}

func imageGrid(title string, images *tensor.Tensor, captions []string, wrong []bool, cols int) *Figure {
	shape := images.Shape()
	var n, h, w int
	switch {
	case len(shape) == 3:
		n, h, w = shape[0], shape[1], shape[2]
	case len(shape) == 4 && shape[1] == 1:
		n, h, w = shape[0], shape[2], shape[3]
	case len(shape) == 2 && isSquare(shape[1]):
		n = shape[0]
		h = int(math.Round(math.Sqrt(float64(shape[1]))))
		w = h
	default:
		panic(&tensor.ShapeError{Op: "chart.ImageGrid", A: shape, Msg: "need [n, h, w], [n, 1, h, w] or [n, h*w] with square images"})
	}
	if captions != nil && len(captions) != n {
		return failed(fmt.Errorf("chart: %s: %d captions for %d images", title, len(captions), n))
	}
	if n == 0 {
		return failed(fmt.Errorf("chart: %s: no images", title))
	}
	data := images.Float64s()
	if err := checkFinite(title, "", data); err != nil {
		return failed(err)
	}
	if cols <= 0 {
		cols = int(math.Ceil(math.Sqrt(float64(n))))
	}
	cols = min(cols, n)
	rows := (n + cols - 1) / cols
	f := newFigure(title)
	f.p.HideAxes()
	capH := 0.0
	if captions != nil {
		capH = 0.28
	}
	labels := &plotter.Labels{}
	for k := 0; k < n; k++ {
		r, c := k/cols, k%cols
		x0, y0 := float64(c)*1.1, -float64(r)*(1.1+capH)
		f.p.Add(plotter.NewImage(blocks(grey(data[k*h*w:(k+1)*h*w], h, w)), x0, y0-1, x0+1, y0))
		if captions != nil {
			labels.XYs = append(labels.XYs, plotter.XY{X: x0 + 0.5, Y: y0 - 1 - 0.04})
			labels.Labels = append(labels.Labels, captions[k])
			col := color.Color(color.Black)
			if wrong != nil && wrong[k] {
				col = color.RGBA{200, 0, 0, 255}
			}
			labels.TextStyle = append(labels.TextStyle, text.Style{
				Color: col, Font: sansFont(9), XAlign: draw.XCenter, YAlign: draw.YTop,
				Handler: plot.DefaultTextHandler,
			})
		}
	}
	if captions != nil {
		f.p.Add(labels)
	}
	// Size: about 0.75 inch per image, at most 9 inches wide, with the
	// data range fixed and the title's height added so images stay square.
	cell := math.Min(0.75, 8.5/float64(cols))
	f.p.X.Min, f.p.X.Max = -0.05, float64(cols)*1.1-0.05
	f.p.Y.Min, f.p.Y.Max = -float64(rows)*(1.1+capH)+0.05, 0.05
	titleH := f.p.Title.TextStyle.Rectangle(f.p.Title.Text).Size().Y + f.p.Title.Padding
	f.Size(float64(cols)*cell, float64(rows)*(1.1+capH)*cell/1.1+float64(titleH/vg.Inch))
	return f
}

func isSquare(n int) bool {
	s := int(math.Round(math.Sqrt(float64(n))))
	return s*s == n && n > 0
}

// grey maps v (h×w, row-major) linearly from its min to its max onto
// black..white.
func grey(v []float64, h, w int) *image.Gray {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, x := range v {
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	scale := 0.0
	if hi > lo {
		scale = 255 / (hi - lo)
	}
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i, x := range v {
		img.Pix[i] = uint8(math.Round((x - lo) * scale))
	}
	return img
}

// blocks enlarges an image smaller than 16 pixels a side (a 5×5 filter)
// by repeating pixels, so the renderer's smoothing, which suits digits,
// does not blur it: each pixel shows as a square.
func blocks(img *image.Gray) image.Image {
	b := img.Bounds()
	side := max(b.Dx(), b.Dy())
	if side >= 16 || side == 0 {
		return img
	}
	k := (96 + side - 1) / side
	big := image.NewGray(image.Rect(0, 0, b.Dx()*k, b.Dy()*k))
	for y := range big.Rect.Dy() {
		for x := range big.Rect.Dx() {
			big.Pix[y*big.Stride+x] = img.Pix[(y/k)*img.Stride+x/k]
		}
	}
	return big
}

// Residuals plots each prediction's residual (target − pred) against the
// prediction, sklearn's PredictionErrorDisplay with
// kind="residual_vs_predicted": a good model leaves a band around zero
// with no shape. Several outputs are plotted together.
func Residuals(pred, target *tensor.Tensor) *Figure {
	if pred.Len() != target.Len() {
		panic(&tensor.ShapeError{Op: "chart.Residuals", A: pred.Shape(), B: target.Shape(), Msg: "need the same number of values"})
	}
	p, t := pred.Float64s(), target.Float64s()
	r := make([]float64, len(p))
	for i := range p {
		r[i] = t[i] - p[i]
	}
	return Scatter("residuals", p, r).Labels("predicted", "residual (target − predicted)")
}
