package metrics

import (
	"fmt"

	"github.com/gokernel/gokernel/mlstd/tensor"
)

// Average selects how per-class scores combine into one number (sklearn's
// average= argument).
type Average int

// The averages; see ConfusionMatrix.Average.
const (
	Macro Average = iota
	Micro
	Weighted
)

// String returns "macro avg", "micro avg" or "weighted avg".
func (a Average) String() string {
	switch a {
	case Macro:
		return "macro avg"
	case Micro:
		return "micro avg"
	case Weighted:
		return "weighted avg"
	}
	return fmt.Sprintf("Average(%d)", int(a))
}

// Scores holds one row of a classification report.
type Scores struct {
	Label     string
	Precision float64
	Recall    float64
	F1        float64
	Support   int
}

// String formats the scores on one line.
func (s Scores) String() string {
	return fmt.Sprintf("%s: precision %.4f recall %.4f f1 %.4f support %d", s.Label, s.Precision, s.Recall, s.F1, s.Support)
}

// Predictions returns the index of the largest value in each row of
// logits (shape [n, classes]): the predicted class of each example. Ties
// go to the lowest index, like torch.argmax. It panics with a
// *tensor.ShapeError unless logits has two dimensions.
func Predictions(logits *tensor.Tensor) []int {
	if logits.Dims() != 2 {
		panic(&tensor.ShapeError{Op: "metrics.Predictions", A: logits.Shape(), Msg: "want logits of shape [n, classes]"})
	}
	n, k := logits.Dim(0), logits.Dim(1)
	out := make([]int, n)
	argmaxRows(out, logits.Data(), k)
	return out
}

func argmaxRows(dst []int, x []float32, k int) {
	if k == 0 {
		return
	}
	for i := range dst {
		row := x[i*k : (i+1)*k]
		best, bi := row[0], 0
		for j, v := range row[1:] {
			if v > best {
				best, bi = v, j+1
			}
		}
		dst[i] = bi
	}
}

// Accuracy returns the fraction of rows of logits (shape [n, classes])
// whose largest value is at the true label y[i]:
// metrics.Accuracy(model.Forward(test.X), test.Y).
func Accuracy(logits *tensor.Tensor, y []int) float64 {
	return LabelAccuracy(Predictions(logits), y)
}

// LabelAccuracy returns the fraction of predictions equal to the true
// labels (sklearn's accuracy_score); 0 for no examples. It panics with a
// *tensor.ShapeError if the lengths differ.
func LabelAccuracy(pred, y []int) float64 {
	checkLen("metrics.LabelAccuracy", pred, y)
	n := 0
	for i := range y {
		if pred[i] == y[i] {
			n++
		}
	}
	return ratio(n, len(y))
}

// Precision returns the precision of pred against the true labels y,
// averaged as avg says.
func Precision(pred, y []int, avg Average) float64 {
	return NewConfusionMatrix(pred, y, 0).Average(avg).Precision
}

// Recall returns the recall of pred against y, averaged as avg says.
func Recall(pred, y []int, avg Average) float64 {
	return NewConfusionMatrix(pred, y, 0).Average(avg).Recall
}

// F1 returns the F1 score of pred against y, averaged as avg says.
func F1(pred, y []int, avg Average) float64 {
	return NewConfusionMatrix(pred, y, 0).Average(avg).F1
}
