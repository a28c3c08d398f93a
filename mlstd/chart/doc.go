// Package chart draws the charts of a training session — loss and
// accuracy curves, weight histograms, confusion matrices, digit grids —
// with gonum/plot in pure Go (no cgo, no browser), one call each:
//
//	chart.Lines("loss", []string{"train", "val"}, [][]float64{h.Loss, h.ValLoss})
//	chart.Hists("fc1 weights", []string{"before", "after"}, [][]float64{w0, w1}, 80)
//	chart.Confusion("test set", counts, []string{"0", "1", …, "9"})
//	chart.Predictions("first errors", x, predicted, truth, 8)
//
// Every constructor returns a *Figure. A figure renders itself: PNG() at
// 192 dpi (twice a CSS inch, so it is sharp on HiDPI screens; its
// MIMEMetadata asks the notebook to show it at 96 dpi), SVG(), String(),
// and Save(path), which picks the format from the extension and writes
// atomically. In a notebook a figure that is a cell's last expression
// shows as an image (package display finds the PNG method).
//
// # Arguments are typed
//
// Series are []float64, several series are [][]float64 with a []string of
// names beside them, images are a *tensor.Tensor: nothing is generic and
// nothing is an ...any, so mistakes are compile errors (compare
// plotutil.AddLines).
//
// # Bad data: a figure that carries its error
//
// Data problems — NaN or infinite values, lengths that do not match, an
// empty sample — are errors, not panics. Rather than returning
// (*Figure, error), which would make every cell two lines and stop a bare
// chart.Line(...) from displaying, a constructor returns a figure holding
// the error: Err reports it, String returns its text, PNG returns nil and
// SVG "", and Save returns it. A cell that ends in chart.Line("loss", l)
// with a NaN in l therefore shows
//
//	chart: loss: value 7 is NaN; drop or replace non-finite values before plotting
//
// instead of a picture, and code that must stop checks f.Err(). Only
// misuse that is a programming error panics: an image tensor of the wrong
// shape panics with a *tensor.ShapeError, as the rest of mlstd does.
//
// For anything beyond these charts, Plot returns the underlying
// *plot.Plot to adjust or add to before rendering.
package chart
