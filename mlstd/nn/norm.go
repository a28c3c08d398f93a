package nn

import (
	"fmt"

	"github.com/gokernel/gokernel/mlstd/tensor"
)

// LayerNorm normalises each example over its last dimension and applies a
// learned scale (Weight, initialised to ones) and shift (Bias, zeros), like
// torch.nn.LayerNorm(features).
type LayerNorm struct {
	Weight *tensor.Tensor
	Bias   *tensor.Tensor
	Eps    float64
}

// NewLayerNorm returns a LayerNorm over features values with eps 1e-5.
func NewLayerNorm(features int) *LayerNorm {
	if features <= 0 {
		panic(&tensor.ShapeError{Op: "nn.NewLayerNorm", A: []int{features}, Msg: "features must be positive"})
	}
	return &LayerNorm{
		Weight: tensor.Ones(features).SetRequiresGrad(true),
		Bias:   tensor.Zeros(features).SetRequiresGrad(true),
		Eps:    1e-5,
	}
}

// Forward normalises x of shape (…, features).
func (l *LayerNorm) Forward(x *tensor.Tensor) *tensor.Tensor {
	return tensor.LayerNorm(x, l.Weight, l.Bias, l.Eps)
}

// Parameters returns Weight and Bias.
func (l *LayerNorm) Parameters() []*tensor.Tensor { return []*tensor.Tensor{l.Weight, l.Bias} }

// NamedParameters returns "weight" and "bias", PyTorch's names.
func (l *LayerNorm) NamedParameters() []Param {
	return []Param{{Name: "weight", Tensor: l.Weight}, {Name: "bias", Tensor: l.Bias}}
}

// String prints the layer as PyTorch does.
func (l *LayerNorm) String() string {
	return fmt.Sprintf("LayerNorm((%d,), eps=%g, elementwise_affine=True)", l.Weight.Len(), l.Eps)
}
