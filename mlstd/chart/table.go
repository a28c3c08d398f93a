package chart

import (
	"fmt"
	"strings"

	"github.com/gokernel/gokernel/mlstd/table"
)

// ColumnHist plots a histogram of the present values of t's number column
// name (bins ≤ 0 means 50); for a column of another kind, a bar chart of
// its value counts (table.ValueCounts).
func ColumnHist(t *table.Table, name string, bins int) *Figure {
	if err := hasColumns(t, name); err != nil {
		return failed(err)
	}
	c := t.Col(name)
	if !c.Kind().Numeric() {
		vc := t.ValueCounts(name)
		return Bar(name, vc.Col(name).Strings(), vc.Col("count").Floats())
	}
	return Hist(name, c.Present(), bins).Labels(name, "count")
}

// ColumnScatter plots t's number columns y against x, over the rows where
// both are present.
func ColumnScatter(t *table.Table, x, y string) *Figure {
	if err := hasColumns(t, x, y); err != nil {
		return failed(err)
	}
	cx, cy := t.Col(x), t.Col(y)
	for _, c := range []*table.Column{cx, cy} {
		if !c.Kind().Numeric() {
			return failed(fmt.Errorf("chart: column %q holds %vs, not numbers", c.Name(), c.Kind()))
		}
	}
	var xs, ys []float64
	for i := range t.Rows() {
		if !cx.IsMissing(i) && !cy.IsMissing(i) {
			xs = append(xs, cx.Float(i))
			ys = append(ys, cy.Float(i))
		}
	}
	return Scatter(y+" vs "+x, xs, ys).Labels(x, y)
}

func hasColumns(t *table.Table, names ...string) error {
	if t == nil {
		return fmt.Errorf("chart: the table is nil")
	}
	for _, n := range names {
		if !t.Has(n) {
			return fmt.Errorf("chart: the table has no column %q (columns: %s)", n, strings.Join(t.Names(), ", "))
		}
	}
	return nil
}
