package display

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"sync"

	"github.com/gokernel/gokernel/mlstd/host"
)

// Show displays v as a new output carrying MIME(v) and Metadata(v) (a
// host.Display). It reports whether a front end took it; with none
// installed (a test, a plain Go program) it does nothing and returns
// false: mlstd never prints to os.Stdout, so callers that want text use
// v's String form.
func Show(v any) bool {
	return host.Show(host.Display{Data: MIME(v), Metadata: Metadata(v)})
}

// Rich is a value with a fixed MIME bundle, such as an HTML fragment or a
// PNG image. It shows as itself when it is a cell's result and can be
// passed to Show or Handle.Update. Its String is the text/plain form.
type Rich struct {
	data map[string]any
}

// MIMEBundle returns a copy of the bundle.
func (r *Rich) MIMEBundle() map[string]any {
	b := make(map[string]any, len(r.data))
	for k, v := range r.data {
		b[k] = v
	}
	return b
}

// String returns the text/plain form.
func (r *Rich) String() string {
	s, _ := r.data["text/plain"].(string)
	return s
}

func newRich(mime string, v any, text string) *Rich {
	return &Rich{data: map[string]any{mime: v, "text/plain": text}}
}

// NewHTML returns an HTML fragment; its text form is the HTML source.
func NewHTML(s string) *Rich { return newRich("text/html", s, s) }

// NewMarkdown returns Markdown text; its text form is the source.
func NewMarkdown(s string) *Rich { return newRich("text/markdown", s, s) }

// NewLaTeX returns a LaTeX formula such as `$e^{i\pi}+1=0$`; the frontend
// typesets it with MathJax. Its text form is the source.
func NewLaTeX(s string) *Rich { return newRich("text/latex", s, s) }

// NewSVG returns an SVG image given its XML source.
func NewSVG(s string) *Rich { return newRich("image/svg+xml", s, fmt.Sprintf("SVG(%d bytes)", len(s))) }

// NewPNG returns a PNG image given its encoded bytes.
func NewPNG(b []byte) *Rich {
	return newRich("image/png", base64.StdEncoding.EncodeToString(b), fmt.Sprintf("PNG(%d bytes)", len(b)))
}

// NewImage returns img encoded as a PNG image.
func NewImage(img image.Image) *Rich {
	if img == nil {
		return newRich("text/plain", "Image(nil)", "Image(nil)")
	}
	data, err := encodePNG(img)
	if err != nil {
		return newRich("text/plain", err.Error(), err.Error())
	}
	r := img.Bounds()
	return newRich("image/png", base64.StdEncoding.EncodeToString(data), fmt.Sprintf("Image(%d×%d)", r.Dx(), r.Dy()))
}

// NewJSON returns v as "application/json" (JupyterLab shows a collapsible
// tree), with indented JSON as its text form. It fails if v cannot be
// marshalled.
func NewJSON(v any) (*Rich, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("display: json: %w", err)
	}
	var tree any
	if err := json.Unmarshal(data, &tree); err != nil {
		return nil, fmt.Errorf("display: json: %w", err)
	}
	text, _ := json.MarshalIndent(tree, "", "  ")
	return newRich("application/json", tree, string(text)), nil
}

// HTML shows an HTML fragment.
func HTML(s string) { Show(NewHTML(s)) }

// Markdown shows Markdown text.
func Markdown(s string) { Show(NewMarkdown(s)) }

// LaTeX shows a LaTeX formula, e.g. display.LaTeX(`$\sigma(x)=1/(1+e^{-x})$`).
func LaTeX(s string) { Show(NewLaTeX(s)) }

// SVG shows an SVG image given its XML source.
func SVG(s string) { Show(NewSVG(s)) }

// PNG shows a PNG image given its encoded bytes.
func PNG(b []byte) { Show(NewPNG(b)) }

// Image shows img as a PNG image.
func Image(img image.Image) { Show(NewImage(img)) }

// JSON shows v as an interactive JSON tree. It fails if v cannot be
// marshalled; it does not report whether an engine took the message.
func JSON(v any) error {
	r, err := NewJSON(v)
	if err != nil {
		return err
	}
	Show(r)
	return nil
}

// ClearOutput clears the current cell's output. With wait true the
// frontend clears only when the next output arrives, which avoids flicker
// when redrawing (livelossplot's pattern).
func ClearOutput(wait bool) {
	host.Show(host.Clear{Wait: wait})
}

// A Handle is a display area that can be redrawn in place: the first
// Update (or New) shows a host.Display with the handle's id, later ones
// send a host.Update with the same id, so the frontend replaces the output
// wherever it is shown (Jupyter's display_id). It is safe for concurrent
// use.
type Handle struct {
	id    string
	mu    sync.Mutex
	shown bool
}

// NewHandle returns a handle with a fresh id that shows nothing
// until its first Update.
func NewHandle() *Handle {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return &Handle{id: hex.EncodeToString(b[:])}
}

// New shows v and returns a handle to update it in place.
func New(v any) *Handle {
	h := NewHandle()
	h.Update(v)
	return h
}

// ID returns the display id.
func (h *Handle) ID() string { return h.id }

// Update shows v in place of the handle's previous content (or for the
// first time). An event that no front end took does not count as shown,
// so the first Update after a front end appears shows a new display.
func (h *Handle) Update(v any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	data, md := MIME(v), Metadata(v)
	var e host.Event = host.Update{ID: h.id, Data: data, Metadata: md}
	if !h.shown {
		e = host.Display{Data: data, Metadata: md, ID: h.id}
	}
	if host.Show(e) {
		h.shown = true
	}
}

// String describes the handle, e.g. "display.Handle(3fa2…)".
func (h *Handle) String() string { return "display.Handle(" + h.id + ")" }
