package metrics

import (
	"fmt"
	"math"

	"github.com/gokernel/gokernel/mlstd/data"
	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// MAE returns the mean absolute error of pred against target
// (sklearn's mean_absolute_error). Both are [n] or [n, outputs] with the
// same number of elements; with several outputs the per-output scores are
// averaged (multioutput="uniform_average"), as for RMSE and R2.
func MAE(pred, target *tensor.Tensor) float64 {
	return perOutput("metrics.MAE", pred, target, func(p, t []float64) float64 {
		var s float64
		for i := range p {
			s += math.Abs(p[i] - t[i])
		}
		return s / float64(len(p))
	})
}

// RMSE returns the root mean squared error of pred against target
// (sklearn's mean_squared_error with squared=False).
func RMSE(pred, target *tensor.Tensor) float64 {
	return perOutput("metrics.RMSE", pred, target, func(p, t []float64) float64 {
		var s float64
		for i := range p {
			s += (p[i] - t[i]) * (p[i] - t[i])
		}
		return math.Sqrt(s / float64(len(p)))
	})
}

// R2 returns the coefficient of determination 1 − SSres/SStot of pred
// against target (sklearn's r2_score): 1 for perfect predictions, 0 for
// predicting the mean, negative for worse. A constant target scores 1 if
// predicted exactly, else 0, as in sklearn.
func R2(pred, target *tensor.Tensor) float64 {
	return perOutput("metrics.R2", pred, target, func(p, t []float64) float64 {
		var mu float64
		for _, v := range t {
			mu += v
		}
		mu /= float64(len(t))
		var res, tot float64
		for i := range p {
			res += (t[i] - p[i]) * (t[i] - p[i])
			tot += (t[i] - mu) * (t[i] - mu)
		}
		switch {
		case tot != 0:
			return 1 - res/tot
		case res == 0:
			return 1
		}
		return 0
	})
}

// perOutput applies score to each output column and averages.
func perOutput(op string, pred, target *tensor.Tensor, score func(p, t []float64) float64) float64 {
	if pred.Len() != target.Len() || pred.Dims() == 0 || target.Dims() == 0 || pred.Dim(0) != target.Dim(0) {
		panic(&tensor.ShapeError{Op: op, A: pred.Shape(), B: target.Shape(), Msg: "need the same rows and outputs"})
	}
	n := pred.Dim(0)
	if n == 0 {
		return math.NaN()
	}
	k := pred.Len() / n
	pd, td := pred.Float64s(), target.Float64s()
	p, t := make([]float64, n), make([]float64, n)
	var sum float64
	for j := range k {
		for i := range n {
			p[i], t[i] = pd[i*k+j], td[i*k+j]
		}
		sum += score(p, t)
	}
	return sum / float64(k)
}

// RegressionScores holds the usual scores of a regression model.
type RegressionScores struct {
	MAE, RMSE, R2 float64
	N             int // examples scored
}

// String formats the scores on one line.
func (s RegressionScores) String() string {
	return fmt.Sprintf("MAE %.4g  RMSE %.4g  R² %.4f  (%d examples)", s.MAE, s.RMSE, s.R2, s.N)
}

// HTML renders the scores as a table. (Written here, as Report.HTML is,
// rather than with mlstd/display, whose charts would link gonum/plot and
// its fonts into every program using metrics: the model server among
// them, 9.5 MB → 15.5 MB.)
func (s RegressionScores) HTML() string {
	return fmt.Sprintf(`<table class="gokernel-report" style="font-family:monospace"><tr><th>MAE</th><th>RMSE</th><th>R²</th><th>examples</th></tr>`+
		`<tr><td>%.4g</td><td>%.4g</td><td>%.4f</td><td>%d</td></tr></table>`, s.MAE, s.RMSE, s.R2, s.N)
}

// Regression scores pred against target.
func Regression(pred, target *tensor.Tensor) RegressionScores {
	return RegressionScores{MAE: MAE(pred, target), RMSE: RMSE(pred, target), R2: R2(pred, target), N: target.Dim(0)}
}

// PredictValues runs model on the rows of x in batches (see Predict) and
// returns its outputs stacked, [n, outputs]: a regression model's
// predictions.
func PredictValues(model nn.Module, x *tensor.Tensor, batch int) *tensor.Tensor {
	var out []float32
	k := 0
	forward(model, x, batch, "metrics.PredictValues", func(i int, y *tensor.Tensor) {
		k = y.Len() / max(y.Dim(0), 1)
		out = append(out, y.Data()...)
	})
	return tensor.New(out, x.Dim(0), k)
}

// EvaluateRegression runs model over a regression dataset (ds.Targets set)
// in batches and scores its predictions. Put a model with Dropout in
// evaluation mode first.
func EvaluateRegression(model nn.Module, ds *data.Dataset, batch int) RegressionScores {
	if ds.Targets == nil {
		panic(fmt.Errorf("metrics: EvaluateRegression needs a dataset with Targets (data.NewRegression)"))
	}
	return Regression(PredictValues(model, ds.X, batch), ds.Targets)
}
