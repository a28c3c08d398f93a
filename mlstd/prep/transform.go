package prep

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/gokernel/gokernel/mlstd/table"
)

// Transformer is one preprocessing step: Fit learns from the training
// columns (a mean, the categories), Transform applies what it learned to
// columns of the same names — the training set's or any other's — and
// returns the new columns. Transform before Fit is an error.
type Transformer interface {
	Fit(cols []*table.Column) error
	Transform(cols []*table.Column) ([]*table.Column, error)
}

// errNotFitted is returned by Transform before Fit.
var errNotFitted = errors.New("prep: Transform before Fit")

// Strategy is how an Imputer fills missing values.
type Strategy int

// The strategies of sklearn's SimpleImputer.
const (
	Mean         Strategy = iota // the column's mean (numbers only)
	Median                       // the column's median (numbers only)
	MostFrequent                 // the most frequent value (the smallest among equals)
	Constant                     // Imputer.Value for numbers, Imputer.Text for the other kinds
)

// Imputer fills missing values with a statistic of the training column
// (sklearn's SimpleImputer). Number columns come out as Float columns;
// other kinds keep their kind. A column with no value to learn from is an
// error.
type Imputer struct {
	Strategy Strategy
	Value    float64 // Constant's fill for number columns
	Text     string  // Constant's fill for the other kinds; "" means "missing"

	fill []fillValue
}

type fillValue struct {
	name string
	num  float64
	text string
}

// Fit learns each column's fill value.
func (m *Imputer) Fit(cols []*table.Column) error {
	m.fill = make([]fillValue, len(cols))
	for j, c := range cols {
		fv := fillValue{name: c.Name()}
		numeric := c.Kind().Numeric()
		switch m.Strategy {
		case Mean, Median:
			if !numeric {
				return fmt.Errorf("prep: column %q holds %vs; a %s needs numbers (use MostFrequent or Constant)", c.Name(), c.Kind(), m.Strategy)
			}
			if c.Missing() == c.Len() {
				return fmt.Errorf("prep: column %q has no values to compute a %s from", c.Name(), m.Strategy)
			}
			v := c.Present()
			fv.num = mean(v)
			if m.Strategy == Median {
				fv.num = table.Describe(table.NewFloats(c.Name(), v)).Q50
			}
		case MostFrequent:
			if c.Missing() == c.Len() {
				return fmt.Errorf("prep: column %q has no values to find the most frequent of", c.Name())
			}
			fv.num, fv.text = mostFrequent(c)
		case Constant:
			fv.num, fv.text = m.Value, m.Text
			if fv.text == "" {
				fv.text = "missing"
			}
		default:
			return fmt.Errorf("prep: unknown imputer strategy %d", int(m.Strategy))
		}
		m.fill[j] = fv
	}
	return nil
}

// Transform returns the columns with their missing values filled.
func (m *Imputer) Transform(cols []*table.Column) ([]*table.Column, error) {
	if err := fitted(len(m.fill), cols, "Imputer"); err != nil {
		return nil, err
	}
	out := make([]*table.Column, len(cols))
	for j, c := range cols {
		fv := m.fill[j]
		if c.Kind().Numeric() {
			v := c.Floats()
			for i := range v {
				if math.IsNaN(v[i]) {
					v[i] = fv.num
				}
			}
			out[j] = table.NewFloats(c.Name(), v)
			continue
		}
		if c.Missing() == 0 {
			out[j] = c
			continue
		}
		if c.Kind() != table.String {
			return nil, fmt.Errorf("prep: Imputer cannot fill a column of %vs (%q)", c.Kind(), c.Name())
		}
		s := c.Strings()
		for i := range s {
			if c.IsMissing(i) {
				s[i] = fv.text
			}
		}
		out[j] = table.NewStrings(c.Name(), s, nil)
	}
	return out, nil
}

// String names the strategy: "mean", "median", "most frequent", "constant".
func (s Strategy) String() string {
	switch s {
	case Mean:
		return "mean"
	case Median:
		return "median"
	case MostFrequent:
		return "most frequent"
	case Constant:
		return "constant"
	}
	return "Strategy(" + strconv.Itoa(int(s)) + ")"
}

// mostFrequent returns the most frequent present value of c, the smallest
// among equals (numbers by value, text by byte order), as sklearn does.
func mostFrequent(c *table.Column) (float64, string) {
	if c.Kind().Numeric() {
		n := map[float64]int{}
		for _, v := range c.Present() {
			n[v]++
		}
		best, bn := math.Inf(1), 0
		for v, k := range n {
			if k > bn || k == bn && v < best {
				best, bn = v, k
			}
		}
		return best, ""
	}
	n := map[string]int{}
	for i, s := range c.Strings() {
		if !c.IsMissing(i) {
			n[s]++
		}
	}
	best, bn := "", 0
	for s, k := range n {
		if k > bn || k == bn && s < best {
			best, bn = s, k
		}
	}
	return 0, best
}

