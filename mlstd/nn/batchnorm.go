package nn

import (
	"fmt"

	"github.com/gokernel/gokernel/mlstd/tensor"
)

// BatchNormOptions are the optional settings of NewBatchNorm1d and
// NewBatchNorm2d; the zero value is PyTorch's default (eps 1e-5, momentum
// 0.1, with a learned scale and shift).
type BatchNormOptions struct {
	Eps      float64 // added to the variance; 0 means 1e-5
	Momentum float64 // weight of the batch in the running statistics; 0 means 0.1 (set the field after construction for a literal 0)
	NoAffine bool    // no Weight and Bias (affine=False)
}

// batchNorm is the state shared by BatchNorm1d and BatchNorm2d.
type batchNorm struct {
	Weight *tensor.Tensor // (C) scale, initialised to ones; nil without affine
	Bias   *tensor.Tensor // (C) shift, initialised to zeros; nil without affine
	// RunningMean and RunningVar (C) are buffers, not parameters: training
	// updates them in place and evaluation normalises with them.
	RunningMean *tensor.Tensor
	RunningVar  *tensor.Tensor
	// NumBatchesTracked (a scalar) counts the training batches seen, as
	// torch's num_batches_tracked buffer; it is float32 like every mlstd
	// tensor, exact up to 2²⁴ batches (torch's is int64; state dicts
	// convert either way).
	NumBatchesTracked *tensor.Tensor
	Momentum          float64
	Eps               float64
	eval              bool
}

func newBatchNorm(layer string, features int, opts BatchNormOptions) batchNorm {
	if features <= 0 || opts.Eps < 0 || opts.Momentum < 0 || opts.Momentum > 1 {
		panic(fmt.Errorf("nn.New%s(%d, %+v): features must be positive, eps ≥ 0 and momentum in [0, 1]", layer, features, opts))
	}
	b := batchNorm{
		RunningMean:       tensor.Zeros(features),
		RunningVar:        tensor.Ones(features),
		NumBatchesTracked: tensor.Scalar(0),
		Momentum:          opts.Momentum,
		Eps:               opts.Eps,
	}
	if b.Momentum == 0 {
		b.Momentum = 0.1
	}
	if b.Eps == 0 {
		b.Eps = 1e-5
	}
	if !opts.NoAffine {
		b.Weight = tensor.Ones(features).SetRequiresGrad(true)
		b.Bias = tensor.Zeros(features).SetRequiresGrad(true)
	}
	return b
}

func (b *batchNorm) forward(x *tensor.Tensor) *tensor.Tensor {
	y := tensor.BatchNorm(x, b.Weight, b.Bias, b.RunningMean, b.RunningVar, !b.eval, b.Momentum, b.Eps)
	if !b.eval {
		b.NumBatchesTracked.Data()[0]++
	}
	return y
}

// Parameters returns Weight and Bias (none without affine).
func (b *batchNorm) Parameters() []*tensor.Tensor {
	if b.Weight == nil {
		return nil
	}
	return []*tensor.Tensor{b.Weight, b.Bias}
}

// NamedParameters returns "weight" and "bias", PyTorch's names.
func (b *batchNorm) NamedParameters() []Param {
	if b.Weight == nil {
		return nil
	}
	return []Param{{Name: "weight", Tensor: b.Weight}, {Name: "bias", Tensor: b.Bias}}
}

// NamedBuffers returns "running_mean", "running_var" and
// "num_batches_tracked", PyTorch's buffer names.
func (b *batchNorm) NamedBuffers() []Param {
	return []Param{{Name: "running_mean", Tensor: b.RunningMean}, {Name: "running_var", Tensor: b.RunningVar},
		{Name: "num_batches_tracked", Tensor: b.NumBatchesTracked}}
}

// SetTraining switches between batch statistics (training, the default)
// and the running statistics (evaluation).
func (b *batchNorm) SetTraining(on bool) { b.eval = !on }

// Training reports whether the layer is in training mode.
func (b *batchNorm) Training() bool { return !b.eval }

func (b *batchNorm) describe(kind string) string {
	return fmt.Sprintf("%s(%d, eps=%g, momentum=%g, affine=%s, track_running_stats=True)",
		kind, b.RunningMean.Len(), b.Eps, b.Momentum, pyBool(b.Weight != nil))
}

func pyBool(v bool) string {
	if v {
		return "True"
	}
	return "False"
}

// BatchNorm2d normalises each channel of an NCHW batch, like
// torch.nn.BatchNorm2d: with the batch's statistics (over N, H and W) in
// training mode, updating the running statistics; with the running
// statistics after Eval. A new BatchNorm2d is in training mode.
type BatchNorm2d struct{ batchNorm }

// NewBatchNorm2d returns a BatchNorm2d over features channels.
func NewBatchNorm2d(features int, opts BatchNormOptions) *BatchNorm2d {
	return &BatchNorm2d{newBatchNorm("BatchNorm2d", features, opts)}
}

// Forward normalises x (N, C, H, W).
func (b *BatchNorm2d) Forward(x *tensor.Tensor) *tensor.Tensor {
	label := fmt.Sprintf("nn.BatchNorm2d(%d)", b.RunningMean.Len())
	checkNCHW(label, x, b.RunningMean.Len())
	defer rename(label, x)
	return b.forward(x)
}

// String prints the layer as PyTorch does.
func (b *BatchNorm2d) String() string { return b.describe("BatchNorm2d") }

// BatchNorm1d normalises each feature of an (N, C) or (N, C, L) batch, like
// torch.nn.BatchNorm1d; see BatchNorm2d for the modes.
type BatchNorm1d struct{ batchNorm }

// NewBatchNorm1d returns a BatchNorm1d over features features.
func NewBatchNorm1d(features int, opts BatchNormOptions) *BatchNorm1d {
	return &BatchNorm1d{newBatchNorm("BatchNorm1d", features, opts)}
}

// Forward normalises x (N, C) or (N, C, L).
func (b *BatchNorm1d) Forward(x *tensor.Tensor) *tensor.Tensor {
	c := b.RunningMean.Len()
	label := fmt.Sprintf("nn.BatchNorm1d(%d)", c)
	if s := x.Shape(); (len(s) != 2 && len(s) != 3) || s[1] != c {
		panic(fmt.Errorf("%s: input %v is not (N, %d) or (N, %d, L)", label, s, c, c))
	}
	defer rename(label, x)
	return b.forward(x)
}

// String prints the layer as PyTorch does.
func (b *BatchNorm1d) String() string { return b.describe("BatchNorm1d") }
