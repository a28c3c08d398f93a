package nn

import (
	"fmt"
	"html"
	"strings"
)

// SummaryRow describes one layer (or one leaf of a nested container).
type SummaryRow struct {
	Name   string  // position in the model, e.g. "0" or "1.2"
	Layer  string  // the layer's description, e.g. "Linear(in_features=784, …)"
	Type   string  // the layer's type name, e.g. "Linear"
	Shapes [][]int // shapes of its parameters
	Params int     // number of scalar parameters
}

// ModelSummary is a per-layer parameter table of a model
// (torchinfo.summary without activations).
type ModelSummary struct {
	Rows      []SummaryRow
	Total     int // all parameters
	Trainable int // parameters that require gradients
}

// Summary tabulates m's layers and parameter counts; containers are
// expanded.
func Summary(m Module) *ModelSummary {
	s := &ModelSummary{}
	var walk func(prefix string, m Module)
	walk = func(prefix string, m Module) {
		if seq, ok := m.(*Sequential); ok {
			for i, l := range seq.layers {
				name := fmt.Sprint(i)
				if prefix != "" {
					name = prefix + "." + name
				}
				walk(name, l)
			}
			return
		}
		r := SummaryRow{Name: prefix, Type: typeName(m), Layer: describe(m)}
		for _, p := range m.Parameters() {
			r.Shapes = append(r.Shapes, p.Shape())
			r.Params += p.Len()
			if p.RequiresGrad() {
				s.Trainable += p.Len()
			}
		}
		s.Total += r.Params
		s.Rows = append(s.Rows, r)
	}
	walk("", m)
	return s
}

func shapesText(shapes [][]int) string {
	parts := make([]string, len(shapes))
	for i, sh := range shapes {
		parts[i] = fmt.Sprint(sh)
	}
	if len(parts) == 0 {
		return "—"
	}
	return strings.Join(parts, " ")
}

// String renders the table as plain text.
func (s *ModelSummary) String() string {
	var b strings.Builder
	rows := [][]string{{"#", "Layer", "Parameter shapes", "Params"}}
	for _, r := range s.Rows {
		rows = append(rows, []string{r.Name, r.Type, shapesText(r.Shapes), commas(r.Params)})
	}
	width := make([]int, 4)
	for _, r := range rows {
		for i, c := range r {
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	line := strings.Repeat("─", width[0]+width[1]+width[2]+width[3]+6)
	for k, r := range rows {
		for i, c := range r {
			pad := strings.Repeat(" ", width[i]-len([]rune(c)))
			if i == 3 {
				b.WriteString(pad + c)
			} else {
				b.WriteString(c + pad + "  ")
			}
		}
		b.WriteString("\n")
		if k == 0 {
			b.WriteString(line + "\n")
		}
	}
	b.WriteString(line + "\n")
	fmt.Fprintf(&b, "Total params: %s\nTrainable params: %s\nNon-trainable params: %s",
		commas(s.Total), commas(s.Trainable), commas(s.Total-s.Trainable))
	return b.String()
}

// HTML renders the table for a notebook.
func (s *ModelSummary) HTML() string {
	var b strings.Builder
	b.WriteString("<table>\n<thead><tr><th>#</th><th>Layer</th><th>Parameter shapes</th><th style=\"text-align:right\">Params</th></tr></thead>\n<tbody>\n")
	for _, r := range s.Rows {
		fmt.Fprintf(&b, "<tr><td>%s</td><td title=\"%s\">%s</td><td>%s</td><td style=\"text-align:right\">%s</td></tr>\n",
			html.EscapeString(r.Name), html.EscapeString(r.Layer), html.EscapeString(r.Type),
			html.EscapeString(shapesText(r.Shapes)), commas(r.Params))
	}
	fmt.Fprintf(&b, "</tbody>\n<tfoot><tr><td colspan=\"3\">Total params</td><td style=\"text-align:right\">%s</td></tr>\n", commas(s.Total))
	fmt.Fprintf(&b, "<tr><td colspan=\"3\">Trainable params</td><td style=\"text-align:right\">%s</td></tr></tfoot>\n</table>", commas(s.Trainable))
	return b.String()
}

// commas formats n with thousands separators.
func commas(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + commas(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
