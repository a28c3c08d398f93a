package prep

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/gokernel/gokernel/mlstd/data"
	"github.com/gokernel/gokernel/mlstd/table"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// Pipeline turns a table into a model's input: each group of columns
// goes through its own chain of transformers, and the outputs, side by
// side in the order the groups were added, are the features (sklearn's
// ColumnTransformer of Pipelines, with remainder="drop"). A pipeline can
// also encode a target column, so Dataset returns what train.Fit takes.
//
// Fit learns on the training table only; Transform and Dataset then apply
// exactly what was learnt to any table with the same columns.
type Pipeline struct {
	parts    []part
	targets  []string // one for Classify, one or more for Regress
	classify bool
	classes  []string // learnt class names when classifying
	features []string // output names, known after Fit
	inputs   []Input  // the columns read, learnt at Fit
}

type part struct {
	cols  []string
	steps []Transformer
}

// NewPipeline returns an empty pipeline.
func NewPipeline() *Pipeline { return &Pipeline{} }

// Add sends the named columns through steps, in order, and returns p.
// A step whose type is defined in a notebook cell must go through
// AddSteps: the interpreter cannot pass it as a variadic argument.
func (p *Pipeline) Add(cols []string, steps ...Transformer) *Pipeline { return p.AddSteps(cols, steps) }

// AddSteps is Add with the steps in a slice.
func (p *Pipeline) AddSteps(cols []string, steps []Transformer) *Pipeline {
	p.parts = append(p.parts, part{cols: slices.Clone(cols), steps: slices.Clone(steps)})
	p.features = nil
	return p
}

// Classify makes the named column the target of Dataset, as class indices
// numbered in the sorted order of the classes Fit sees (sklearn's
// LabelEncoder), and returns p.
func (p *Pipeline) Classify(target string) *Pipeline {
	p.targets, p.classify = []string{target}, true
	return p
}

// Regress makes the named number columns the targets of Dataset, as
// float targets of shape [rows, len(targets)], and returns p.
func (p *Pipeline) Regress(targets ...string) *Pipeline {
	p.targets, p.classify = append([]string(nil), targets...), false
	return p
}

// Fit learns every step's parameters (and the target's classes) from t.
func (p *Pipeline) Fit(t *table.Table) error {
	_, err := p.run(t, true)
	return err
}

// FitTransform is Fit followed by Transform on the same table.
func (p *Pipeline) FitTransform(t *table.Table) (*tensor.Tensor, error) { return p.run(t, true) }

// Transform returns the features of t's rows as a [rows, features]
// float32 tensor.
func (p *Pipeline) Transform(t *table.Table) (*tensor.Tensor, error) {
	if p.features == nil {
		return nil, fmt.Errorf("prep: %w", errNotFitted)
	}
	return p.run(t, false)
}

// Features returns the names of the output columns in order ("island_Dream"
// for a one-hot category); nil before Fit.
func (p *Pipeline) Features() []string { return slices.Clone(p.features) }

// Classes returns the class names learnt for a Classify target.
func (p *Pipeline) Classes() []string { return slices.Clone(p.classes) }

// run applies every part to t, fitting first when fit is true.
func (p *Pipeline) run(t *table.Table, fit bool) (*tensor.Tensor, error) {
	if len(p.parts) == 0 {
		return nil, fmt.Errorf("prep: the pipeline has no columns (Add some)")
	}
	if fit && len(p.targets) > 0 {
		if err := p.fitTarget(t); err != nil {
			return nil, err
		}
	}
	if fit {
		p.fitInputs(t)
	}
	var outs []*table.Column
	for _, pt := range p.parts {
		cols := make([]*table.Column, len(pt.cols))
		for j, n := range pt.cols {
			if !t.Has(n) {
				return nil, fmt.Errorf("prep: the table has no column %q (columns: %s)", n, strings.Join(t.Names(), ", "))
			}
			cols[j] = t.Col(n)
		}
		for _, s := range pt.steps {
			if fit {
				if err := s.Fit(cols); err != nil {
					return nil, err
				}
			}
			var err error
			if cols, err = s.Transform(cols); err != nil {
				return nil, err
			}
		}
		outs = append(outs, cols...)
	}
	names := make([]string, len(outs))
	for j, c := range outs {
		if !c.Kind().Numeric() {
			return nil, fmt.Errorf("prep: column %q comes out as %vs; encode it (OneHot or Ordinal)", c.Name(), c.Kind())
		}
		if c.Missing() > 0 {
			return nil, fmt.Errorf("prep: column %q comes out with %d missing values; add an Imputer before the other steps", c.Name(), c.Missing())
		}
		names[j] = c.Name()
	}
	if fit {
		p.features = names
	} else if !slices.Equal(names, p.features) {
		return nil, fmt.Errorf("prep: the columns came out as %q, not as fitted %q", names, p.features)
	}
	n, f := t.Rows(), len(outs)
	x := make([]float32, n*f)
	for j, c := range outs {
		for i, v := range c.Floats() {
			x[i*f+j] = float32(v)
		}
	}
	return tensor.New(x, n, f), nil
}