// Unknown says what an encoder does with a category it did not see in Fit.
type Unknown int

// The choices for an unknown category.
const (
	Error  Unknown = iota // Transform returns an error naming the column and value
	Ignore                // OneHot: all zeros; Ordinal: -1
)

// String names the choice: "error" or "ignore".
func (u Unknown) String() string {
	switch u {
	case Error:
		return "error"
	case Ignore:
		return "ignore"
	}
	return "Unknown(" + strconv.Itoa(int(u)) + ")"
}

// OneHot replaces each column by one 0/1 Float column per category seen
// in Fit, named "column_category", in sorted order (sklearn's
// OneHotEncoder; Int columns sort by value). Missing values are an error:
// impute them first.
type OneHot struct {
	Unknown Unknown

	cats [][]string
}

// Fit learns each column's categories.
func (m *OneHot) Fit(cols []*table.Column) error {
	var err error
	m.cats, err = categories(cols, "OneHot")
	return err
}

// Transform returns the one-hot columns.
func (m *OneHot) Transform(cols []*table.Column) ([]*table.Column, error) {
	if err := fitted(len(m.cats), cols, "OneHot"); err != nil {
		return nil, err
	}
	var out []*table.Column
	for j, c := range cols {
		codes, err := encode(c, m.cats[j], m.Unknown, "OneHot")
		if err != nil {
			return nil, err
		}
		for k, cat := range m.cats[j] {
			v := make([]float64, len(codes))
			for i, code := range codes {
				if code == k {
					v[i] = 1
				}
			}
			out = append(out, table.NewFloats(c.Name()+"_"+cat, v))
		}
	}
	return out, nil
}

// Categories returns the categories learnt for each column, in output order.
func (m *OneHot) Categories() [][]string { return clone2(m.cats) }

// Ordinal replaces each category by its index among the categories seen
// in Fit, in sorted order, as a Float column (sklearn's OrdinalEncoder;
// with Ignore, an unknown category is -1 like its
// handle_unknown="use_encoded_value", unknown_value=-1).
type Ordinal struct {
	Unknown Unknown

	cats [][]string
}

// Fit learns each column's categories.
func (m *Ordinal) Fit(cols []*table.Column) error {
	var err error
	m.cats, err = categories(cols, "Ordinal")
	return err
}

// Transform returns the encoded columns.
func (m *Ordinal) Transform(cols []*table.Column) ([]*table.Column, error) {
	if err := fitted(len(m.cats), cols, "Ordinal"); err != nil {
		return nil, err
	}
	out := make([]*table.Column, len(cols))
	for j, c := range cols {
		codes, err := encode(c, m.cats[j], m.Unknown, "Ordinal")
		if err != nil {
			return nil, err
		}
		v := make([]float64, len(codes))
		for i, k := range codes {
			v[i] = float64(k)
		}
		out[j] = table.NewFloats(c.Name(), v)
	}
	return out, nil
}

// Categories returns the categories learnt for each column; a value's
// code is its index.
func (m *Ordinal) Categories() [][]string { return clone2(m.cats) }

// categories returns the sorted distinct values of each column.
func categories(cols []*table.Column, who string) ([][]string, error) {
	out := make([][]string, len(cols))
	for j, c := range cols {
		if c.Missing() > 0 {
			return nil, fmt.Errorf("prep: %s: column %q has %d missing values; impute them first", who, c.Name(), c.Missing())
		}
		if c.Kind() == table.Float {
			return nil, fmt.Errorf("prep: %s: column %q holds floats, not categories", who, c.Name())
		}
		seen := map[string]bool{}
		var vals []string
		for _, s := range c.Strings() {
			if !seen[s] {
				seen[s] = true
				vals = append(vals, s)
			}
		}
		if c.Kind() == table.Int {
			slices.SortFunc(vals, func(a, b string) int {
				x, _ := strconv.ParseInt(a, 10, 64)
				y, _ := strconv.ParseInt(b, 10, 64)
				return int(min(max(x-y, -1), 1))
			})
		} else {
			slices.Sort(vals)
		}
		out[j] = vals
	}
	return out, nil
}

