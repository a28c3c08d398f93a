package display

import (
	"sort"
	"strconv"

	"github.com/gokernel/gokernel/mlstd/internal/grid"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// Table is a grid of text cells with an optional header row. It displays
// as an HTML table (text/html) with an aligned plain-text form
// (text/plain), the way a pandas DataFrame does. Rows may be ragged;
// missing cells show empty.
type Table struct {
	Caption string     // shown above the table when not empty
	Header  []string   // column names; may be empty
	Rows    [][]string // the cells, row by row
}

// NewTable returns a table with the given header and rows (not copied).
func NewTable(header []string, rows [][]string) *Table {
	return &Table{Header: header, Rows: rows}
}

// TableFromRows returns a table whose first row is the header, the shape
// of a CSV file read with encoding/csv.
func TableFromRows(rows [][]string) *Table {
	if len(rows) == 0 {
		return &Table{}
	}
	return &Table{Header: rows[0], Rows: rows[1:]}
}

// TableOfMap returns a two-column table (key, value) of m with the keys in
// sorted order, e.g. for a metrics report.
func TableOfMap(m map[string]float64) *Table {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	t := &Table{Header: []string{"key", "value"}}
	for _, k := range keys {
		t.Rows = append(t.Rows, []string{k, formatFloat(m[k])})
	}
	return t
}

// TableOfTensor returns the values of a 0-, 1- or 2-D tensor as a table
// with numbered rows and columns (4 significant digits). It panics with a
// *tensor.ShapeError for more dimensions.
func TableOfTensor(t *tensor.Tensor) *Table {
	shape := t.Shape()
	rows, cols := 1, 1
	switch len(shape) {
	case 0:
	case 1:
		cols = shape[0]
	case 2:
		rows, cols = shape[0], shape[1]
	default:
		panic(&tensor.ShapeError{Op: "display.TableOfTensor", A: shape, Msg: "need at most 2 dimensions"})
	}
	v := t.Float64s()
	tb := &Table{Header: []string{""}}
	for j := 0; j < cols; j++ {
		tb.Header = append(tb.Header, strconv.Itoa(j))
	}
	for i := 0; i < rows; i++ {
		row := []string{strconv.Itoa(i)}
		for j := 0; j < cols; j++ {
			row = append(row, formatFloat(v[i*cols+j]))
		}
		tb.Rows = append(tb.Rows, row)
	}
	return tb
}

func formatFloat(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }

// HTML renders the table as an HTML <table> with escaped cells.
func (t *Table) HTML() string { return grid.HTML(t.Caption, t.Header, t.Rows) }

// String renders the table as text with columns padded to equal width and
// a dashed line under the header.
func (t *Table) String() string { return grid.Text(t.Caption, t.Header, t.Rows) }
