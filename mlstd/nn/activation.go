package nn

import (
	"fmt"

	"github.com/gokernel/gokernel/mlstd/tensor"
)

// ReLU applies max(x, 0).
type ReLU struct{}

// NewReLU returns a ReLU layer.
func NewReLU() *ReLU { return &ReLU{} }

// Forward applies the activation.
func (*ReLU) Forward(x *tensor.Tensor) *tensor.Tensor { return x.ReLU() }

// Parameters returns nil: the layer has none.
func (*ReLU) Parameters() []*tensor.Tensor { return nil }

// String prints the layer as PyTorch does.
func (*ReLU) String() string { return "ReLU()" }

// Sigmoid applies 1/(1+e⁻ˣ).
type Sigmoid struct{}

// NewSigmoid returns a Sigmoid layer.
func NewSigmoid() *Sigmoid { return &Sigmoid{} }

// Forward applies the activation.
func (*Sigmoid) Forward(x *tensor.Tensor) *tensor.Tensor { return x.Sigmoid() }

// Parameters returns nil: the layer has none.
func (*Sigmoid) Parameters() []*tensor.Tensor { return nil }

// String prints the layer as PyTorch does.
func (*Sigmoid) String() string { return "Sigmoid()" }

// Tanh applies the hyperbolic tangent.
type Tanh struct{}

// NewTanh returns a Tanh layer.
func NewTanh() *Tanh { return &Tanh{} }

// Forward applies the activation.
func (*Tanh) Forward(x *tensor.Tensor) *tensor.Tensor { return x.Tanh() }

// Parameters returns nil: the layer has none.
func (*Tanh) Parameters() []*tensor.Tensor { return nil }

// String prints the layer as PyTorch does.
func (*Tanh) String() string { return "Tanh()" }

// Softmax normalises along Dim (torch.nn.Softmax(dim)).
type Softmax struct{ Dim int }

// NewSoftmax returns a Softmax layer over dimension dim.
func NewSoftmax(dim int) *Softmax { return &Softmax{Dim: dim} }

// Forward applies the softmax.
func (s *Softmax) Forward(x *tensor.Tensor) *tensor.Tensor { return x.Softmax(s.Dim) }

// Parameters returns nil: the layer has none.
func (*Softmax) Parameters() []*tensor.Tensor { return nil }

// String prints the layer as PyTorch does.
func (s *Softmax) String() string { return fmt.Sprintf("Softmax(dim=%d)", s.Dim) }

// LogSoftmax applies log-softmax along Dim.
type LogSoftmax struct{ Dim int }

// NewLogSoftmax returns a LogSoftmax layer over dimension dim.
func NewLogSoftmax(dim int) *LogSoftmax { return &LogSoftmax{Dim: dim} }

// Forward applies the log-softmax.
func (s *LogSoftmax) Forward(x *tensor.Tensor) *tensor.Tensor { return x.LogSoftmax(s.Dim) }

// Parameters returns nil: the layer has none.
func (*LogSoftmax) Parameters() []*tensor.Tensor { return nil }

// String prints the layer as PyTorch does.
func (s *LogSoftmax) String() string { return fmt.Sprintf("LogSoftmax(dim=%d)", s.Dim) }

// Flatten reshapes (N, d1, d2, …) to (N, d1·d2·…), like torch.nn.Flatten().
type Flatten struct{}

// NewFlatten returns a Flatten layer.
func NewFlatten() *Flatten { return &Flatten{} }

// Forward flattens all but the first dimension (sharing storage).
func (*Flatten) Forward(x *tensor.Tensor) *tensor.Tensor {
	if x.Dims() < 2 {
		return x
	}
	return x.Reshape(x.Dim(0), -1)
}

// Parameters returns nil: the layer has none.
func (*Flatten) Parameters() []*tensor.Tensor { return nil }

// String prints the layer as PyTorch does.
func (*Flatten) String() string { return "Flatten(start_dim=1, end_dim=-1)" }

