package metrics

import (
	"fmt"
	"html"
	"strings"

	"github.com/gokernel/gokernel/mlstd/data"
	"github.com/gokernel/gokernel/mlstd/host"
	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// Report is a classification report like sklearn's
// classification_report: per-class precision, recall, F1 and support,
// accuracy, and the macro and weighted averages, with the confusion
// matrix they come from. A notebook shows it as an HTML table.
type Report struct {
	Classes   []Scores // one per class that occurs in the true or predicted labels
	Accuracy  float64
	Macro     Scores
	Weighted  Scores
	Confusion *ConfusionMatrix
}

// ClassificationReport scores pred against the true labels y. labels
// names the classes (index = class); nil or short means the class numbers.
func ClassificationReport(pred, y []int, labels []string) *Report {
	classes := 0
	if labels != nil {
		classes = len(labels)
		for i := range y {
			classes = max(classes, y[i]+1, pred[i]+1)
		}
	}
	return reportFrom(NewConfusionMatrix(pred, y, classes), labels)
}

func reportFrom(cm *ConfusionMatrix, labels []string) *Report {
	copy(cm.Labels, labels)
	r := &Report{Confusion: cm, Accuracy: cm.Accuracy(), Macro: cm.Average(Macro), Weighted: cm.Average(Weighted)}
	s, pc := cm.Support(), cm.Predicted()
	for i := range s {
		if s[i] > 0 || pc[i] > 0 {
			r.Classes = append(r.Classes, cm.Scores(i))
		}
	}
	return r
}

// String lays the report out exactly as sklearn's
// classification_report(..., digits=4) does, without the final newline.
func (r *Report) String() string {
	w := len("weighted avg")
	for _, c := range r.Classes {
		w = max(w, len(c.Label))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%*s  %9s %9s %9s %9s\n\n", w, "", "precision", "recall", "f1-score", "support")
	row := func(s Scores) {
		fmt.Fprintf(&b, "%*s  %9.4f %9.4f %9.4f %9d\n", w, s.Label, s.Precision, s.Recall, s.F1, s.Support)
	}
	for _, c := range r.Classes {
		row(c)
	}
	fmt.Fprintf(&b, "\n%*s  %9s %9s %9.4f %9d\n", w, "accuracy", "", "", r.Accuracy, r.Macro.Support)
	row(r.Macro)
	row(r.Weighted)
	return strings.TrimRight(b.String(), "\n")
}

// HTML renders the report as a table followed by the confusion matrix.
func (r *Report) HTML() string {
	var b strings.Builder
	b.WriteString(`<table class="gokernel-report" style="font-family:monospace">`)
	b.WriteString(`<tr><th></th><th>precision</th><th>recall</th><th>f1-score</th><th>support</th></tr>`)
	row := func(s Scores) {
		fmt.Fprintf(&b, `<tr><th style="text-align:right">%s</th><td>%.4f</td><td>%.4f</td><td>%.4f</td><td>%d</td></tr>`,
			html.EscapeString(s.Label), s.Precision, s.Recall, s.F1, s.Support)
	}
	for _, c := range r.Classes {
		row(c)
	}
	fmt.Fprintf(&b, `<tr><th style="text-align:right">accuracy</th><td></td><td></td><td>%.4f</td><td>%d</td></tr>`,
		r.Accuracy, r.Macro.Support)
	row(r.Macro)
	row(r.Weighted)
	b.WriteString("</table>")
	b.WriteString(r.Confusion.HTML())
	return b.String()
}

// Predict runs model on the rows of x in batches of the given size (all at
// once if batch ≤ 0) without recording gradients and returns the argmax
// class of each row. It checks for a user interrupt between batches. Like
// PyTorch it leaves the model's mode alone: call nn.Eval(model) first if
// the model has Dropout.
func Predict(model nn.Module, x *tensor.Tensor, batch int) []int {
	out := make([]int, x.Dim(0))
	forward(model, x, batch, "metrics.Predict", func(i int, logits *tensor.Tensor) {
		m := logits.Dim(0)
		if logits.Dims() != 2 {
			panic(&tensor.ShapeError{Op: "metrics.Predict", A: logits.Shape(), Msg: fmt.Sprintf("model output for %d examples is not [%d, classes]", m, m)})
		}
		argmaxRows(out[i:i+m], logits.Data(), logits.Dim(1))
	})
	return out
}

// forward runs model on the rows of x in batches of the given size (all
// at once if batch ≤ 0) without recording gradients (nn.Infer), checking for a user
// interrupt between batches, and hands each batch's output, whose first
// dimension must be the batch size, to use with the index of its first row.
func forward(model nn.Module, x *tensor.Tensor, batch int, op string, use func(i int, out *tensor.Tensor)) {
	if x.Dims() == 0 {
		panic(&tensor.ShapeError{Op: op, A: x.Shape(), Msg: "want a batch of examples"})
	}
	n := x.Dim(0)
	if batch <= 0 || batch > n {
		batch = max(n, 1)
	}
	f := 1
	if n > 0 {
		f = x.Len() / n
	}
	shape := x.Shape()
	for i := 0; i < n; i += batch {
		host.Check()
		m := min(batch, n-i)
		shape[0] = m
		out := nn.Infer(model, tensor.New(x.Data()[i*f:(i+m)*f], shape...))
		if out.Dims() == 0 || out.Dim(0) != m {
			panic(&tensor.ShapeError{Op: op, A: out.Shape(), Msg: fmt.Sprintf("model output for %d examples has %v rows", m, out.Shape())})
		}
		use(i, out)
	}
}

// Evaluate runs model over ds in batches (see Predict) and returns its
// classification report, using ds.Classes as class names. Put a model with
// Dropout in evaluation mode first.
func Evaluate(model nn.Module, ds *data.Dataset, batch int) *Report {
	pred := Predict(model, ds.X, batch)
	k := ds.NumClasses()
	for _, p := range pred {
		k = max(k, p+1)
	}
	return reportFrom(NewConfusionMatrix(pred, ds.Y, k), ds.Classes)
}

// ModelAccuracy returns the accuracy of model on ds, evaluated without
// gradients in batches of 1000 (metrics.ModelAccuracy(model, test)). Put a
// model with Dropout in evaluation mode first (nn.Eval).
func ModelAccuracy(model nn.Module, ds *data.Dataset) float64 {
	return LabelAccuracy(Predict(model, ds.X, 1000), ds.Y)
}
