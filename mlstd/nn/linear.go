package nn

import (
	"fmt"
	"math"
	"sync"

	"github.com/gokernel/gokernel/mlstd/tensor"
)

var (
	rngMu sync.Mutex
	rng   = tensor.NewRNG(0)
)

// Seed reseeds the generator that NewLinear and Dropout draw from, so that
// a model built after Seed(n) is the same on every run (torch.manual_seed).
func Seed(seed int64) {
	rngMu.Lock()
	defer rngMu.Unlock()
	rng = tensor.NewRNG(seed)
}

// defaultRNG returns the package generator.
func defaultRNG() *tensor.RNG {
	rngMu.Lock()
	defer rngMu.Unlock()
	return rng
}

// Linear is a fully connected layer y = x·Weightᵀ + Bias, like
// torch.nn.Linear: Weight is (out, in), Bias is (out) or nil.
type Linear struct {
	Weight *tensor.Tensor
	Bias   *tensor.Tensor
}

// NewLinear returns a Linear layer with PyTorch's default initialisation:
// kaiming_uniform(a=√5) for the weight and the bias, that is U(−1/√in,
// 1/√in) for both, drawn from the package generator (see Seed).
func NewLinear(in, out int) *Linear { return NewLinearRNG(in, out, true, defaultRNG()) }

// NewLinearRNG is NewLinear with an explicit generator; bias=false leaves
// the layer without a bias.
func NewLinearRNG(in, out int, bias bool, g *tensor.RNG) *Linear {
	if in <= 0 || out <= 0 {
		panic(&tensor.ShapeError{Op: "nn.NewLinear", A: []int{out, in}, Msg: "sizes must be positive"})
	}
	bound := 1 / math.Sqrt(float64(in))
	l := &Linear{Weight: g.Uniform(-bound, bound, out, in).SetRequiresGrad(true)}
	if bias {
		l.Bias = g.Uniform(-bound, bound, out).SetRequiresGrad(true)
	}
	return l
}

// Forward returns x·Weightᵀ + Bias for x of shape (…, in). An input of
// another shape panics with an error naming the layer and the shape.
func (l *Linear) Forward(x *tensor.Tensor) *tensor.Tensor {
	l.checkInput(x)
	return tensor.Linear(x, l.Weight, l.Bias)
}

// forwardReLU is Forward followed by ReLU in one op (tensor.LinearReLU),
// as a Plan runs a Linear followed by a ReLU.
func (l *Linear) forwardReLU(x *tensor.Tensor) *tensor.Tensor {
	l.checkInput(x)
	return tensor.LinearReLU(x, l.Weight, l.Bias)
}

// checkInput panics with an error naming the layer, as the user wrote it
// ("nn.Linear(784→128)"), when x's last dimension is not In(): the
// tensor op would name itself, possibly the fused linear_relu.
func (l *Linear) checkInput(x *tensor.Tensor) {
	if d := x.Dims(); d > 0 && x.Dim(d-1) == l.In() {
		return
	}
	s := x.Shape()
	msg := fmt.Sprintf("nn.Linear(%d→%d): input %v", l.In(), l.Out(), s)
	switch {
	case len(s) == 0:
		panic(fmt.Errorf("%s is a scalar; it needs shape (…, %d)", msg, l.In()))
	case len(s) > 2 && x.Len()/max(s[0], 1) == l.In():
		panic(fmt.Errorf("%s has %d features in its last dimension, the layer takes %d; flatten it first (nn.NewFlatten() before the layer, or x.Reshape(%d, %d))",
			msg, s[len(s)-1], l.In(), s[0], l.In()))
	default:
		panic(fmt.Errorf("%s has %d features in its last dimension, the layer takes %d", msg, s[len(s)-1], l.In()))
	}
}

// Parameters returns Weight and, if present, Bias.
func (l *Linear) Parameters() []*tensor.Tensor {
	if l.Bias == nil {
		return []*tensor.Tensor{l.Weight}
	}
	return []*tensor.Tensor{l.Weight, l.Bias}
}

// NamedParameters returns "weight" and "bias", PyTorch's names.
func (l *Linear) NamedParameters() []Param {
	ps := []Param{{Name: "weight", Tensor: l.Weight}}
	if l.Bias != nil {
		ps = append(ps, Param{Name: "bias", Tensor: l.Bias})
	}
	return ps
}

// In returns the number of input features.
func (l *Linear) In() int { return l.Weight.Dim(1) }

// Out returns the number of output features.
func (l *Linear) Out() int { return l.Weight.Dim(0) }

// String prints the layer as PyTorch does.
func (l *Linear) String() string {
	b := "False"
	if l.Bias != nil {
		b = "True"
	}
	return fmt.Sprintf("Linear(in_features=%d, out_features=%d, bias=%s)", l.In(), l.Out(), b)
}