// Dropout zeroes each element with probability P during training and
// scales the survivors by 1/(1−P); in evaluation mode it is the identity.
// A new Dropout is in training mode, as in PyTorch.
type Dropout struct {
	P    float64
	eval bool
	rng  *tensor.RNG
}

// NewDropout returns a Dropout layer drawing from the package generator.
func NewDropout(p float64) *Dropout {
	if p < 0 || p > 1 {
		panic(fmt.Errorf("nn: dropout probability %g is not in [0, 1]", p))
	}
	return &Dropout{P: p}
}

// NewDropoutRNG is NewDropout drawing its masks from g.
func NewDropoutRNG(p float64, g *tensor.RNG) *Dropout {
	d := NewDropout(p)
	d.rng = g
	return d
}

// Forward applies dropout in training mode.
func (d *Dropout) Forward(x *tensor.Tensor) *tensor.Tensor {
	if d.eval || d.P == 0 {
		return x
	}
	g := d.rng
	if g == nil {
		g = defaultRNG()
	}
	return tensor.Dropout(x, d.P, g)
}

// dropMask returns a tensor of the given shape holding 0 with probability
// p and 1/(1−p) otherwise, drawn from g (nil: the package generator).
func dropMask(g *tensor.RNG, p float64, shape []int) *tensor.Tensor {
	if g == nil {
		g = defaultRNG()
	}
	mask := g.Rand(shape...)
	m := mask.Data()
	keep := float32(0)
	if p < 1 {
		keep = float32(1 / (1 - p))
	}
	for i, v := range m {
		if v < float32(p) {
			m[i] = 0
		} else {
			m[i] = keep
		}
	}
	return mask
}

// Parameters returns nil: the layer has none.
func (*Dropout) Parameters() []*tensor.Tensor { return nil }

// SetTraining switches between training (true) and evaluation mode.
func (d *Dropout) SetTraining(on bool) { d.eval = !on }

// Training reports whether the layer is in training mode.
func (d *Dropout) Training() bool { return !d.eval }

// String prints the layer as PyTorch does.
func (d *Dropout) String() string { return fmt.Sprintf("Dropout(p=%g, inplace=False)", d.P) }

// Dropout2d zeroes whole channels of an NCHW batch, each with probability
// P, during training and scales the others by 1/(1−P), like
// torch.nn.Dropout2d; in evaluation mode it is the identity. A new
// Dropout2d is in training mode.
type Dropout2d struct {
	P    float64
	eval bool
	rng  *tensor.RNG
}

// NewDropout2d returns a Dropout2d layer drawing from the package
// generator (see Seed).
func NewDropout2d(p float64) *Dropout2d {
	if p < 0 || p > 1 {
		panic(fmt.Errorf("nn.NewDropout2d: probability %g is not in [0, 1]", p))
	}
	return &Dropout2d{P: p}
}

// NewDropout2dRNG is NewDropout2d drawing its masks from g.
func NewDropout2dRNG(p float64, g *tensor.RNG) *Dropout2d {
	d := NewDropout2d(p)
	d.rng = g
	return d
}

// Forward drops channels of x (N, C, H, W) in training mode.
func (d *Dropout2d) Forward(x *tensor.Tensor) *tensor.Tensor {
	checkNCHW(fmt.Sprintf("nn.Dropout2d(p=%g)", d.P), x, 0)
	if d.eval || d.P == 0 {
		return x
	}
	return x.Mul(dropMask(d.rng, d.P, []int{x.Dim(0), x.Dim(1), 1, 1}))
}

// Parameters returns nil: the layer has none.
func (*Dropout2d) Parameters() []*tensor.Tensor { return nil }

// SetTraining switches between training (true) and evaluation mode.
func (d *Dropout2d) SetTraining(on bool) { d.eval = !on }

// Training reports whether the layer is in training mode.
func (d *Dropout2d) Training() bool { return !d.eval }

// String prints the layer as PyTorch does.
func (d *Dropout2d) String() string { return fmt.Sprintf("Dropout2d(p=%g, inplace=False)", d.P) }
