package nn

import "github.com/gokernel/gokernel/mlstd/tensor"

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
