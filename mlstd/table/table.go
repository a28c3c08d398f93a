package table

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"

	"github.com/gokernel/gokernel/mlstd/internal/grid"
)

// Table is a list of named columns of equal length: the rows of a data
// file. Operations return new tables and never change their receiver;
// tables share the columns they did not change.
type Table struct {
	cols []*Column
	rows int
}

// New returns a table of the given columns. It panics if their lengths
// differ or two share a name.
func New(cols []*Column) *Table {
	t := &Table{cols: slices.Clone(cols)}
	seen := map[string]bool{}
	for j, c := range cols {
		if j == 0 {
			t.rows = c.Len()
		} else if c.Len() != t.rows {
			panic(fmt.Errorf("table: column %q has %d rows, column %q has %d", c.name, c.Len(), cols[0].name, t.rows))
		}
		if seen[c.name] {
			panic(fmt.Errorf("table: two columns are named %q", c.name))
		}
		seen[c.name] = true
	}
	return t
}

// Rows returns the number of rows.
func (t *Table) Rows() int { return t.rows }

// Cols returns the number of columns.
func (t *Table) Cols() int { return len(t.cols) }

// Names returns the column names in order.
func (t *Table) Names() []string {
	out := make([]string, len(t.cols))
	for j, c := range t.cols {
		out[j] = c.name
	}
	return out
}

// Columns returns the columns in order.
func (t *Table) Columns() []*Column { return slices.Clone(t.cols) }

// Has reports whether the table has a column of that name.
func (t *Table) Has(name string) bool { return t.index(name) >= 0 }

// Col returns the named column. It panics, listing the names there are,
// if there is none.
func (t *Table) Col(name string) *Column { return t.cols[t.mustIndex(name)] }

func (t *Table) index(name string) int {
	for j, c := range t.cols {
		if c.name == name {
			return j
		}
	}
	return -1
}

func (t *Table) mustIndex(name string) int {
	j := t.index(name)
	if j < 0 {
		panic(fmt.Errorf("table: no column %q (columns: %s)", name, strings.Join(t.Names(), ", ")))
	}
	return j
}

// Select returns a table of the named columns, in that order.
func (t *Table) Select(names ...string) *Table {
	out := &Table{rows: t.rows}
	for _, n := range names {
		out.cols = append(out.cols, t.Col(n))
	}
	return out
}

// Drop returns the table without the named columns.
func (t *Table) Drop(names ...string) *Table {
	for _, n := range names {
		t.mustIndex(n)
	}
	out := &Table{rows: t.rows}
	for _, c := range t.cols {
		if !slices.Contains(names, c.name) {
			out.cols = append(out.cols, c)
		}
	}
	return out
}

// With returns the table with c added as the last column, or replacing
// the column of the same name where it stands. It panics if c's length
// differs from the table's.
func (t *Table) With(c *Column) *Table {
	if len(t.cols) > 0 && c.Len() != t.rows {
		panic(fmt.Errorf("table: column %q has %d rows, the table %d", c.name, c.Len(), t.rows))
	}
	out := &Table{cols: slices.Clone(t.cols), rows: c.Len()}
	if j := t.index(c.name); j >= 0 {
		out.cols[j] = c
	} else {
		out.cols = append(out.cols, c)
	}
	return out
}

// Derive returns the table with a new float column name computed row by
// row: f receives the values of the columns from (as numbers, NaN where
// missing) and returns the new value; NaN marks it missing. It is the
// pandas df["bmi"] = df.mass / df.height**2 of a cell:
//
//	t = t.Derive("ratio", []string{"bill_length_mm", "bill_depth_mm"},
//		func(v []float64) float64 { return v[0] / v[1] })
func (t *Table) Derive(name string, from []string, f func(v []float64) float64) *Table {
	src := make([]*Column, len(from))
	for k, n := range from {
		src[k] = t.Col(n)
	}
	out := make([]float64, t.rows)
	v := make([]float64, len(src))
	for i := range out {
		for k, c := range src {
			v[k] = c.Float(i)
		}
		out[i] = f(v)
	}
	return t.With(NewFloats(name, out))
}

// Take returns a table of the rows idx, in that order (rows may repeat).
// It panics if an index is out of range.
func (t *Table) Take(idx []int) *Table {
	for _, i := range idx {
		if i < 0 || i >= t.rows {
			panic(fmt.Errorf("table: row %d out of range [0, %d)", i, t.rows))
		}
	}
	out := &Table{cols: make([]*Column, len(t.cols)), rows: len(idx)}
	for j, c := range t.cols {
		out.cols[j] = c.take(idx)
	}
	return out
}

// Head returns the first n rows (all of them if there are fewer).
func (t *Table) Head(n int) *Table { return t.Take(span(0, min(max(n, 0), t.rows))) }

// Tail returns the last n rows.
func (t *Table) Tail(n int) *Table { return t.Take(span(max(t.rows-max(n, 0), 0), t.rows)) }

func span(from, to int) []int {
	idx := make([]int, to-from)
	for i := range idx {
		idx[i] = from + i
	}
	return idx
}

// Filter returns the rows where keep is true. It panics unless keep has
// one flag per row.
func (t *Table) Filter(keep []bool) *Table {
	if len(keep) != t.rows {
		panic(fmt.Errorf("table: Filter needs %d flags, got %d", t.rows, len(keep)))
	}
	var idx []int
	for i, k := range keep {
		if k {
			idx = append(idx, i)
		}
	}
	return t.Take(idx)
}