// fitTarget learns the classes of a Classify target.
func (p *Pipeline) fitTarget(t *table.Table) error {
	cols, err := p.targetColumns(t)
	if err != nil || !p.classify {
		return err
	}
	c := cols[0]
	cats, err := categories([]*table.Column{c}, "Classify")
	if err != nil {
		return err
	}
	p.classes = cats[0]
	return nil
}

// targetColumns returns the target columns of t, checked.
func (p *Pipeline) targetColumns(t *table.Table) ([]*table.Column, error) {
	var cols []*table.Column
	for _, name := range p.targets {
		if !t.Has(name) {
			return nil, fmt.Errorf("prep: the table has no target column %q (columns: %s)", name, strings.Join(t.Names(), ", "))
		}
		c := t.Col(name)
		if c.Missing() > 0 {
			return nil, fmt.Errorf("prep: the target %q has %d missing values (t.DropMissing(%q) leaves those rows out)", name, c.Missing(), name)
		}
		if !p.classify && !c.Kind().Numeric() {
			return nil, fmt.Errorf("prep: the regression target %q holds %vs, not numbers", name, c.Kind())
		}
		cols = append(cols, c)
	}
	return cols, nil
}

// Dataset returns t as a dataset for train.Fit and package metrics: X is
// Transform(t) and the targets come from the column named by Classify
// (Y, with Classes) or the columns named by Regress (Targets, shape
// [rows, targets]). A class that Fit did not see is an error.
func (p *Pipeline) Dataset(t *table.Table) (*data.Dataset, error) {
	if len(p.targets) == 0 {
		return nil, fmt.Errorf("prep: the pipeline has no target (call Classify or Regress before Fit)")
	}
	x, err := p.Transform(t)
	if err != nil {
		return nil, err
	}
	cols, err := p.targetColumns(t)
	if err != nil {
		return nil, err
	}
	if !p.classify {
		n, k := t.Rows(), len(cols)
		y := make([]float32, n*k)
		for j, c := range cols {
			for i, v := range c.Floats() {
				y[i*k+j] = float32(v)
			}
		}
		return data.NewRegression(x, tensor.New(y, n, k)), nil
	}
	codes, err := encode(cols[0], p.classes, Error, "Classify")
	if err != nil {
		return nil, err
	}
	ds := data.NewDataset(x, codes)
	ds.Classes = slices.Clone(p.classes)
	return ds, nil
}

// String describes the pipeline, one line per group of columns.
func (p *Pipeline) String() string {
	var b strings.Builder
	b.WriteString("Pipeline")
	if p.features != nil {
		b.WriteString(" (" + strconv.Itoa(len(p.features)) + " features)")
	}
	for _, pt := range p.parts {
		b.WriteString("\n  " + strings.Join(pt.cols, ", ") + " →")
		for _, s := range pt.steps {
			b.WriteString(" " + stepName(s))
		}
	}
	if len(p.targets) > 0 {
		role := "regress"
		if p.classify {
			role = "classify"
		}
		fmt.Fprintf(&b, "\n  target %s: %s", strings.Join(p.targets, ", "), role)
	}
	return b.String()
}

func stepName(s Transformer) string {
	if m, ok := s.(*Imputer); ok {
		return "Imputer(" + m.Strategy.String() + ")"
	}
	t := reflect.TypeOf(s)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}
