package metrics

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/gokernel/gokernel/internal/pyref"
	"github.com/gokernel/gokernel/mlstd/data"
	"github.com/gokernel/gokernel/mlstd/host"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// The worked example: confusion [[2 1 0] [0 1 1] [1 1 3]].
var (
	exY    = []int{0, 0, 0, 1, 1, 2, 2, 2, 2, 2}
	exPred = []int{0, 1, 0, 1, 2, 2, 2, 0, 2, 1}
)

func TestConfusionMatrix(t *testing.T) {
	cm := NewConfusionMatrix(exPred, exY, 0)
	want := [][]int{{2, 1, 0}, {0, 1, 1}, {1, 1, 3}}
	for i := range want {
		if !slices.Equal(cm.Counts[i], want[i]) {
			t.Fatalf("counts %v, want %v", cm.Counts, want)
		}
	}
	if !slices.Equal(cm.Support(), []int{3, 2, 5}) || !slices.Equal(cm.Predicted(), []int{3, 3, 4}) || cm.Total() != 10 {
		t.Errorf("support %v predicted %v total %d", cm.Support(), cm.Predicted(), cm.Total())
	}
	check := func(name string, got, want []float64) {
		for i := range want {
			if !near(got[i], want[i]) {
				t.Errorf("%s = %v, want %v", name, got, want)
				return
			}
		}
	}
	check("precision", cm.Precision(), []float64{2. / 3, 1. / 3, 3. / 4})
	check("recall", cm.Recall(), []float64{2. / 3, 1. / 2, 3. / 5})
	check("f1", cm.F1(), []float64{2. / 3, 0.4, 2. / 3})
	if s := cm.String(); !strings.HasPrefix(s, "true\\pred   0   1   2\n        0   2   1   0\n") {
		t.Errorf("String:\n%s", s)
	}
	if h := cm.HTML(); strings.Count(h, "<td") != 9 {
		t.Errorf("HTML has %d cells", strings.Count(h, "<td"))
	}
}

func TestAverages(t *testing.T) {
	for _, tc := range []struct {
		name    string
		pred, y []int
		avg     Average
		p, r, f float64
	}{
		{"macro", exPred, exY, Macro, (2./3 + 1./3 + 3./4) / 3, (2./3 + 1./2 + 3./5) / 3, (2./3 + 0.4 + 2./3) / 3},
		{"weighted", exPred, exY, Weighted, (3*2./3 + 2*1./3 + 5*3./4) / 10, 0.6, (3*2./3 + 2*0.4 + 5*2./3) / 10},
		{"micro", exPred, exY, Micro, 0.6, 0.6, 0.6},
		{"absent class skipped", []int{0, 2}, []int{0, 2}, Macro, 1, 1, 1},
		{"never predicted, no support", []int{1, 1}, []int{0, 0}, Macro, 0, 0, 0},
		{"predicted-only class counts in macro", []int{0, 1}, []int{0, 0}, Macro, 0.5, 0.25, 1. / 3},
		{"empty", nil, nil, Macro, 0, 0, 0},
	} {
		p, r, f := Precision(tc.pred, tc.y, tc.avg), Recall(tc.pred, tc.y, tc.avg), F1(tc.pred, tc.y, tc.avg)
		if !near(p, tc.p) || !near(r, tc.r) || !near(f, tc.f) {
			t.Errorf("%s: got P %v R %v F1 %v, want %v %v %v", tc.name, p, r, f, tc.p, tc.r, tc.f)
		}
	}
}

func TestAccuracy(t *testing.T) {
	logits := tensor.New([]float32{
		0.1, 0.7, 0.2,
		3, -1, 3, // tie: lowest index wins
		-5, -4, -6,
		0, 0, 1,
	}, 4, 3)
	if got := Predictions(logits); !slices.Equal(got, []int{1, 0, 1, 2}) {
		t.Errorf("Predictions = %v", got)
	}
	if got := Accuracy(logits, []int{1, 0, 0, 0}); got != 0.5 {
		t.Errorf("Accuracy = %v", got)
	}
	defer func() {
		if _, ok := recover().(*tensor.ShapeError); !ok {
			t.Error("length mismatch did not panic with *tensor.ShapeError")
		}
	}()
	LabelAccuracy([]int{1}, []int{1, 2})
}

func TestReport(t *testing.T) {
	r := ClassificationReport(exPred, exY, []string{"cat", "dog", "bird"})
	s := r.String()
	for _, want := range []string{
		"precision    recall  f1-score   support",
		"cat     0.6667    0.6667    0.6667         3",
		"accuracy                         0.6000        10",
		"macro avg     0.5833    0.5889    0.5778        10",
		"weighted avg     0.6417    0.6000    0.6133        10",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("report lacks %q:\n%s", want, s)
		}
	}
	if h := r.HTML(); !strings.Contains(h, "<th style=\"text-align:right\">bird</th><td>0.7500</td>") {
		t.Errorf("HTML: %s", h)
	}
}

// linear is a fixed linear model y = xW (x [n, 2], W [2, 2]) for tests.
type linear struct{ w []float32 }

