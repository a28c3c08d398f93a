package prep

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gokernel/gokernel/mlstd/table"
)

// TestSaveRestore: a pipeline restored from its JSON transforms held-out
// rows to bitwise the same features, with every step kind and both
// unknown-category choices, and keeps its inputs, target and classes.
func TestSaveRestore(t *testing.T) {
	all, err := table.ReadCSV("../../notebooks/penguins.csv", table.CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	train, test := all.DropMissing("body_mass_g").Split(0.8, "species", 1)
	p := NewPipeline().
		Add([]string{"bill_length_mm", "bill_depth_mm"}, &Imputer{Strategy: Median}, &StandardScaler{}).
		Add([]string{"flipper_length_mm", "body_mass_g"}, &Imputer{Strategy: Mean}, &MinMaxScaler{}).
		Add([]string{"island"}, &OneHot{}).
		Add([]string{"sex"}, &Imputer{Strategy: Constant, Text: "unknown"}, &OneHot{Unknown: Ignore}).
		Add([]string{"year", "island"}, &Ordinal{Unknown: Ignore}).
		Classify("species")
	if err := p.Fit(train); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var q Pipeline
	if err := json.Unmarshal(b, &q); err != nil {
		t.Fatal(err)
	}
	want, err := p.Dataset(test)
	if err != nil {
		t.Fatal(err)
	}
	got, err := q.Dataset(test)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range want.X.Data() {
		if math.Float32bits(v) != math.Float32bits(got.X.Data()[i]) {
			t.Fatalf("feature %d: restored %v, saved %v", i, got.X.Data()[i], v)
		}
	}
	if !slices.Equal(want.Y, got.Y) || !slices.Equal(q.Classes(), p.Classes()) || !slices.Equal(q.Features(), p.Features()) {
		t.Errorf("restored classes %q features %q, want %q %q", q.Classes(), q.Features(), p.Classes(), p.Features())
	}
	if q.String() != p.String() {
		t.Errorf("restored:\n%s\nsaved:\n%s", &q, p)
	}
	in := q.Inputs()
	var names []string
	for _, x := range in {
		names = append(names, x.Name)
	}
	if !slices.Equal(names, []string{"bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "island", "sex", "year"}) {
		t.Errorf("inputs %q", names)
	}
	mass := train.Col("body_mass_g").Present()
	if in[3].Kind != table.Int || in[3].Mean != mean(mass) || in[4].Kind != table.String || !math.IsNaN(in[4].Mean) {
		t.Errorf("inputs %+v", in)
	}
}

func TestSaveRestoreErrors(t *testing.T) {
	tb := read(t, "a,c\n1,x\n2,y\n")
	if _, err := json.Marshal(NewPipeline().Add([]string{"a"}, &StandardScaler{})); err == nil || !strings.Contains(err.Error(), "not fitted") {
		t.Errorf("unfitted: %v", err)
	}
	custom := NewPipeline().AddSteps([]string{"a"}, []Transformer{&StandardScaler{}, doubler{}})
	if err := custom.Fit(tb); err != nil {
		t.Fatal(err)
	}
	if _, err := json.Marshal(custom); err == nil || !strings.Contains(err.Error(), "doubler") {
		t.Errorf("custom step: %v", err)
	}
	p := NewPipeline().Add([]string{"a"}, &StandardScaler{}).Add([]string{"c"}, &OneHot{})
	if err := p.Fit(tb); err != nil {
		t.Fatal(err)
	}
	good, _ := json.Marshal(p)
	for _, c := range []struct{ from, to, want string }{
		{`"version":1`, `"version":2`, "version 2"},
		{`"shift":[1.5]`, `"shift":[1.5,2]`, "1 columns"},
		{`"scale":[0.5]`, `"scale":[0]`, "zero scale"},
		{`"kind":"OneHot"`, `"kind":"Binner"`, `"Binner"`},
		{`"unknown":"error"`, `"unknown":"maybe"`, `"maybe"`},
		{`"categories":[["x","y"]]`, `"categories":[["x"]]`, "make 2 features"},
		{`"columns":["c"]`, `"columns":["d"]`, `"d" is not among`},
		{`"kind":"string"`, `"kind":"text"`, `"text"`},
		{`{`, `[`, "prep: load"},
	} {
		bad := strings.Replace(string(good), c.from, c.to, 1)
		if bad == string(good) {
			t.Fatalf("%s not in %s", c.from, good)
		}
		q := NewPipeline()
		if err := q.UnmarshalJSON([]byte(bad)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s → %s: %v, want %q", c.from, c.to, err, c.want)
		}
		if q.Features() != nil {
			t.Errorf("%s → %s: a failed load changed the pipeline", c.from, c.to)
		}
	}
}

type doubler struct{}

func (doubler) Fit([]*table.Column) error { return nil }
func (doubler) Transform(cols []*table.Column) ([]*table.Column, error) {
	return cols, nil
}
