package interp

import "github.com/gokernel/gokernel/mlstd/display"

// mimeOf is the bundle of a cell's value: display.MIME's rich forms with
// text/plain from the interpreter's own formatting (which sees methods of
// interpreted types that compiled code cannot).
func mimeOf(v any, text string) map[string]any {
	b := display.MIME(v)
	if _, custom := v.(interface{ String() string }); !custom {
		b["text/plain"] = text
	}
	return b
}
