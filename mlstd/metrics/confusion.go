package metrics

import (
	"fmt"
	"html"
	"strconv"
	"strings"

	"github.com/gokernel/gokernel/mlstd/tensor"
)

// ConfusionMatrix counts predictions per (true class, predicted class):
// Counts[i][j] is the number of examples of class i predicted as j, as in
// sklearn's confusion_matrix. Every score in this package is derived from
// it.
type ConfusionMatrix struct {
	Counts [][]int  // Counts[true][predicted]
	Labels []string // class names; index = class
}

// NewConfusionMatrix counts pred against the true labels y. The matrix has
// `classes` rows and columns, or one more than the largest label when
// classes ≤ 0. It panics with a *tensor.ShapeError if the lengths differ,
// and with an error on a negative label or a label ≥ classes.
func NewConfusionMatrix(pred, y []int, classes int) *ConfusionMatrix {
	checkLen("metrics.NewConfusionMatrix", pred, y)
	k := classes
	if k <= 0 {
		for i := range y {
			k = max(k, y[i]+1, pred[i]+1)
		}
	}
	c := &ConfusionMatrix{Counts: make([][]int, k), Labels: make([]string, k)}
	for i := range c.Counts {
		c.Counts[i] = make([]int, k)
		c.Labels[i] = strconv.Itoa(i)
	}
	for i := range y {
		t, p := y[i], pred[i]
		if t < 0 || p < 0 || t >= k || p >= k {
			panic(fmt.Errorf("metrics: label pair (true %d, predicted %d) of example %d outside classes 0..%d", t, p, i, k-1))
		}
		c.Counts[t][p]++
	}
	return c
}

func checkLen(op string, pred, y []int) {
	if len(pred) != len(y) {
		panic(&tensor.ShapeError{Op: op, A: []int{len(pred)}, B: []int{len(y)}, Msg: "predictions and labels differ in length"})
	}
}

// Classes returns the number of classes (rows).
func (c *ConfusionMatrix) Classes() int { return len(c.Counts) }

// Total returns the number of examples counted.
func (c *ConfusionMatrix) Total() int {
	n := 0
	for _, row := range c.Counts {
		for _, v := range row {
			n += v
		}
	}
	return n
}

// Accuracy returns the fraction of examples on the diagonal (0 when empty).
func (c *ConfusionMatrix) Accuracy() float64 {
	n, d := c.Total(), 0
	for i := range c.Counts {
		d += c.Counts[i][i]
	}
	return ratio(d, n)
}

// Support returns the number of true examples of each class (row sums).
func (c *ConfusionMatrix) Support() []int {
	s := make([]int, len(c.Counts))
	for i, row := range c.Counts {
		for _, v := range row {
			s[i] += v
		}
	}
	return s
}

// Predicted returns how often each class was predicted (column sums).
func (c *ConfusionMatrix) Predicted() []int {
	s := make([]int, len(c.Counts))
	for _, row := range c.Counts {
		for j, v := range row {
			s[j] += v
		}
	}
	return s
}

// Precision returns each class's precision TP/(TP+FP); 0 for a class never
// predicted (sklearn's zero_division=0).
func (c *ConfusionMatrix) Precision() []float64 {
	p := c.Predicted()
	out := make([]float64, len(p))
	for i := range out {
		out[i] = ratio(c.Counts[i][i], p[i])
	}
	return out
}

// Recall returns each class's recall TP/(TP+FN); 0 for a class with no
// true examples.
func (c *ConfusionMatrix) Recall() []float64 {
	s := c.Support()
	out := make([]float64, len(s))
	for i := range out {
		out[i] = ratio(c.Counts[i][i], s[i])
	}
	return out
}

// F1 returns each class's F1 score, the harmonic mean of precision and
// recall (0 when both are 0).
func (c *ConfusionMatrix) F1() []float64 {
	p, r := c.Precision(), c.Recall()
	out := make([]float64, len(p))
	for i := range out {
		out[i] = f1(p[i], r[i])
	}
	return out
}

