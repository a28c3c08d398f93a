package table

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/gokernel/gokernel/mlstd/internal/grid"
)

// Summary holds the statistics of one column, as pandas'
// describe(include="all") computes them. Number columns (Int, Float)
// fill Mean to Max and leave Unique, Top and Freq zero; the other kinds
// (String, Bool, Time) fill Unique, Top and Freq and leave the numbers NaN;
// Time columns also fill First and Last, as pandas 1.5 does.
type Summary struct {
	Name    string
	Kind    Kind
	Count   int // values present
	Missing int // values missing

	Mean, Std          float64 // Std is the sample standard deviation (n−1)
	Min, Q25, Q50, Q75 float64 // quartiles interpolate linearly, like numpy
	Max                float64

	First, Last time.Time // Time columns: the earliest and the latest value

	Unique int    // distinct values present
	Top    string // most frequent value (among equals, the first seen; for strings, the first in Levels)
	Freq   int    // its count
}

// Description is the result of Table.Describe: one Summary per column.
// It displays as a table with a column per column and a row per
// statistic, like pandas.
type Description struct {
	Columns []Summary
}

// Describe summarises every column (pandas' describe(include="all") plus a
// row of missing counts).
func (t *Table) Describe() *Description {
	d := &Description{}
	for _, c := range t.cols {
		d.Columns = append(d.Columns, Describe(c))
	}
	return d
}

// Describe summarises one column (see Summary).
func Describe(c *Column) Summary {
	s := Summary{Name: c.name, Kind: c.kind, Count: c.Len() - c.nna, Missing: c.nna}
	nan := math.NaN()
	s.Mean, s.Std, s.Min, s.Q25, s.Q50, s.Q75, s.Max = nan, nan, nan, nan, nan, nan, nan
	if c.kind == Int || c.kind == Float {
		v := c.Present()
		if len(v) == 0 {
			return s
		}
		var sum float64
		for _, x := range v {
			sum += x
		}
		s.Mean = sum / float64(len(v))
		if len(v) > 1 {
			var ss float64
			for _, x := range v {
				ss += (x - s.Mean) * (x - s.Mean)
			}
			s.Std = math.Sqrt(ss / float64(len(v)-1))
		}
		s.Min, s.Max = slices.Min(v), slices.Max(v)
		s.Q25, s.Q50, s.Q75 = quantiles(v)
		return s
	}
	if c.kind == Time {
		for i, t := range c.t {
			if c.IsMissing(i) {
				continue
			}
			if s.First.IsZero() || t.Before(s.First) {
				s.First = t
			}
			if s.Last.IsZero() || t.After(s.Last) {
				s.Last = t
			}
		}
	}
	counts := valueCounts(c)
	s.Unique = len(counts)
	if len(counts) > 0 {
		s.Top, s.Freq = counts[0].value, counts[0].n
	}
	return s
}

// quantiles returns the quartiles of v, interpolating linearly between
// the order statistics around q·(n−1) (numpy's default). It reorders v:
// each order statistic is found by selection in the part of v left
// unsorted by the previous one, in linear time rather than a sort's n·log n.
func quantiles(v []float64) (q25, q50, q75 float64) {
	lo := 0
	at := func(q float64) float64 {
		pos := q * float64(len(v)-1)
		k := int(math.Floor(pos))
		selectKth(v[lo:], k-lo)
		lo = k
		if k+1 >= len(v) {
			return v[k]
		}
		next := slices.Min(v[k+1:]) // the (k+1)-th order statistic
		return v[k] + (next-v[k])*(pos-float64(k))
	}
	return at(0.25), at(0.5), at(0.75)
}

