package prep

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"

	"github.com/gokernel/gokernel/mlstd/table"
)

// Input describes one column a fitted pipeline reads: its name, the kind
// it had in the training table, and for number columns the mean and
// population standard deviation of the training values present (NaN for
// other kinds), the reference a server scores input drift against.
type Input struct {
	Name      string
	Kind      table.Kind
	Mean, Std float64
}

// Inputs returns the columns Transform reads, in the order the groups
// name them (each once); nil before Fit.
func (p *Pipeline) Inputs() []Input { return slices.Clone(p.inputs) }

// fitInputs records the input columns of t that the groups name.
func (p *Pipeline) fitInputs(t *table.Table) {
	p.inputs = nil
	seen := map[string]bool{}
	for _, pt := range p.parts {
		for _, n := range pt.cols {
			if seen[n] || !t.Has(n) {
				continue
			}
			seen[n] = true
			c := t.Col(n)
			in := Input{Name: n, Kind: c.Kind(), Mean: math.NaN(), Std: math.NaN()}
			if c.Kind().Numeric() && c.Missing() < c.Len() {
				v := c.Present()
				in.Mean = mean(v)
				var ss float64
				for _, x := range v {
					ss += (x - in.Mean) * (x - in.Mean)
				}
				in.Std = math.Sqrt(ss / float64(len(v)))
			}
			p.inputs = append(p.inputs, in)
		}
	}
}

// The saved form of a fitted pipeline (MarshalJSON). Numbers are float64
// in Go's shortest round-tripping form, so a restored pipeline computes
// bit for bit what the saved one did.
type pipelineJSON struct {
	Version  int         `json:"version"`
	Inputs   []inputJSON `json:"inputs"`
	Parts    []partJSON  `json:"parts"`
	Targets  []string    `json:"targets,omitempty"`
	Classify bool        `json:"classify,omitempty"`
	Classes  []string    `json:"classes,omitempty"`
	Features []string    `json:"features"`
}

type inputJSON struct {
	Name string   `json:"name"`
	Kind string   `json:"kind"`
	Mean *float64 `json:"mean,omitempty"`
	Std  *float64 `json:"std,omitempty"`
}

type partJSON struct {
	Columns []string   `json:"columns"`
	Steps   []stepJSON `json:"steps"`
}

// stepJSON is one step: its kind, its options and what Fit learnt.
type stepJSON struct {
	Kind       string     `json:"kind"` // Imputer, OneHot, Ordinal, StandardScaler, MinMaxScaler
	Strategy   string     `json:"strategy,omitempty"`
	Value      float64    `json:"value,omitempty"`
	Text       string     `json:"text,omitempty"`
	FillNum    []float64  `json:"fill_num,omitempty"`
	FillText   []string   `json:"fill_text,omitempty"`
	Unknown    string     `json:"unknown,omitempty"`
	Categories [][]string `json:"categories,omitempty"`
	Shift      []float64  `json:"shift,omitempty"`
	Scale      []float64  `json:"scale,omitempty"`
}

var kindNames = map[string]table.Kind{"bool": table.Bool, "int": table.Int, "float": table.Float, "time": table.Time, "string": table.String}

var strategyNames = map[string]Strategy{"mean": Mean, "median": Median, "most frequent": MostFrequent, "constant": Constant}

// MarshalJSON returns the fitted pipeline — its groups, every step's
// options and learnt values, the inputs, the target and classes — as
// JSON that UnmarshalJSON restores (mlstd/export stores it in a model
// file with WithPipeline). Only prep's own steps can be saved: a step
// of another type is an error naming it.
func (p *Pipeline) MarshalJSON() ([]byte, error) {
	if p.features == nil {
		return nil, fmt.Errorf("prep: save: the pipeline is not fitted (call Fit first)")
	}
	j := pipelineJSON{Version: 1, Targets: p.targets, Classify: p.classify, Classes: p.classes, Features: p.features}
	for _, in := range p.inputs {
		ij := inputJSON{Name: in.Name, Kind: in.Kind.String()}
		if !math.IsNaN(in.Mean) {
			ij.Mean, ij.Std = &in.Mean, &in.Std
		}
		j.Inputs = append(j.Inputs, ij)
	}
	for _, pt := range p.parts {
		pj := partJSON{Columns: pt.cols}
		for _, s := range pt.steps {
			var sj stepJSON
			switch m := s.(type) {
			case *Imputer:
				sj = stepJSON{Kind: "Imputer", Strategy: m.Strategy.String(), Value: m.Value, Text: m.Text}
				for _, f := range m.fill {
					sj.FillNum = append(sj.FillNum, f.num)
					sj.FillText = append(sj.FillText, f.text)
				}
			case *OneHot:
				sj = stepJSON{Kind: "OneHot", Unknown: m.Unknown.String(), Categories: m.cats}
			case *Ordinal:
				sj = stepJSON{Kind: "Ordinal", Unknown: m.Unknown.String(), Categories: m.cats}
			case *StandardScaler:
				sj = stepJSON{Kind: "StandardScaler", Shift: m.shift, Scale: m.scale}
			case *MinMaxScaler:
				sj = stepJSON{Kind: "MinMaxScaler", Shift: m.shift, Scale: m.scale}
			default:
				return nil, fmt.Errorf("prep: save: step %s of columns %q is not one of prep's steps; only Imputer, OneHot, Ordinal, StandardScaler and MinMaxScaler can be saved", stepName(s), pt.cols)
			}
			pj.Steps = append(pj.Steps, sj)
		}
		j.Parts = append(j.Parts, pj)
	}
	b, err := json.Marshal(j)
	if err != nil {
		return nil, fmt.Errorf("prep: save: %v", err)
	}
	return b, nil
}

