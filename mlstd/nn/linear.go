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

// Forward returns x·Weightᵀ + Bias for x of shape (…, in).
func (l *Linear) Forward(x *tensor.Tensor) *tensor.Tensor {
	return tensor.Linear(x, l.Weight, l.Bias)
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
