package nn

import (
	"fmt"

	"github.com/gokernel/gokernel/mlstd/tensor"
)

// CrossEntropy returns the mean cross-entropy of labels under
// softmax(logits) (torch.nn.functional.cross_entropy): logits is (N, C),
// labels holds N class indices in [0, C). Log-softmax and the loss are
// fused, and so are their gradients.
func CrossEntropy(logits *tensor.Tensor, labels []int) *tensor.Tensor {
	return tensor.CrossEntropy(logits, labels)
}

// NLLLoss returns the mean negative log-likelihood of labels for
// log-probabilities (N, C), e.g. from LogSoftmax(1).
func NLLLoss(logProbs *tensor.Tensor, labels []int) *tensor.Tensor {
	return tensor.NLLLoss(logProbs, labels)
}

// MSE returns the mean squared error between pred and target
// (torch.nn.functional.mse_loss).
func MSE(pred, target *tensor.Tensor) *tensor.Tensor { return tensor.MSE(pred, target) }

// L1 returns the mean absolute error between pred and target
// (torch.nn.functional.l1_loss), which must have the same number of
// elements; target is read in pred's shape. Its gradient at a zero
// difference is 0, as in PyTorch.
func L1(pred, target *tensor.Tensor) *tensor.Tensor {
	return pred.Sub(sameShape("l1_loss", pred, target)).Abs().Mean()
}

// Huber returns the mean Huber loss between pred and target
// (torch.nn.functional.huber_loss): ½d² where |d| < delta, else
// delta·(|d| − ½delta), for d = pred − target. It is quadratic near the
// target like MSE and linear far from it like L1, so outliers pull less.
// delta must be positive; PyTorch's default is 1.
func Huber(pred, target *tensor.Tensor, delta float64) *tensor.Tensor {
	if !(delta > 0) {
		panic(fmt.Errorf("nn: Huber delta %v must be positive", delta))
	}
	a := pred.Sub(sameShape("huber_loss", pred, target)).Abs()
	q := a.Clamp(0, delta)
	return q.Square().Scale(0.5).Add(a.Sub(q).Scale(delta)).Mean()
}

// sameShape returns target viewed in pred's shape; it panics with a
// *tensor.ShapeError if their element counts differ (broadcasting [n]
// against [n, 1] would silently compare every pair).
func sameShape(op string, pred, target *tensor.Tensor) *tensor.Tensor {
	if pred.Len() != target.Len() {
		panic(&tensor.ShapeError{Op: op, A: pred.Shape(), B: target.Shape(), Msg: "pred and target need the same number of elements"})
	}
	return target.Reshape(pred.Shape()...)
}

// BCEWithLogits returns the mean binary cross-entropy of targets in [0, 1]
// under sigmoid(logits), computed stably.
func BCEWithLogits(logits, target *tensor.Tensor) *tensor.Tensor {
	return tensor.BCEWithLogits(logits, target)
}

// L2Penalty returns λ/(2m)·Σθ² over params, the regularisation term of
// J(θ) + λ/2m Σθ² (m is the number of examples the loss averages over,
// usually the batch size). Add it to the loss before Backward; its gradient
// is (λ/m)·θ. Pass Weights(model) to leave biases out.
func L2Penalty(params []*tensor.Tensor, lambda float64, m int) *tensor.Tensor {
	return penalty(params, lambda/(2*float64(max(m, 1))), func(p *tensor.Tensor) *tensor.Tensor { return p.Square().Sum() })
}

// L1Penalty returns λ/m·Σ|θ| over params (the lasso term).
func L1Penalty(params []*tensor.Tensor, lambda float64, m int) *tensor.Tensor {
	return penalty(params, lambda/float64(max(m, 1)), func(p *tensor.Tensor) *tensor.Tensor { return p.Abs().Sum() })
}

func penalty(params []*tensor.Tensor, coef float64, f func(*tensor.Tensor) *tensor.Tensor) *tensor.Tensor {
	total := tensor.Scalar(0)
	for _, p := range params {
		total = total.Add(f(p))
	}
	return total.Scale(coef)
}