// UnmarshalJSON restores a pipeline saved by MarshalJSON, fitted as it was
// saved. Malformed or inconsistent JSON (a step fitted on a different
// number of columns, an unknown step kind) is an error, and p is left
// unchanged.
func (p *Pipeline) UnmarshalJSON(b []byte) error {
	var j pipelineJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return fmt.Errorf("prep: load: %v", err)
	}
	if j.Version != 1 {
		return fmt.Errorf("prep: load: pipeline format version %d, want 1", j.Version)
	}
	if len(j.Parts) == 0 || len(j.Features) == 0 {
		return fmt.Errorf("prep: load: the pipeline has %d groups and %d features", len(j.Parts), len(j.Features))
	}
	q := Pipeline{targets: j.Targets, classify: j.Classify, classes: j.Classes, features: j.Features}
	if j.Classify && (len(j.Targets) != 1 || len(j.Classes) == 0) {
		return fmt.Errorf("prep: load: a classifier's pipeline needs one target and its classes (has %d, %d)", len(j.Targets), len(j.Classes))
	}
	named := map[string]bool{}
	for _, in := range j.Inputs {
		k, ok := kindNames[in.Kind]
		if !ok || in.Name == "" || named[in.Name] {
			return fmt.Errorf("prep: load: input %q of kind %q", in.Name, in.Kind)
		}
		named[in.Name] = true
		x := Input{Name: in.Name, Kind: k, Mean: math.NaN(), Std: math.NaN()}
		if in.Mean != nil && in.Std != nil && k.Numeric() {
			x.Mean, x.Std = *in.Mean, *in.Std
		}
		q.inputs = append(q.inputs, x)
	}
	width := 0
	for _, pj := range j.Parts {
		n := len(pj.Columns)
		if n == 0 {
			return fmt.Errorf("prep: load: a group has no columns")
		}
		for _, c := range pj.Columns {
			if !named[c] {
				return fmt.Errorf("prep: load: column %q is not among the pipeline's inputs", c)
			}
		}
		pt := part{cols: pj.Columns}
		for _, sj := range pj.Steps {
			s, out, err := decodeStep(sj, n)
			if err != nil {
				return fmt.Errorf("prep: load: columns %q: %v", pj.Columns, err)
			}
			pt.steps = append(pt.steps, s)
			n = out
		}
		width += n
		q.parts = append(q.parts, pt)
	}
	if width != len(j.Features) {
		return fmt.Errorf("prep: load: the steps make %d features, the pipeline names %d", width, len(j.Features))
	}
	*p = q
	return nil
}

// decodeStep rebuilds a step fitted on n columns and returns it with the
// number of columns it outputs.
func decodeStep(sj stepJSON, n int) (Transformer, int, error) {
	unknown := func() (Unknown, error) {
		switch sj.Unknown {
		case "error":
			return Error, nil
		case "ignore":
			return Ignore, nil
		}
		return 0, fmt.Errorf("%s: unknown-category choice %q", sj.Kind, sj.Unknown)
	}
	cats := func() error {
		if len(sj.Categories) != n {
			return fmt.Errorf("%s has categories for %d columns, not %d", sj.Kind, len(sj.Categories), n)
		}
		for _, c := range sj.Categories {
			if len(c) == 0 {
				return fmt.Errorf("%s has a column with no categories", sj.Kind)
			}
		}
		return nil
	}
	affine := func() error {
		if len(sj.Shift) != n || len(sj.Scale) != n {
			return fmt.Errorf("%s has %d shifts and %d scales for %d columns", sj.Kind, len(sj.Shift), len(sj.Scale), n)
		}
		for _, s := range sj.Scale {
			if s == 0 {
				return fmt.Errorf("%s has a zero scale", sj.Kind)
			}
		}
		return nil
	}
	switch sj.Kind {
	case "Imputer":
		st, ok := strategyNames[sj.Strategy]
		if !ok {
			return nil, 0, fmt.Errorf("Imputer: unknown strategy %q", sj.Strategy)
		}
		if len(sj.FillNum) != n || len(sj.FillText) != n {
			return nil, 0, fmt.Errorf("Imputer has %d fill values for %d columns", len(sj.FillNum), n)
		}
		m := &Imputer{Strategy: st, Value: sj.Value, Text: sj.Text, fill: make([]fillValue, n)}
		for i := range m.fill {
			m.fill[i] = fillValue{num: sj.FillNum[i], text: sj.FillText[i]}
		}
		return m, n, nil
	case "OneHot":
		u, err := unknown()
		if err == nil {
			err = cats()
		}
		if err != nil {
			return nil, 0, err
		}
		out := 0
		for _, c := range sj.Categories {
			out += len(c)
		}
		return &OneHot{Unknown: u, cats: sj.Categories}, out, nil
	case "Ordinal":
		u, err := unknown()
		if err == nil {
			err = cats()
		}
		if err != nil {
			return nil, 0, err
		}
		return &Ordinal{Unknown: u, cats: sj.Categories}, n, nil
	case "StandardScaler":
		if err := affine(); err != nil {
			return nil, 0, err
		}
		return &StandardScaler{shift: sj.Shift, scale: sj.Scale}, n, nil
	case "MinMaxScaler":
		if err := affine(); err != nil {
			return nil, 0, err
		}
		return &MinMaxScaler{shift: sj.Shift, scale: sj.Scale}, n, nil
	}
	return nil, 0, fmt.Errorf("unknown step kind %q", sj.Kind)
}
