package prep

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/gokernel/gokernel/internal/pyref"
	"github.com/gokernel/gokernel/mlstd/table"
)

const penguins = "../table/testdata/penguins.csv"

// TestPipelineAgainstSklearn fits the same ColumnTransformer here and in
// scikit-learn on a stratified training split of the test file and
// compares the features of the held-out rows, and their names.
func TestPipelineAgainstSklearn(t *testing.T) {
	pyref.Require(t, "sklearn", "pandas")
	tb, err := table.ReadCSV(penguins, table.CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rows := make([]int64, tb.Rows())
	for i := range rows {
		rows[i] = int64(i)
	}
	tb = tb.With(table.NewInts("row", rows))
	train, test := tb.Split(0.7, "species", 4)
	p := NewPipeline().
		Add([]string{"bill_length_mm", "body_mass_g"}, &Imputer{Strategy: Median}, &StandardScaler{}).
		Add([]string{"bill_length_mm"}, &Imputer{Strategy: Mean}, &MinMaxScaler{}).
		Add([]string{"island", "sex"}, &Imputer{Strategy: MostFrequent}, &OneHot{Unknown: Ignore}).
		Add([]string{"sex"}, &Imputer{Strategy: Constant}, &OneHot{}).
		Add([]string{"body_mass_g"}, &Imputer{Strategy: Constant, Value: -1}).
		Add([]string{"species", "tagged"}, &Ordinal{})
	if err := p.Fit(train); err != nil {
		t.Fatal(err)
	}
	x, err := p.Transform(test)
	if err != nil {
		t.Fatal(err)
	}
	script := `
import json, sys
import numpy as np, pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import make_pipeline
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import StandardScaler, MinMaxScaler, OneHotEncoder, OrdinalEncoder
d = json.load(sys.stdin)
df = pd.read_csv(d["path"], na_values=["?"])
ct = ColumnTransformer([
    ("a", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), ["bill_length_mm", "body_mass_g"]),
    ("b", make_pipeline(SimpleImputer(strategy="mean"), MinMaxScaler()), ["bill_length_mm"]),
    ("c", make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore", sparse_output=False)), ["island", "sex"]),
    ("d", make_pipeline(SimpleImputer(strategy="constant", fill_value="missing"), OneHotEncoder(sparse_output=False)), ["sex"]),
    ("e", SimpleImputer(strategy="constant", fill_value=-1), ["body_mass_g"]),
    ("f", OrdinalEncoder(), ["species", "tagged"]),
])
ct.fit(df.iloc[d["train"]])
x = ct.transform(df.iloc[d["test"]])
print(json.dumps({"x": x.tolist(), "names": [n.split("__", 1)[1] for n in ct.get_feature_names_out()]}))`
	in, _ := json.Marshal(map[string]any{"path": penguins, "train": train.Col("row").Ints(), "test": test.Col("row").Ints()})
	var sk struct {
		X     [][]float64
		Names []string
	}
	pyref.Run(t, script, json.RawMessage(in), &sk)
	names := strings.Join(p.Features(), ",")
	if want := strings.Join(sk.Names, ","); names != want {
		t.Errorf("features\n%s\nsklearn\n%s", names, want)
	}
	f := len(p.Features())
	if x.Dim(0) != len(sk.X) || x.Dim(1) != len(sk.X[0]) {
		t.Fatalf("shape %v, sklearn [%d %d]", x.Shape(), len(sk.X), len(sk.X[0]))
	}
	for i, row := range sk.X {
		for j, want := range row {
			if got := float64(x.Data()[i*f+j]); math.Abs(got-want) > 1e-5*math.Max(1, math.Abs(want)) {
				t.Errorf("row %d feature %s: %v, sklearn %v", i, p.Features()[j], got, want)
			}
		}
	}
}
