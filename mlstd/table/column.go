package table

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
)

// Kind is the type of a column's values.
type Kind int

// The kinds of column, in the order inference tries them.
const (
	Bool   Kind = iota // true/false
	Int                // 64-bit integers
	Float              // 64-bit floats
	Time               // time.Time (RFC 3339, "2006-01-02" or "2006-01-02 15:04:05")
	String             // text, stored as categories (a dictionary of distinct values)
)

// String returns the kind's name: "bool", "int", "float", "time" or "string".
func (k Kind) String() string {
	switch k {
	case Bool:
		return "bool"
	case Int:
		return "int"
	case Float:
		return "float"
	case Time:
		return "time"
	case String:
		return "string"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Numeric reports whether values of kind k are numbers (Bool, Int, Float).
func (k Kind) Numeric() bool { return k == Bool || k == Int || k == Float }

// Column is a named, typed column of values, some of which may be
// missing. Exactly one value slice is used, by the column's kind; a
// missing value's slot holds the zero value. Strings are stored as codes
// into a dictionary of distinct values (Levels), in order of first
// appearance, so a column of a few categories costs 4 bytes a row.
//
// A Column is immutable once built: the methods that return slices
// return copies, and operations on a Table share columns between tables.
type Column struct {
	name   string
	kind   Kind
	b      []bool
	i      []int64
	f      []float64
	t      []time.Time
	codes  []int32  // String: index into levels
	levels []string // String: distinct values in order of first appearance
	na     []bool   // nil when nothing is missing
	nna    int      // number of missing values
}

// NewFloats returns a float column holding a copy of v; NaN values are
// missing.
func NewFloats(name string, v []float64) *Column {
	c := &Column{name: name, kind: Float, f: append([]float64(nil), v...)}
	for i, x := range v {
		if math.IsNaN(x) {
			c.setNA(i, len(v))
			c.f[i] = 0
		}
	}
	return c
}

// NewInts returns an int column holding a copy of v, with nothing missing.
func NewInts(name string, v []int64) *Column {
	return &Column{name: name, kind: Int, i: append([]int64(nil), v...)}
}

// NewBools returns a bool column holding a copy of v, with nothing missing.
func NewBools(name string, v []bool) *Column {
	return &Column{name: name, kind: Bool, b: append([]bool(nil), v...)}
}

// NewTimes returns a time column holding a copy of v; zero times are
// missing.
func NewTimes(name string, v []time.Time) *Column {
	c := &Column{name: name, kind: Time, t: append([]time.Time(nil), v...)}
	for i, x := range v {
		if x.IsZero() {
			c.setNA(i, len(v))
		}
	}
	return c
}

// NewStrings returns a string column of the values v; the rows where
// missing is true (missing may be nil) are missing.
func NewStrings(name string, v []string, missing []bool) *Column {
	if missing != nil && len(missing) != len(v) {
		panic(fmt.Errorf("table: NewStrings %q: %d values but %d missing flags", name, len(v), len(missing)))
	}
	c := &Column{name: name, kind: String, codes: make([]int32, len(v))}
	index := map[string]int32{}
	for i, s := range v {
		if missing != nil && missing[i] {
			c.setNA(i, len(v))
			continue
		}
		c.codes[i] = c.code(index, s)
	}
	return c
}

// code returns the code of s, adding it to the levels if new.
func (c *Column) code(index map[string]int32, s string) int32 {
	k, ok := index[s]
	if !ok {
		k = int32(len(c.levels))
		c.levels = append(c.levels, s)
		index[s] = k
	}
	return k
}

// setNA marks row i of an n-row column missing.
func (c *Column) setNA(i, n int) {
	if c.na == nil {
		c.na = make([]bool, n)
	}
	if !c.na[i] {
		c.na[i] = true
		c.nna++
	}
}

// Name returns the column's name.
func (c *Column) Name() string { return c.name }

// Kind returns the type of the column's values.
func (c *Column) Kind() Kind { return c.kind }

// Len returns the number of rows, missing ones included.
func (c *Column) Len() int {
	switch c.kind {
	case Bool:
		return len(c.b)
	case Int:
		return len(c.i)
	case Float:
		return len(c.f)
	case Time:
		return len(c.t)
	}
	return len(c.codes)
}

// Missing returns the number of missing values.
func (c *Column) Missing() int { return c.nna }

// IsMissing reports whether row i is missing.
func (c *Column) IsMissing(i int) bool { return c.na != nil && c.na[i] }

// MissingMask returns a copy of the missing flags, one per row.
func (c *Column) MissingMask() []bool {
	m := make([]bool, c.Len())
	copy(m, c.na)
	return m
}

// WithMissing returns a copy of c whose rows are also missing where
// missing is true: the way to build an Int or Bool column with gaps
// (NewInts(name, v).WithMissing(mask)). It panics if missing has another
// length than c.
func (c *Column) WithMissing(missing []bool) *Column {
	n := c.Len()
	if len(missing) != n {
		panic(fmt.Errorf("table: WithMissing %q: %d rows but %d missing flags", c.name, n, len(missing)))
	}
	d := *c
	d.b, d.i, d.f, d.t, d.codes = slices.Clone(c.b), slices.Clone(c.i), slices.Clone(c.f), slices.Clone(c.t), slices.Clone(c.codes)
	d.na = slices.Clone(c.na)
	for i, m := range missing {
		if !m || d.IsMissing(i) {
			continue
		}
		d.setNA(i, n)
		switch d.kind { // a missing slot holds the zero value
		case Bool:
			d.b[i] = false
		case Int:
			d.i[i] = 0
		case Float:
			d.f[i] = 0
		case Time:
			d.t[i] = time.Time{}
		case String:
			d.codes[i] = 0
		}
	}
	return &d
}

// Rename returns the column under another name (sharing its values).
func (c *Column) Rename(name string) *Column {
	d := *c
	d.name = name
	return &d
}

// Float returns row i as a number: a Float as it is, an Int converted,
// a Bool as 0 or 1, and NaN when the value is missing. It panics for
// String and Time columns.
func (c *Column) Float(i int) float64 {
	if c.IsMissing(i) {
		return math.NaN()
	}
	switch c.kind {
	case Float:
		return c.f[i]
	case Int:
		return float64(c.i[i])
	case Bool:
		if c.b[i] {
			return 1
		}
		return 0
	}
	panic(fmt.Errorf("table: column %q holds %vs, not numbers", c.name, c.kind))
}

// Floats returns the column as numbers (see Float), NaN where missing.
func (c *Column) Floats() []float64 {
	out := make([]float64, c.Len())
	if c.kind == Float {
		copy(out, c.f)
		for i := range c.na {
			if c.na[i] {
				out[i] = math.NaN()
			}
		}
		return out
	}
	for i := range out {
		out[i] = c.Float(i)
	}
	return out
}

// Present returns the values that are not missing as numbers (see Float),
// in row order: the sample a histogram or a statistic wants.
func (c *Column) Present() []float64 {
	out := make([]float64, 0, c.Len()-c.nna)
	for i := range c.Len() {
		if !c.IsMissing(i) {
			out = append(out, c.Float(i))
		}
	}
	return out
}

// Ints returns an Int column's values (0 where missing). It panics for
// other kinds.
func (c *Column) Ints() []int64 {
	c.must(Int)
	return append([]int64(nil), c.i...)
}

// Bools returns a Bool column's values (false where missing). It panics
// for other kinds.
func (c *Column) Bools() []bool {
	c.must(Bool)
	return append([]bool(nil), c.b...)
}

// Times returns a Time column's values (the zero time where missing). It
// panics for other kinds.
func (c *Column) Times() []time.Time {
	c.must(Time)
	return append([]time.Time(nil), c.t...)
}

// Levels returns a String column's distinct values in order of first
// appearance in the data the column was read or built from; a column
// taken from another (Take, Filter, Sort, Split…) keeps its source's
// levels, some of which may no longer occur. It panics for other kinds.
func (c *Column) Levels() []string {
	c.must(String)
	return append([]string(nil), c.levels...)
}

// Codes returns, for each row of a String column, the index of its value
// in Levels, or -1 where missing. It panics for other kinds.
func (c *Column) Codes() []int {
	c.must(String)
	out := make([]int, len(c.codes))
	for i, k := range c.codes {
		out[i] = int(k)
		if c.IsMissing(i) {
			out[i] = -1
		}
	}
	return out
}

// Strings returns every value as text (see Text), "" where missing.
func (c *Column) Strings() []string {
	out := make([]string, c.Len())
	for i := range out {
		if !c.IsMissing(i) {
			out[i] = c.Text(i)
		}
	}
	return out
}

// Text returns row i as text: "NA" when missing, numbers in the shortest
// form that reads back the same, times in RFC 3339 (a UTC midnight as the
// date alone).
func (c *Column) Text(i int) string {
	if c.IsMissing(i) {
		return "NA"
	}
	switch c.kind {
	case Bool:
		return strconv.FormatBool(c.b[i])
	case Int:
		return strconv.FormatInt(c.i[i], 10)
	case Float:
		return strconv.FormatFloat(c.f[i], 'g', -1, 64)
	case Time:
		t := c.t[i]
		if t.Location() == time.UTC && t.Equal(t.Truncate(24*time.Hour)) {
			return t.Format(time.DateOnly)
		}
		return t.Format(time.RFC3339Nano)
	}
	return c.levels[c.codes[i]]
}

// String summarises the column, e.g. `Column("mass", float, 344 rows, 2 missing)`.
func (c *Column) String() string {
	return fmt.Sprintf("Column(%q, %v, %d rows, %d missing)", c.name, c.kind, c.Len(), c.nna)
}

func (c *Column) must(k Kind) {
	if c.kind != k {
		panic(fmt.Errorf("table: column %q holds %vs, not %vs", c.name, c.kind, k))
	}
}

// take returns a new column of the rows idx, in that order.
func (c *Column) take(idx []int) *Column {
	d := &Column{name: c.name, kind: c.kind, levels: c.levels}
	switch c.kind {
	case Bool:
		d.b = make([]bool, len(idx))
		for j, i := range idx {
			d.b[j] = c.b[i]
		}
	case Int:
		d.i = make([]int64, len(idx))
		for j, i := range idx {
			d.i[j] = c.i[i]
		}
	case Float:
		d.f = make([]float64, len(idx))
		for j, i := range idx {
			d.f[j] = c.f[i]
		}
	case Time:
		d.t = make([]time.Time, len(idx))
		for j, i := range idx {
			d.t[j] = c.t[i]
		}
	case String:
		d.codes = make([]int32, len(idx))
		for j, i := range idx {
			d.codes[j] = c.codes[i]
		}
	}
	if c.na != nil {
		for j, i := range idx {
			if c.na[i] {
				d.setNA(j, len(idx))
			}
		}
	}
	return d
}

// less compares rows i and j of a column without missing values at
// either row.
func (c *Column) less(i, j int) bool {
	switch c.kind {
	case Bool:
		return !c.b[i] && c.b[j]
	case Int:
		return c.i[i] < c.i[j]
	case Float:
		return c.f[i] < c.f[j]
	case Time:
		return c.t[i].Before(c.t[j])
	}
	return c.levels[c.codes[i]] < c.levels[c.codes[j]]
}