// encode returns each row's index in cats, -1 for an unknown value when
// ignoring unknowns.
func encode(c *table.Column, cats []string, unknown Unknown, who string) ([]int, error) {
	if c.Missing() > 0 {
		return nil, fmt.Errorf("prep: %s: column %q has %d missing values; impute them first", who, c.Name(), c.Missing())
	}
	index := make(map[string]int, len(cats))
	for k, s := range cats {
		index[s] = k
	}
	codes := make([]int, c.Len())
	for i, s := range c.Strings() {
		k, ok := index[s]
		if !ok {
			if unknown != Ignore {
				return nil, fmt.Errorf("prep: %s: column %q: category %q was not in the training data (known: %q; set Unknown: prep.Ignore to encode it as unknown)", who, c.Name(), s, cats)
			}
			k = -1
		}
		codes[i] = k
	}
	return codes, nil
}

// StandardScaler maps each number column to (x − mean)/std with the
// training column's mean and population standard deviation (sklearn's
// StandardScaler; a zero std divides by 1). Missing values stay missing
// and are left out of the statistics.
type StandardScaler struct {
	shift, scale []float64
}

// Fit learns each column's mean and standard deviation.
func (m *StandardScaler) Fit(cols []*table.Column) error {
	m.shift, m.scale = make([]float64, len(cols)), make([]float64, len(cols))
	for j, c := range cols {
		v, err := numbers(c, "StandardScaler")
		if err != nil {
			return err
		}
		mu := mean(v)
		var ss float64
		for _, x := range v {
			ss += (x - mu) * (x - mu)
		}
		sd := math.Sqrt(ss / float64(len(v)))
		if sd == 0 {
			sd = 1
		}
		m.shift[j], m.scale[j] = mu, sd
	}
	return nil
}

// Transform returns the scaled columns.
func (m *StandardScaler) Transform(cols []*table.Column) ([]*table.Column, error) {
	if err := fitted(len(m.shift), cols, "StandardScaler"); err != nil {
		return nil, err
	}
	return affine(cols, m.shift, m.scale, "StandardScaler")
}

// MinMaxScaler maps each number column to (x − min)/(max − min), so the
// training values span [0, 1] (sklearn's MinMaxScaler; a zero range
// divides by 1). Missing values stay missing.
type MinMaxScaler struct {
	shift, scale []float64
}

// Fit learns each column's minimum and maximum.
func (m *MinMaxScaler) Fit(cols []*table.Column) error {
	m.shift, m.scale = make([]float64, len(cols)), make([]float64, len(cols))
	for j, c := range cols {
		v, err := numbers(c, "MinMaxScaler")
		if err != nil {
			return err
		}
		lo, hi := slices.Min(v), slices.Max(v)
		m.shift[j], m.scale[j] = lo, hi-lo
		if hi == lo {
			m.scale[j] = 1
		}
	}
	return nil
}

// Transform returns the scaled columns.
func (m *MinMaxScaler) Transform(cols []*table.Column) ([]*table.Column, error) {
	if err := fitted(len(m.shift), cols, "MinMaxScaler"); err != nil {
		return nil, err
	}
	return affine(cols, m.shift, m.scale, "MinMaxScaler")
}

// numbers returns c's present values, or an error if c is not a number
// column or has none.
func numbers(c *table.Column, who string) ([]float64, error) {
	if !c.Kind().Numeric() {
		return nil, fmt.Errorf("prep: %s: column %q holds %vs, not numbers (encode it first)", who, c.Name(), c.Kind())
	}
	v := c.Present()
	if len(v) == 0 {
		return nil, fmt.Errorf("prep: %s: column %q has no values", who, c.Name())
	}
	return v, nil
}

// affine returns the Float columns (x − shift)/scale.
func affine(cols []*table.Column, shift, scale []float64, who string) ([]*table.Column, error) {
	out := make([]*table.Column, len(cols))
	for j, c := range cols {
		if !c.Kind().Numeric() {
			return nil, fmt.Errorf("prep: %s: column %q holds %vs, not numbers", who, c.Name(), c.Kind())
		}
		v := c.Floats()
		for i := range v {
			v[i] = (v[i] - shift[j]) / scale[j]
		}
		out[j] = table.NewFloats(c.Name(), v)
	}
	return out, nil
}

// fitted checks that a step was fitted on as many columns as it is given.
func fitted(n int, cols []*table.Column, who string) error {
	if n == 0 && len(cols) > 0 {
		return fmt.Errorf("prep: %s: %w", who, errNotFitted)
	}
	if n != len(cols) {
		return fmt.Errorf("prep: %s was fitted on %d columns, given %d", who, n, len(cols))
	}
	return nil
}

func mean(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

func clone2(s [][]string) [][]string {
	out := make([][]string, len(s))
	for i, x := range s {
		out[i] = slices.Clone(x)
	}
	return out
}
