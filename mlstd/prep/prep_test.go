package prep

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gokernel/gokernel/mlstd/metrics"
	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/optim"
	"github.com/gokernel/gokernel/mlstd/table"
	"github.com/gokernel/gokernel/mlstd/train"
)

func read(t *testing.T, text string) *table.Table {
	t.Helper()
	tb, err := table.ReadCSVFrom(strings.NewReader(text), "t.csv", table.CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

func TestUnknownCategory(t *testing.T) {
	fit, other := read(t, "c\na\nb\na\n"), read(t, "c\nb\nz\n")
	for _, tc := range []struct {
		step Transformer
		want []float32
		err  string
	}{
		{&OneHot{}, nil, `column "c": category "z" was not in the training data`},
		{&OneHot{Unknown: Ignore}, []float32{0, 1, 0, 0}, ""},
		{&Ordinal{}, nil, `category "z"`},
		{&Ordinal{Unknown: Ignore}, []float32{1, -1}, ""},
	} {
		p := NewPipeline().Add([]string{"c"}, tc.step)
		if err := p.Fit(fit); err != nil {
			t.Fatal(err)
		}
		x, err := p.Transform(other)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%T: error %v, want %q", tc.step, err, tc.err)
			}
			continue
		}
		if err != nil || !slices.Equal(x.Data(), tc.want) {
			t.Errorf("%T: %v %v, want %v", tc.step, x, err, tc.want)
		}
	}
}

func TestPipelineErrors(t *testing.T) {
	tb := read(t, "n,s,y\n1,a,1\nNA,b,NA\n3,NA,2\n")
	for _, tc := range []struct {
		p   *Pipeline
		err string
	}{
		{NewPipeline(), "no columns"},
		{NewPipeline().Add([]string{"n"}), `column "n" comes out with 1 missing values; add an Imputer`},
		{NewPipeline().Add([]string{"s"}, &Imputer{Strategy: Constant}), `column "s" comes out as strings; encode it`},
		{NewPipeline().Add([]string{"s"}, &StandardScaler{}), `column "s" holds strings, not numbers`},
		{NewPipeline().Add([]string{"s"}, &Imputer{Strategy: Median}), `column "s" holds strings; a median needs numbers`},
		{NewPipeline().Add([]string{"s"}, &OneHot{}), `column "s" has 1 missing values; impute them first`},
		{NewPipeline().Add([]string{"zz"}), `no column "zz"`},
		{NewPipeline().Add([]string{"n"}, &Imputer{}).Regress("y"), `the target "y" has 1 missing values`},
		{NewPipeline().Add([]string{"n"}, &Imputer{}).Regress("s"), `the target "s" has 1 missing values`},
	} {
		if err := tc.p.Fit(tb); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%v: error %v, want %q", tc.p, err, tc.err)
		}
	}
	if _, err := NewPipeline().Add([]string{"n"}, &Imputer{}).Transform(tb); err == nil || !strings.Contains(err.Error(), "Transform before Fit") {
		t.Errorf("transform before fit: %v", err)
	}
	p := NewPipeline().Add([]string{"n"}, &Imputer{}).Classify("s")
	if err := p.Fit(tb.DropMissing("s")); err != nil {
		t.Fatal(err)
	}
	ds, err := p.Dataset(tb.DropMissing("s"))
	if err != nil || !slices.Equal(ds.Y, []int{0, 1}) || !slices.Equal(ds.Classes, []string{"a", "b"}) || ds.X.Dim(1) != 1 {
		t.Errorf("classification dataset %v %v: %v", ds, ds.Classes, err)
	}
	if _, err := p.Dataset(read(t, "n,s\n1,q\n")); err == nil || !strings.Contains(err.Error(), `category "q"`) {
		t.Errorf("unknown class: %v", err)
	}
}

// TestRegressionEndToEnd reads a table, fits a pipeline with a regression
// target, trains a linear model with train.Fit on its Dataset and scores
// the held-out rows: y = 3a − 2b + 5·[c = "x"] is learnt almost exactly.
func TestRegressionEndToEnd(t *testing.T) {
	var b strings.Builder
	b.WriteString("a,b,c,y\n")
	for i := range 400 {
		a, bb := float64(i%17)/4, float64(i%23)/5
		c, cv := "x", 5.0
		if i%3 == 0 {
			c, cv = "w", 0
		}
		as := formatF(a)
		if i%41 == 0 {
			as = "NA"
		}
		b.WriteString(as + "," + formatF(bb) + "," + c + "," + formatF(3*a-2*bb+cv) + "\n")
	}
	tb := read(t, b.String())
	tr, te := tb.DropMissing().Split(0.8, "", 1)
	p := NewPipeline().
		Add([]string{"a", "b"}, &Imputer{Strategy: Mean}, &StandardScaler{}).
		Add([]string{"c"}, &OneHot{}).
		Regress("y")
	if err := p.Fit(tr); err != nil {
		t.Fatal(err)
	}
	trainSet, err := p.Dataset(tr)
	if err != nil {
		t.Fatal(err)
	}
	testSet, err := p.Dataset(te)
	if err != nil {
		t.Fatal(err)
	}
	model := nn.NewSequential(nn.NewLinear(trainSet.Features(), 1))
	opt := optim.NewSGD(model.Parameters(), optim.SGDConfig{LR: 0.05, Momentum: 0.9})
	h, err := train.Fit(model, opt, nil, trainSet, train.Config{Epochs: 60, BatchSize: 32, Quiet: true, Val: testSet})
	if err != nil {
		t.Fatal(err)
	}
	s := metrics.EvaluateRegression(model, testSet, 0)
	if s.R2 < 0.999 || s.RMSE > 0.1 || math.IsNaN(h.ValLoss[len(h.ValLoss)-1]) {
		t.Errorf("test scores %v, history %v", s, h.ValLoss)
	}
	if _, err := train.Fit(model, opt, nn.CrossEntropy, trainSet, train.Config{Quiet: true}); err == nil {
		t.Error("a class loss on a regression dataset trained")
	}
}

func formatF(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// TestSeveralTargets: Regress with two columns gives [rows, 2] targets
// in the order named.
func TestSeveralTargets(t *testing.T) {
	tb := read(t, "c,y,z\na,1,10\nb,2,20\na,3,30\n")
	p := NewPipeline().Add([]string{"c"}, &OneHot{}).Regress("z", "y")
	if err := p.Fit(tb); err != nil {
		t.Fatal(err)
	}
	ds, err := p.Dataset(tb)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ds.Targets.Shape(), []int{3, 2}) || !slices.Equal(ds.Targets.Data(), []float32{10, 1, 20, 2, 30, 3}) {
		t.Errorf("targets %v %v", ds.Targets.Shape(), ds.Targets.Data())
	}
	if !strings.Contains(p.String(), "target z, y: regress") {
		t.Errorf("pipeline:\n%v", p)
	}
}
