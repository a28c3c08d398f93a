package interp

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/png"
	"reflect"

	"github.com/gokernel/gokernel/mlstd/display"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
)

// mimeOf is the bundle of a cell's value: display.MIME's rich forms, PNG
// for images and gonum plots, and text/plain from the interpreter (which
// sees String methods of interpreted types that compiled code cannot).
func mimeOf(v any, text string) map[string]any {
	b := display.MIME(v)
	b["text/plain"] = text
	_, done := b["image/png"]
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Func {
		b["text/plain"] = rv.Type().String()
	}
	switch x := v.(type) {
	case *plot.Plot:
		b["text/plain"] = "plot: " + x.Title.Text
		if done {
			break
		}
		if wt, err := x.WriterTo(6*vg.Inch, 4*vg.Inch, "png"); err == nil {
			var buf bytes.Buffer
			if _, err := wt.WriteTo(&buf); err == nil {
				b["image/png"] = base64.StdEncoding.EncodeToString(buf.Bytes())
			}
		}
	case image.Image:
		r := x.Bounds()
		b["text/plain"] = "image " + itoa(r.Dx()) + "×" + itoa(r.Dy())
		if done {
			break
		}
		var buf bytes.Buffer
		if err := png.Encode(&buf, x); err == nil {
			b["image/png"] = base64.StdEncoding.EncodeToString(buf.Bytes())
		}
	}
	return b
}
