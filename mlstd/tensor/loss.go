package tensor

import (
	"fmt"
	"math"
)

// CrossEntropy returns the mean negative log-likelihood of labels under
// softmax(logits), fused (torch.nn.functional.cross_entropy with
// reduction="mean"): logits is (N, C), labels holds N class indices. The
// backward is (softmax − onehot)/N, computed from the saved probabilities.
func CrossEntropy(logits *Tensor, labels []int) *Tensor {
	if len(logits.shape) != 2 || logits.shape[0] != len(labels) {
		panic(&ShapeError{Op: "cross_entropy", A: logits.shape, B: []int{len(labels)}, Msg: "need logits (N, C) and N labels"})
	}
	n, c := logits.shape[0], logits.shape[1]
	p := getBuf(len(logits.data))
	softmaxInto(p, logits.data, n, c, 1, true) // log-probabilities
	var loss float64
	for i, y := range labels {
		if y < 0 || y >= c {
			panic(labelError("cross_entropy", logits.shape, i, y))
		}
		loss -= float64(p[i*c+y])
	}
	if n > 0 {
		loss /= float64(n)
	}
	ys := append([]int(nil), labels...)
	return result("cross_entropy", []int{}, []float32{float32(loss)}, func(out *Tensor) {
		g := out.grad.data[0] / float32(n)
		gx := getBuf(len(p))
		for i, lp := range p {
			gx[i] = float32(math.Exp(float64(lp))) * g
		}
		putBuf(p) // only this closure held it, and it runs once
		for i, y := range ys {
			gx[i*c+y] -= g
		}
		logits.addGrad(gx, true)
	}, logits)
}

// labelError reports label y of example i as out of range for scores of
// the given shape (N, C): a data problem, not a shape mismatch.
func labelError(op string, shape []int, i, y int) error {
	return fmt.Errorf("tensor: %s: label %d of example %d is out of range: the scores %v have %d classes, labels must be in [0, %d)",
		op, y, i, shape, shape[1], shape[1])
}

// NLLLoss returns the mean of −logProbs[i, labels[i]] (torch's nll_loss),
// for log-probabilities from LogSoftmax(1).
func NLLLoss(logProbs *Tensor, labels []int) *Tensor {
	if len(logProbs.shape) != 2 || logProbs.shape[0] != len(labels) {
		panic(&ShapeError{Op: "nll_loss", A: logProbs.shape, B: []int{len(labels)}, Msg: "need (N, C) and N labels"})
	}
	n, c := logProbs.shape[0], logProbs.shape[1]
	var loss float64
	for i, y := range labels {
		if y < 0 || y >= c {
			panic(labelError("nll_loss", logProbs.shape, i, y))
		}
		loss -= float64(logProbs.data[i*c+y])
	}
	loss /= float64(max(n, 1))
	ys := append([]int(nil), labels...)
	return result("nll_loss", []int{}, []float32{float32(loss)}, func(out *Tensor) {
		g := out.grad.data[0] / float32(n)
		gb := logProbs.gradBuf()
		for i, y := range ys {
			gb[i*c+y] -= g
		}
	}, logProbs)
}

// MSE returns the mean squared error between pred and target, which must
// have the same number of elements (torch's mse_loss, reduction="mean").
// target gets gradients too when it requires them.
func MSE(pred, target *Tensor) *Tensor {
	if len(pred.data) != len(target.data) {
		panic(&ShapeError{Op: "mse_loss", A: pred.shape, B: target.shape})
	}
	n := len(pred.data)
	diff := make([]float32, n)
	var s float64
	for i, v := range pred.data {
		d := v - target.data[i]
		diff[i] = d
		s += float64(d) * float64(d)
	}
	return result("mse_loss", []int{}, []float32{float32(s / float64(max(n, 1)))}, func(out *Tensor) {
		g := 2 * out.grad.data[0] / float32(n)
		if pred.requiresGrad {
			gx := make([]float32, n)
			for i, d := range diff {
				gx[i] = g * d
			}
			pred.addGrad(gx, true)
		}
		if target.requiresGrad {
			gy := make([]float32, n)
			for i, d := range diff {
				gy[i] = -g * d
			}
			target.addGrad(gy, true)
		}
	}, pred, target)
}

// BCEWithLogits returns the mean binary cross-entropy of targets (0..1)
// under sigmoid(logits), computed stably (torch's
// binary_cross_entropy_with_logits): mean(max(x,0) − x·y + log(1+e^−|x|)).
func BCEWithLogits(logits, target *Tensor) *Tensor {
	if len(logits.data) != len(target.data) {
		panic(&ShapeError{Op: "bce_with_logits", A: logits.shape, B: target.shape})
	}
	n := len(logits.data)
	var s float64
	for i, xv := range logits.data {
		x, y := float64(xv), float64(target.data[i])
		s += math.Max(x, 0) - x*y + math.Log1p(math.Exp(-math.Abs(x)))
	}
	return result("bce_with_logits", []int{}, []float32{float32(s / float64(max(n, 1)))}, func(out *Tensor) {
		g := out.grad.data[0] / float32(n)
		if logits.requiresGrad {
			gx := make([]float32, n)
			for i, x := range logits.data {
				gx[i] = g * (sigmoid(x) - target.data[i])
			}
			logits.addGrad(gx, true)
		}
		if target.requiresGrad {
			gy := make([]float32, n)
			for i, x := range logits.data {
				gy[i] = -g * x
			}
			target.addGrad(gy, true)
		}
	}, logits, target)
}

// LayerNorm normalises x over its last dimension to zero mean and unit
// (biased) variance, then scales by w and shifts by b, both shaped like
// that dimension (torch.nn.functional.layer_norm over the last dimension).
// w and b may be nil.
func LayerNorm(x, w, b *Tensor, eps float64) *Tensor {
	if len(x.shape) == 0 {
		panic(&ShapeError{Op: "layer_norm", A: x.shape, Msg: "need at least one dimension"})
	}
	c := x.Sub(x.MeanAxis(-1, true))
	y := c.Div(c.Square().MeanAxis(-1, true).AddScalar(eps).Sqrt())
	if w != nil {
		y = y.Mul(w)
	}
	if b != nil {
		y = y.Add(b)
	}
	return y
}
