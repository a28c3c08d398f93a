package table

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// builder appends parsed values to one column while a file is read. Its
// kind is undecided until inference (or the first value that is not
// missing) fixes it; after that a value that does not fit is an error,
// except that an Int column meeting a fractional number becomes Float.
type builder struct {
	col     *Column
	decided bool
	rows    int
	index   map[string]int32 // String: level → code
}

func newBuilder(name string) *builder {
	return &builder{col: &Column{name: name}}
}

// decide fixes the column's kind; rows already counted are missing.
func (b *builder) decide(k Kind) {
	b.decided = true
	c := b.col
	c.kind = k
	n := b.rows
	switch k {
	case Bool:
		c.b = make([]bool, n)
	case Int:
		c.i = make([]int64, n)
	case Float:
		c.f = make([]float64, n)
	case Time:
		c.t = make([]time.Time, n)
	case String:
		c.codes = make([]int32, n)
		b.index = map[string]int32{}
	}
}

// missing appends a missing value.
func (b *builder) missing() {
	c := b.col
	if c.na == nil {
		c.na = make([]bool, b.rows, max(2*b.rows, 16))
	}
	c.na = append(c.na, true)
	c.nna++
	b.rows++
	if !b.decided {
		return
	}
	switch c.kind {
	case Bool:
		c.b = append(c.b, false)
	case Int:
		c.i = append(c.i, 0)
	case Float:
		c.f = append(c.f, 0)
	case Time:
		c.t = append(c.t, time.Time{})
	case String:
		c.codes = append(c.codes, 0)
	}
}

// add appends the value written s (not missing); an error says why s does
// not fit the column's kind.
func (b *builder) add(s string) error {
	if !b.decided {
		b.decide(classify(s))
	}
	c := b.col
	switch c.kind {
	case Bool:
		v, ok := parseBool(s)
		if !ok {
			return fmt.Errorf("%q is not true or false", s)
		}
		c.b = append(c.b, v)
	case Int:
		v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			f, ferr := parseFloat(s)
			if ferr != nil {
				return fmt.Errorf("%q is not a number", s)
			}
			b.toFloat()
			c.f = append(c.f, f)
			break
		}
		c.i = append(c.i, v)
	case Float:
		v, err := parseFloat(s)
		if err != nil {
			return fmt.Errorf("%q is not a number", s)
		}
		c.f = append(c.f, v)
	case Time:
		v, ok := parseTime(s)
		if !ok {
			return fmt.Errorf("%q is not a time (RFC 3339 or 2006-01-02[ 15:04:05])", s)
		}
		c.t = append(c.t, v)
	case String:
		k, ok := b.index[s]
		if !ok {
			k = int32(len(c.levels))
			s = strings.Clone(s) // s may share the whole record's memory
			c.levels = append(c.levels, s)
			b.index[s] = k
		}
		c.codes = append(c.codes, k)
	}
	if c.na != nil {
		c.na = append(c.na, false)
	}
	b.rows++
	return nil
}

// toFloat turns an Int column into a Float one.
func (b *builder) toFloat() {
	c := b.col
	c.f = make([]float64, len(c.i), cap(c.i))
	for j, v := range c.i {
		c.f[j] = float64(v)
	}
	c.i = nil
	c.kind = Float
}

// reserve makes room for n more values without growing, in a decided
// column's slice (and its missing flags, if any).
func (b *builder) reserve(n int) {
	c := b.col
	switch c.kind {
	case Bool:
		c.b = slices.Grow(c.b, n)
	case Int:
		c.i = slices.Grow(c.i, n)
	case Float:
		c.f = slices.Grow(c.f, n)
	case Time:
		c.t = slices.Grow(c.t, n)
	case String:
		c.codes = slices.Grow(c.codes, n)
	}
	if c.na != nil {
		c.na = slices.Grow(c.na, n)
	}
}