// Scores returns one class's precision, recall, F1 and support.
func (c *ConfusionMatrix) Scores(class int) Scores {
	return Scores{Label: c.Labels[class], Precision: c.Precision()[class], Recall: c.Recall()[class],
		F1: c.F1()[class], Support: c.Support()[class]}
}

// Average returns precision, recall and F1 averaged over the classes that
// occur in the true or the predicted labels (as sklearn does with
// labels=None), with Support the total count.
//
//   - Macro: the unweighted mean of the per-class scores.
//   - Weighted: the mean weighted by each class's support.
//   - Micro: scores of the pooled counts; for single-label
//     classification all three equal the accuracy.
//
// The macro and weighted F1 are means of per-class F1, not the F1 of the
// mean precision and recall (sklearn's definition).
func (c *ConfusionMatrix) Average(avg Average) Scores {
	s, n := c.Support(), c.Total()
	out := Scores{Label: avg.String(), Support: n}
	if avg == Micro {
		a := c.Accuracy()
		out.Precision, out.Recall, out.F1 = a, a, a
		return out
	}
	p, r, f, pc := c.Precision(), c.Recall(), c.F1(), c.Predicted()
	var wsum float64
	for i := range s {
		w := 1.0
		if avg == Weighted {
			w = float64(s[i])
		} else if s[i] == 0 && pc[i] == 0 {
			continue // class absent from both label sets
		}
		out.Precision += w * p[i]
		out.Recall += w * r[i]
		out.F1 += w * f[i]
		wsum += w
	}
	if wsum > 0 {
		out.Precision /= wsum
		out.Recall /= wsum
		out.F1 /= wsum
	}
	return out
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func f1(p, r float64) float64 {
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

// String renders the matrix as a text table, true classes down, predicted
// classes across.
func (c *ConfusionMatrix) String() string {
	const corner = `true\pred`
	w, lw := 3, len(corner)
	for _, l := range c.Labels {
		w = max(w, len(l))
		lw = max(lw, len(l))
	}
	for _, row := range c.Counts {
		for _, v := range row {
			w = max(w, len(strconv.Itoa(v)))
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%*s", lw, corner)
	for _, l := range c.Labels {
		fmt.Fprintf(&b, " %*s", w, l)
	}
	for i, row := range c.Counts {
		fmt.Fprintf(&b, "\n%*s", lw, c.Labels[i])
		for _, v := range row {
			fmt.Fprintf(&b, " %*d", w, v)
		}
	}
	return b.String()
}

// HTML renders the matrix as a table whose cells are shaded by their share
// of the row (so recall errors stand out), for notebooks.
func (c *ConfusionMatrix) HTML() string {
	var b strings.Builder
	b.WriteString(`<table class="gokernel-confusion" style="border-collapse:collapse;font-family:monospace">`)
	b.WriteString(`<tr><th style="padding:2px 6px">true \ predicted</th>`)
	for _, l := range c.Labels {
		fmt.Fprintf(&b, `<th style="padding:2px 6px">%s</th>`, html.EscapeString(l))
	}
	b.WriteString("</tr>")
	s := c.Support()
	for i, row := range c.Counts {
		fmt.Fprintf(&b, `<tr><th style="padding:2px 6px;text-align:right">%s</th>`, html.EscapeString(c.Labels[i]))
		for j, v := range row {
			share := ratio(v, s[i])
			colour := "49,130,189" // blue on the diagonal, red off it
			if i != j {
				colour = "222,45,38"
			}
			fmt.Fprintf(&b, `<td style="padding:2px 6px;text-align:right;background:rgba(%s,%.2f)">%d</td>`, colour, share*0.8, v)
		}
		b.WriteString("</tr>")
	}
	b.WriteString("</table>")
	return b.String()
}