// Where returns the rows whose value in the named number column satisfies
// pred; missing values are left out. Where("body_mass_g", func(v float64)
// bool { return v > 4000 }).
func (t *Table) Where(name string, pred func(v float64) bool) *Table {
	c := t.Col(name)
	keep := make([]bool, t.rows)
	for i := range keep {
		keep[i] = !c.IsMissing(i) && pred(c.Float(i))
	}
	return t.Filter(keep)
}

// WhereText returns the rows whose value in the named column, as text
// (Column.Text), satisfies pred; missing values are left out.
func (t *Table) WhereText(name string, pred func(s string) bool) *Table {
	c := t.Col(name)
	keep := make([]bool, t.rows)
	for i := range keep {
		keep[i] = !c.IsMissing(i) && pred(c.Text(i))
	}
	return t.Filter(keep)
}

// DropMissing returns the rows with no missing value in the named
// columns, or in any column when none are named (pandas' dropna).
func (t *Table) DropMissing(names ...string) *Table {
	cols := t.cols
	if len(names) > 0 {
		cols = t.Select(names...).cols
	}
	keep := make([]bool, t.rows)
	for i := range keep {
		keep[i] = true
		for _, c := range cols {
			if c.IsMissing(i) {
				keep[i] = false
				break
			}
		}
	}
	return t.Filter(keep)
}

// Sort returns the rows ordered by the named column, ascending or
// descending; the sort is stable and missing values come last (pandas'
// sort_values with kind="stable"). Strings sort by byte order, false
// before true.
func (t *Table) Sort(name string, descending bool) *Table {
	c := t.Col(name)
	idx := span(0, t.rows)
	sort.SliceStable(idx, func(a, b int) bool {
		i, j := idx[a], idx[b]
		mi, mj := c.IsMissing(i), c.IsMissing(j)
		if mi || mj {
			return !mi && mj
		}
		if descending {
			return c.less(j, i)
		}
		return c.less(i, j)
	})
	return t.Take(idx)
}

// Split shuffles the rows with the given seed and returns the first
// fraction of them as train and the rest as test (sklearn's
// train_test_split with train_size=fraction). With stratify naming a
// column, each of its values (missing counted as one more) is split in
// that proportion separately, so both parts keep the column's class
// balance: round(fraction·n) rows of each value go to train. It panics
// unless 0 ≤ fraction ≤ 1.
func (t *Table) Split(fraction float64, stratify string, seed int64) (train, test *Table) {
	if !(fraction >= 0 && fraction <= 1) {
		panic(fmt.Errorf("table: split fraction %v not in [0, 1]", fraction))
	}
	r := rand.New(rand.NewPCG(uint64(seed), 0x7ab1e))
	perm := r.Perm(t.rows)
	if stratify == "" {
		k := int(math.Round(fraction * float64(t.rows)))
		a, b := perm[:k], perm[k:]
		slices.Sort(a)
		slices.Sort(b)
		return t.Take(a), t.Take(b)
	}
	c := t.Col(stratify)
	groups := map[string][]int{}
	var order []string
	for _, i := range perm {
		key := "\x00missing"
		if !c.IsMissing(i) {
			key = c.Text(i)
		}
		if _, ok := groups[key]; !ok {
			order = append(order, key)
		}
		groups[key] = append(groups[key], i)
	}
	var a, b []int
	for _, key := range order {
		g := groups[key]
		k := int(math.Round(fraction * float64(len(g))))
		a = append(a, g[:k]...)
		b = append(b, g[k:]...)
	}
	slices.Sort(a)
	slices.Sort(b)
	return t.Take(a), t.Take(b)
}

// String renders the table as aligned text: all rows up to 20, else the
// first and last 5 with "…" between, then the size.
func (t *Table) String() string {
	header, rows := t.grid()
	return grid.Text("", header, rows) + fmt.Sprintf("\n[%d rows × %d columns]", t.rows, len(t.cols))
}

// HTML renders the table like String, as an HTML table with the column
// kinds under the names.
func (t *Table) HTML() string {
	header, rows := t.grid()
	return grid.HTML("", header, rows) + fmt.Sprintf("<p>%d rows × %d columns</p>", t.rows, len(t.cols))
}

// grid lays out the header and rows shown by String and HTML.
func (t *Table) grid() (header []string, rows [][]string) {
	header = []string{""}
	kinds := []string{""}
	for _, c := range t.cols {
		header = append(header, c.name)
		kinds = append(kinds, c.kind.String())
	}
	rows = [][]string{kinds}
	row := func(i int) {
		r := []string{fmt.Sprint(i)}
		for _, c := range t.cols {
			r = append(r, cellText(c, i))
		}
		rows = append(rows, r)
	}
	if t.rows <= 20 {
		for i := range t.rows {
			row(i)
		}
		return header, rows
	}
	for i := range 5 {
		row(i)
	}
	dots := make([]string, len(header))
	for j := range dots {
		dots[j] = "…"
	}
	rows = append(rows, dots)
	for i := t.rows - 5; i < t.rows; i++ {
		row(i)
	}
	return header, rows
}

// cellText formats a value for display: floats with up to 6 significant
// digits, long strings cut.
func cellText(c *Column, i int) string {
	if c.IsMissing(i) {
		return "NA"
	}
	switch c.kind {
	case Float:
		return formatNumber(c.f[i])
	case String:
		s := c.levels[c.codes[i]]
		if r := []rune(s); len(r) > 40 {
			return string(r[:39]) + "…"
		}
		return s
	}
	return c.Text(i)
}

func formatNumber(v float64) string {
	if math.IsNaN(v) {
		return "NA"
	}
	return fmt.Sprintf("%.6g", v)
}