// append appends the values of o, a builder of the same column filled
// from a later part of the file. A column still undecided takes o's kind;
// Int and Float make Float; other differing kinds are an error.
func (b *builder) append(o *builder) error {
	if o.rows == 0 {
		return nil
	}
	if !o.decided {
		for range o.rows {
			b.missing()
		}
		return nil
	}
	if !b.decided {
		b.decide(o.col.kind)
	}
	c, oc := b.col, o.col
	if c.kind != oc.kind {
		switch {
		case c.kind == Int && oc.kind == Float:
			b.toFloat()
		case c.kind == Float && oc.kind == Int:
			o.toFloat()
		default:
			return fmt.Errorf("column %q holds %vs from here on but %vs before (set its kind with CSVOptions.Types)", c.name, oc.kind, c.kind)
		}
	}
	switch c.kind {
	case Bool:
		c.b = append(c.b, oc.b...)
	case Int:
		c.i = append(c.i, oc.i...)
	case Float:
		c.f = append(c.f, oc.f...)
	case Time:
		c.t = append(c.t, oc.t...)
	case String:
		remap := make([]int32, len(oc.levels))
		for k, s := range oc.levels {
			code, ok := b.index[s]
			if !ok {
				code = int32(len(c.levels))
				c.levels = append(c.levels, s)
				b.index[s] = code
			}
			remap[k] = code
		}
		for i, k := range oc.codes {
			if oc.na != nil && oc.na[i] { // a missing row's code means nothing
				c.codes = append(c.codes, 0)
				continue
			}
			c.codes = append(c.codes, remap[k])
		}
	}
	if c.na == nil && oc.na != nil {
		c.na = make([]bool, b.rows, cap(c.f)+cap(c.i)+cap(c.b)+cap(c.t)+cap(c.codes)) // the values' room
	}
	if c.na != nil {
		if oc.na != nil {
			c.na = append(c.na, oc.na...)
		} else {
			c.na = append(c.na, make([]bool, o.rows)...)
		}
	}
	c.nna += oc.nna
	b.rows += o.rows
	return nil
}

// column returns the finished column; a column that never held a value
// is a Float column of missing values (as in pandas).
func (b *builder) column() *Column {
	if !b.decided {
		b.decide(Float)
	}
	if b.col.nna == 0 {
		b.col.na = nil
	}
	return b.col
}

// classify returns the narrowest kind that holds s.
func classify(s string) Kind {
	if _, ok := parseBool(s); ok {
		return Bool
	}
	if _, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil {
		return Int
	}
	if _, err := parseFloat(s); err == nil {
		return Float
	}
	if _, ok := parseTime(s); ok {
		return Time
	}
	return String
}

// infer decides a kind from a sample of values that are not missing: Bool,
// Int, Float or Time when they all fit; a number kind when more than half
// of them are numbers (the others are then errors, reported by add);
// String otherwise.
func infer(sample []string) Kind {
	var count [String + 1]int
	for _, s := range sample {
		count[classify(s)]++
	}
	n := len(sample)
	switch {
	case count[Bool] == n:
		return Bool
	case count[Int] == n:
		return Int
	case count[Time] == n:
		return Time
	case count[Int]+count[Float] == n:
		return Float
	case 2*(count[Int]+count[Float]) > n:
		if count[Float] == 0 {
			return Int
		}
		return Float
	}
	return String
}

// parseBool accepts pandas' default true and false values.
func parseBool(s string) (bool, bool) {
	switch s {
	case "true", "True", "TRUE":
		return true, true
	case "false", "False", "FALSE":
		return false, true
	}
	return false, false
}

// parseFloat parses a decimal number, allowing surrounding spaces and
// "inf"/"-inf"; NaN is refused (it is a missing-value token).
func parseFloat(s string) (float64, error) {
	if v, ok := simpleFloat(s); ok {
		return v, nil
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return v, nil // ±Inf or 0 on overflow/underflow, as pandas reads them
		}
		return 0, err
	}
	if math.IsNaN(v) {
		return 0, fmt.Errorf("NaN")
	}
	return v, nil
}

// pow10 holds the powers of ten that a float64 represents exactly.
var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15}

// simpleFloat parses the common form of a CSV number — an optional sign,
// at most 15 digits and at most one point, nothing else — as m/10^k with
// m and 10^k exact in a float64, so the one rounding of the division gives
// the correctly rounded value strconv.ParseFloat would (a test compares
// them). Anything else reports false and goes to strconv.
func simpleFloat(s string) (float64, bool) {
	i, neg := 0, false
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		neg, i = s[0] == '-', 1
	}
	var m uint64
	digits, point := 0, -1
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			m = m*10 + uint64(c-'0')
			if digits++; digits > 15 {
				return 0, false
			}
		case c == '.' && point < 0:
			point = digits
		default:
			return 0, false
		}
	}
	if digits == 0 {
		return 0, false
	}
	v := float64(m)
	if point >= 0 {
		v /= pow10[digits-point]
	}
	if neg {
		v = -v
	}
	return v, true
}

var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"}

// parseTime parses the layouts of timeLayouts; times without a zone are UTC.
func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return time.Time{}, false
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