// selectKth reorders v so that v[k] is the value a sort would put there,
// with no larger value before it and no smaller one after (Hoare's
// selection with a median-of-three pivot).
func selectKth(v []float64, k int) {
	lo, hi := 0, len(v)-1
	for hi > lo {
		mid := lo + (hi-lo)/2
		if v[mid] < v[lo] {
			v[mid], v[lo] = v[lo], v[mid]
		}
		if v[hi] < v[lo] {
			v[hi], v[lo] = v[lo], v[hi]
		}
		if v[hi] < v[mid] {
			v[hi], v[mid] = v[mid], v[hi]
		}
		p := v[mid]
		i, j := lo, hi
		for i <= j {
			for v[i] < p {
				i++
			}
			for p < v[j] {
				j--
			}
			if i <= j {
				v[i], v[j] = v[j], v[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return
		}
	}
}

type count struct {
	value string
	n     int
}

// valueCounts counts the present values of c, most frequent first, ties
// in order of first appearance.
func valueCounts(c *Column) []count {
	var out []count
	switch c.kind {
	case String: // levels are in order of first appearance
		n := make([]int, len(c.levels))
		for i, k := range c.codes {
			if !c.IsMissing(i) {
				n[k]++
			}
		}
		for k, s := range c.levels {
			if n[k] > 0 {
				out = append(out, count{value: s, n: n[k]})
			}
		}
	default:
		at := map[string]int{}
		for i := range c.Len() {
			if c.IsMissing(i) {
				continue
			}
			v := c.Text(i)
			k, ok := at[v]
			if !ok {
				k = len(out)
				at[v] = k
				out = append(out, count{value: v})
			}
			out[k].n++
		}
	}
	slices.SortStableFunc(out, func(a, b count) int { return b.n - a.n })
	return out
}

// ValueCounts returns a table of the distinct values of the named column
// (as text) and how many rows hold each, most frequent first, missing
// values left out (pandas' value_counts).
func (t *Table) ValueCounts(name string) *Table {
	counts := valueCounts(t.Col(name))
	vals := make([]string, len(counts))
	ns := make([]int64, len(counts))
	for i, c := range counts {
		vals[i], ns[i] = c.value, int64(c.n)
	}
	return New([]*Column{NewStrings(name, vals, nil), NewInts("count", ns)})
}

// grid lays the summaries out with a row per statistic.
func (d *Description) grid() (header []string, rows [][]string) {
	header = []string{""}
	for _, s := range d.Columns {
		header = append(header, s.Name)
	}
	stat := func(name string, f func(s Summary) string) {
		r := []string{name}
		for _, s := range d.Columns {
			r = append(r, f(s))
		}
		rows = append(rows, r)
	}
	numeric := func(s Summary) bool { return s.Kind == Int || s.Kind == Float }
	stat("kind", func(s Summary) string { return s.Kind.String() })
	stat("count", func(s Summary) string { return strconv.Itoa(s.Count) })
	stat("missing", func(s Summary) string { return strconv.Itoa(s.Missing) })
	stat("unique", func(s Summary) string {
		if numeric(s) {
			return ""
		}
		return strconv.Itoa(s.Unique)
	})
	stat("top", func(s Summary) string { return s.Top })
	stat("freq", func(s Summary) string {
		if numeric(s) || s.Count == 0 {
			return ""
		}
		return strconv.Itoa(s.Freq)
	})
	for _, s := range d.Columns {
		if s.Kind == Time {
			stat("first", func(s Summary) string { return timeText(s, s.First) })
			stat("last", func(s Summary) string { return timeText(s, s.Last) })
			break
		}
	}
	for _, st := range []struct {
		name string
		get  func(s Summary) float64
	}{
		{"mean", func(s Summary) float64 { return s.Mean }},
		{"std", func(s Summary) float64 { return s.Std }},
		{"min", func(s Summary) float64 { return s.Min }},
		{"25%", func(s Summary) float64 { return s.Q25 }},
		{"50%", func(s Summary) float64 { return s.Q50 }},
		{"75%", func(s Summary) float64 { return s.Q75 }},
		{"max", func(s Summary) float64 { return s.Max }},
	} {
		stat(st.name, func(s Summary) string {
			if !numeric(s) {
				return ""
			}
			return formatNumber(st.get(s))
		})
	}
	return header, rows
}

// timeText formats First or Last like Column.Text, "" for other kinds.
func timeText(s Summary, t time.Time) string {
	if s.Kind != Time || t.IsZero() {
		return ""
	}
	return NewTimes("", []time.Time{t}).Text(0)
}

// String renders the description as aligned text.
func (d *Description) String() string {
	header, rows := d.grid()
	return grid.Text("", header, rows)
}

// HTML renders the description as an HTML table.
func (d *Description) HTML() string {
	header, rows := d.grid()
	return grid.HTML("", header, rows)
}

// Summary returns the summary of the named column. It panics if there is
// none.
func (d *Description) Summary(name string) Summary {
	for _, s := range d.Columns {
		if s.Name == name {
			return s
		}
	}
	panic(fmt.Errorf("table: the description has no column %q", name))
}
