package display

import (
	"encoding/base64"
	"fmt"
)

// MIME returns the Jupyter MIME bundle for v: always "text/plain", plus the
// rich forms v can render itself. Types opt in by implementing any of
//
//	MIMEBundle() map[string]any // full control
//	PNG() []byte                 // "image/png"
//	SVG() string                 // "image/svg+xml"
//	HTML() string                // "text/html"
//	Markdown() string            // "text/markdown"
//	String() string              // "text/plain"
func MIME(v any) map[string]any {
	b := map[string]any{}
	if m, ok := v.(interface{ MIMEBundle() map[string]any }); ok {
		for k, x := range m.MIMEBundle() {
			b[k] = x
		}
	}
	if p, ok := v.(interface{ PNG() []byte }); ok {
		if _, done := b["image/png"]; !done {
			b["image/png"] = base64.StdEncoding.EncodeToString(p.PNG())
		}
	}
	if s, ok := v.(interface{ SVG() string }); ok {
		if _, done := b["image/svg+xml"]; !done {
			b["image/svg+xml"] = s.SVG()
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