func (l linear) Forward(x *tensor.Tensor) *tensor.Tensor {
	n := x.Dim(0)
	out := make([]float32, 2*n)
	for i := range n {
		a, b := x.Data()[2*i], x.Data()[2*i+1]
		out[2*i] = a*l.w[0] + b*l.w[2]
		out[2*i+1] = a*l.w[1] + b*l.w[3]
	}
	return tensor.New(out, n, 2)
}

func (l linear) Parameters() []*tensor.Tensor { return nil }

func TestEvaluate(t *testing.T) {
	// Predicts class 1 when feature 1 > feature 0.
	m := linear{[]float32{1, 0, 0, 1}}
	x := tensor.New([]float32{1, 0, 0, 1, 2, 3, 5, 4, 0, 9}, 5, 2)
	ds := data.NewDataset(x, []int{0, 1, 0, 0, 1})
	for _, batch := range []int{0, 1, 2, 5, 100} {
		if got := Predict(m, x, batch); !slices.Equal(got, []int{0, 1, 1, 0, 1}) {
			t.Errorf("batch %d: Predict = %v", batch, got)
		}
	}
	if got := ModelAccuracy(m, ds); !near(got, 0.8) {
		t.Errorf("ModelAccuracy = %v", got)
	}
	r := Evaluate(m, ds, 2)
	if !near(r.Accuracy, 0.8) || r.Confusion.Counts[0][1] != 1 || len(r.Classes) != 2 {
		t.Errorf("Evaluate: %v", r)
	}
	host.Interrupt()
	defer host.Reset()
	defer func() {
		if recover() != host.ErrInterrupted {
			t.Error("Predict did not stop on interrupt")
		}
	}()
	Predict(m, x, 2)
}

// TestAgainstSklearn compares every average and per-class score with
// scikit-learn on random labels (Debian's python3-sklearn).
func TestAgainstSklearn(t *testing.T) {
	pyref.Require(t, "sklearn")
	r := rand.New(rand.NewPCG(3, 4))
	y, pred := make([]int, 500), make([]int, 500)
	for i := range y {
		y[i] = r.IntN(6) // class 6 only ever predicted, never true
		pred[i] = y[i]
		if r.Float64() < 0.4 {
			pred[i] = r.IntN(7)
		}
	}
	names := []string{"zero", "one", "two", "three", "four", "five", "six (never true)"}
	in, _ := json.Marshal(map[string]any{"y": y, "p": pred, "names": names})
	script := `
import json, sys
from sklearn.metrics import precision_recall_fscore_support as prfs, accuracy_score, confusion_matrix, classification_report
d = json.load(sys.stdin)
out = {"acc": accuracy_score(d["y"], d["p"]), "cm": confusion_matrix(d["y"], d["p"]).tolist(),
       "report": classification_report(d["y"], d["p"], target_names=d["names"], digits=4, zero_division=0)}
for avg in ["macro", "micro", "weighted"]:
    out[avg] = list(prfs(d["y"], d["p"], average=avg, zero_division=0)[:3])
p, r, f, s = prfs(d["y"], d["p"], average=None, zero_division=0)
out["per"] = [p.tolist(), r.tolist(), f.tolist(), s.tolist()]
print(json.dumps(out))`
	var sk struct {
		Acc                    float64
		Report                 string
		CM                     [][]int
		Macro, Micro, Weighted []float64
		Per                    [][]float64
	}
	pyref.Run(t, script, json.RawMessage(in), &sk)
	if got := ClassificationReport(pred, y, names).String() + "\n"; got != sk.Report {
		t.Errorf("report:\n%s\nsklearn:\n%s", got, sk.Report)
	}
	cm := NewConfusionMatrix(pred, y, 0)
	for i := range sk.CM {
		if !slices.Equal(cm.Counts[i], sk.CM[i]) {
			t.Fatalf("confusion row %d: %v, sklearn %v", i, cm.Counts[i], sk.CM[i])
		}
	}
	if !near(LabelAccuracy(pred, y), sk.Acc) {
		t.Errorf("accuracy %v, sklearn %v", LabelAccuracy(pred, y), sk.Acc)
	}
	for avg, want := range map[Average][]float64{Macro: sk.Macro, Micro: sk.Micro, Weighted: sk.Weighted} {
		got := cm.Average(avg)
		if !near(got.Precision, want[0]) || !near(got.Recall, want[1]) || !near(got.F1, want[2]) {
			t.Errorf("%v: %v, sklearn %v", avg, got, want)
		}
	}
	for i, got := range [][]float64{cm.Precision(), cm.Recall(), cm.F1()} {
		for j := range got {
			if !near(got[j], sk.Per[i][j]) {
				t.Errorf("per-class score %d of class %d: %v, sklearn %v", i, j, got[j], sk.Per[i][j])
			}
		}
	}
}

func TestRegressionScoresHTML(t *testing.T) {
	h := RegressionScores{MAE: 0.5, RMSE: 0.75, R2: 0.9, N: 12}.HTML()
	if !strings.Contains(h, "<td>0.5</td><td>0.75</td><td>0.9000</td><td>12</td>") || !strings.Contains(h, "<th>R²</th>") {
		t.Errorf("HTML = %s", h)
	}
}
