package prune

import (
	"fmt"
	"html"
	"slices"
	"strings"

	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// Report lists how sparse each parameter tensor is: the fraction of its
// entries that are exactly zero.
type Report struct {
	Layers []Layer
}

// Layer is one row of a Report.
type Layer struct {
	Name  string // state-dict name, e.g. "0.weight"
	Shape []int
	Total int // entries
	Zeros int // entries equal to zero
	// ZeroRows counts the all-zero rows (along the first dimension) of a
	// weight of two or more dimensions: the Linear neurons or Conv2d
	// filters removed by structured pruning. 0 for vectors.
	ZeroRows int
}

// Sparsity returns Zeros/Total (0 for an empty tensor).
func (l Layer) Sparsity() float64 {
	if l.Total == 0 {
		return 0
	}
	return float64(l.Zeros) / float64(l.Total)
}

// Sparsity reports the zeros in every parameter of m.
func Sparsity(m nn.Module) *Report { return report(params(m)) }

func report(ps []nn.Param) *Report {
	r := &Report{}
	for _, p := range ps {
		z := 0
		for _, v := range p.Tensor.Data() {
			if v == 0 {
				z++
			}
		}
		r.Layers = append(r.Layers, Layer{Name: p.Name, Shape: p.Tensor.Shape(), Total: p.Tensor.Len(), Zeros: z,
			ZeroRows: zeroRows(p.Tensor)})
	}
	return r
}

// zeroRows counts the all-zero rows of a tensor of two or more dimensions.
func zeroRows(t *tensor.Tensor) int {
	if t.Dims() < 2 || t.Len() == 0 {
		return 0
	}
	in, n := t.Len()/t.Dim(0), 0
	d := t.Data()
	for r := range t.Dim(0) {
		if !slices.ContainsFunc(d[r*in:(r+1)*in], func(v float32) bool { return v != 0 }) {
			n++
		}
	}
	return n
}

// Total returns the number of entries in all listed tensors.
func (r *Report) Total() int {
	n := 0
	for _, l := range r.Layers {
		n += l.Total
	}
	return n
}

// Zeros returns the number of zero entries in all listed tensors.
func (r *Report) Zeros() int {
	n := 0
	for _, l := range r.Layers {
		n += l.Zeros
	}
	return n
}

// Sparsity returns Zeros()/Total() (0 when empty): the share of zeros
// among all listed entries, biases included, shown as the "all parameters"
// row. It is not the model's sparsity figure, nn.WeightSparsity, which
// counts weight tensors only (as a default Mask's Sparsity does).
func (r *Report) Sparsity() float64 {
	if t := r.Total(); t > 0 {
		return float64(r.Zeros()) / float64(t)
	}
	return 0
}

// allRow labels the summary row of String and HTML (Total, Zeros,
// Sparsity), named so that it is not read as the weight sparsity.
const allRow = "all parameters"

// String renders the report as a text table with an "all parameters" row.
func (r *Report) String() string {
	w := len(allRow)
	for _, l := range r.Layers {
		w = max(w, len(l.Name))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%-*s  %-12s %10s %10s %9s %9s\n", w, "parameter", "shape", "entries", "zeros", "sparsity", "zero rows")
	for _, l := range r.Layers {
		rows := ""
		if len(l.Shape) >= 2 {
			rows = fmt.Sprintf("%d/%d", l.ZeroRows, l.Shape[0])
		}
		line := fmt.Sprintf("%-*s  %-12s %10d %10d %8.2f%% %9s", w, l.Name, fmt.Sprint(l.Shape), l.Total, l.Zeros, 100*l.Sparsity(), rows)
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	fmt.Fprintf(&b, "%-*s  %-12s %10d %10d %8.2f%%", w, allRow, "", r.Total(), r.Zeros(), 100*r.Sparsity())
	return b.String()
}

// HTML renders the report as a table with a bar per row, for notebooks.
func (r *Report) HTML() string {
	var b strings.Builder
	b.WriteString(`<table class="gokernel-sparsity" style="font-family:monospace">`)
	b.WriteString(`<tr><th>parameter</th><th>shape</th><th>entries</th><th>zeros</th><th>sparsity</th></tr>`)
	row := func(name, shape string, total, zeros int, s float64) {
		fmt.Fprintf(&b, `<tr><td>%s</td><td>%s</td><td style="text-align:right">%d</td><td style="text-align:right">%d</td>`+
			`<td><div style="display:inline-block;width:100px;height:0.8em;background:#ddd">`+
			`<div style="width:%.0fpx;height:100%%;background:#3182bd"></div></div> %.2f%%</td></tr>`,
			html.EscapeString(name), shape, total, zeros, 100*s, 100*s)
	}
	for _, l := range r.Layers {
		row(l.Name, fmt.Sprint(l.Shape), l.Total, l.Zeros, l.Sparsity())
	}
	row(allRow, "", r.Total(), r.Zeros(), r.Sparsity())
	b.WriteString("</table>")
	return b.String()
}
