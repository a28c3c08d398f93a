package display

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/png"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// MIME returns the Jupyter MIME bundle for v: always "text/plain", plus the
// rich forms v can render itself. Types opt in by implementing any of
//
//	MIMEBundle() map[string]any // full control: only these forms (+ text/plain)
//	PNG() []byte                 // "image/png"
//	SVG() string                 // "image/svg+xml"
//	HTML() string                // "text/html"
//	Markdown() string            // "text/markdown"
//	String() string              // "text/plain"
//
// Two foreign types are rendered too: an image.Image becomes "image/png",
// and a gonum *plot.Plot is drawn at 6×4 inches, 2× resolution, as
// "image/png". A PNG() that returns no bytes contributes nothing. A type
// with MIMEBundle gets exactly its bundle, so a chart that can also
// render SVG on request is sent as PNG only.
func MIME(v any) map[string]any {
	b := map[string]any{}
	switch x := v.(type) {
	case *plot.Plot:
		if x != nil {
			if data, err := PlotPNG(x, 6, 4); err == nil {
				b["image/png"] = base64.StdEncoding.EncodeToString(data)
			} else {
				b["text/plain"] = "display: " + err.Error()
			}
		}
	case image.Image:
		if x != nil {
			if data, err := encodePNG(x); err == nil {
				b["image/png"] = base64.StdEncoding.EncodeToString(data)
				r := x.Bounds()
				b["text/plain"] = fmt.Sprintf("Image(%d×%d)", r.Dx(), r.Dy())
			}
		}
	}
	if m, ok := v.(interface{ MIMEBundle() map[string]any }); ok {
		for k, x := range m.MIMEBundle() {
			b[k] = x
		}
		if _, done := b["text/plain"]; !done {
			b["text/plain"] = fmt.Sprintf("%v", v)
		}
		return b
	}
	if p, ok := v.(interface{ PNG() []byte }); ok {
		if _, done := b["image/png"]; !done {
			if data := p.PNG(); len(data) > 0 {
				b["image/png"] = base64.StdEncoding.EncodeToString(data)
			}
		}
	}
	if s, ok := v.(interface{ SVG() string }); ok {
		if _, done := b["image/svg+xml"]; !done {
			if svg := s.SVG(); svg != "" {
				b["image/svg+xml"] = svg
			}
		}
	}
	if h, ok := v.(interface{ HTML() string }); ok {
		if _, done := b["text/html"]; !done {
			b["text/html"] = h.HTML()
		}
	}
	if m, ok := v.(interface{ Markdown() string }); ok {
		if _, done := b["text/markdown"]; !done {
			b["text/markdown"] = m.Markdown()
		}
	}
	if _, done := b["text/plain"]; !done {
		b["text/plain"] = fmt.Sprintf("%v", v)
	}
	return b
}

// Metadata returns the display metadata for v: whatever its
// MIMEMetadata() map[string]any method returns, or nil. Figures use it to
// ask the frontend to show a 2× PNG at half its pixel size (crisp on HiDPI
// screens). It is the Metadata of the Display events Show sends, and the
// kernel sends it with a cell's result.
func Metadata(v any) map[string]any {
	if m, ok := v.(interface{ MIMEMetadata() map[string]any }); ok {
		return m.MIMEMetadata()
	}
	if p, ok := v.(*plot.Plot); ok && p != nil {
		return map[string]any{"image/png": map[string]any{"width": 6 * 96, "height": 4 * 96}}
	}
	return nil
}

// PlotPNG draws p as a PNG of w×h inches at 192 dots per inch (twice the
// 96 of a browser's CSS inch, so the image stays sharp on HiDPI screens).
func PlotPNG(p *plot.Plot, w, h float64) ([]byte, error) {
	c := vgimg.NewWith(vgimg.UseWH(vg.Length(w)*vg.Inch, vg.Length(h)*vg.Inch), vgimg.UseDPI(192))
	p.Draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("display: encoding plot: %w", err)
	}
	return buf.Bytes(), nil
}

func encodePNG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("display: encoding image: %w", err)
	}
	return buf.Bytes(), nil
}
