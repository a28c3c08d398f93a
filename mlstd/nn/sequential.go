package nn

import (
	"fmt"
	"go/token"
	"strings"

	"github.com/gokernel/gokernel/mlstd/tensor"
)

// Sequential chains modules: the output of each is the input of the next
// (torch.nn.Sequential). Its parameters are named "<index>.<name>".
type Sequential struct {
	layers []Module
	plan   *Plan // the layers compiled; nil only without layers
}

// NewSequential returns a Sequential of the given layers. In a notebook,
// pass layers whose type is defined in a cell through NewSequentialFrom
// or Add: the interpreter cannot hand such values to a variadic interface
// parameter.
func NewSequential(layers ...Module) *Sequential { return NewSequentialFrom(layers) }

// NewSequentialFrom is NewSequential taking a slice (for callers that
// build the list at run time, and for interpreted code).
func NewSequentialFrom(layers []Module) *Sequential {
	for i, l := range layers {
		if l == nil {
			panic(fmt.Errorf("nn: layer %d of Sequential is nil", i))
		}
	}
	l := append([]Module(nil), layers...)
	return &Sequential{layers: l, plan: compile(l)}
}

// Add appends a layer and returns the Sequential.
func (s *Sequential) Add(m Module) *Sequential {
	if m == nil {
		panic(fmt.Errorf("nn: Add of a nil layer"))
	}
	s.layers = append(s.layers, m)
	s.plan = compile(s.layers)
	return s
}

// Layers returns the layers in order (a copy of the list; the layers are
// shared).
func (s *Sequential) Layers() []Module { return append([]Module(nil), s.layers...) }

// Len returns the number of layers.
func (s *Sequential) Len() int { return len(s.layers) }

// Layer returns layer i.
func (s *Sequential) Layer(i int) Module { return s.layers[i] }

// Forward runs x through every layer, as its Plan: a Linear or Conv2d
// directly followed by a ReLU runs as one fused op (tensor.LinearReLU,
// tensor.Conv2dReLU), and a ReLU next to a MaxPool2d with the pooling
// (tensor.MaxPool2dReLU), with the same result, and the hidden activations
// are recycled (see Plan). Under tensor.NoGrad or on an inference tensor it
// records no graph; Infer is the no-record entry for code that is not a
// cell.
func (s *Sequential) Forward(x *tensor.Tensor) *tensor.Tensor { return s.Plan().run(x) }

// Plan returns the compiled form Forward and Infer run (see Plan); it is
// made anew when a layer is added.
func (s *Sequential) Plan() *Plan {
	if s.plan == nil { // a zero Sequential
		return &Plan{}
	}
	return s.plan
}

// Parameters returns the parameters of all layers in order.
func (s *Sequential) Parameters() []*tensor.Tensor {
	var ps []*tensor.Tensor
	for _, l := range s.layers {
		ps = append(ps, l.Parameters()...)
	}
	return ps
}

// NamedParameters returns PyTorch state-dict names: "0.weight", "0.bias",
// "2.weight", … (nested containers give "1.0.weight").
func (s *Sequential) NamedParameters() []Param {
	var ps []Param
	for i, l := range s.layers {
		for _, p := range NamedParameters(l) {
			ps = append(ps, Param{Name: fmt.Sprintf("%d.%s", i, p.Name), Tensor: p.Tensor})
		}
	}
	return ps
}

// NamedBuffers returns the layers' buffers under PyTorch's names, such as
// "1.running_mean" for a BatchNorm at position 1.
func (s *Sequential) NamedBuffers() []Param {
	var bs []Param
	for i, l := range s.layers {
		for _, b := range NamedBuffers(l) {
			bs = append(bs, Param{Name: fmt.Sprintf("%d.%s", i, b.Name), Tensor: b.Tensor})
		}
	}
	return bs
}

// SetTraining switches every layer that has a mode.
func (s *Sequential) SetTraining(on bool) {
	for _, l := range s.layers {
		setTraining(l, on)
	}
}

// String prints the model as PyTorch does.
func (s *Sequential) String() string {
	var b strings.Builder
	b.WriteString("Sequential(\n")
	for i, l := range s.layers {
		inner := strings.ReplaceAll(describe(l), "\n", "\n  ")
		fmt.Fprintf(&b, "  (%d): %s\n", i, inner)
	}
	b.WriteString(")")
	return b.String()
}

// describe is a layer's String, or its type name.
func describe(m Module) string {
	if s, ok := m.(fmt.Stringer); ok {
		return s.String()
	}
	return typeName(m) + "()"
}

// typeName is a layer's type name as PyTorch shows it: the name its String
// starts with ("Linear" of "Linear(in_features=…)"), else its Go type's.
func typeName(m Module) string {
	if s, ok := m.(fmt.Stringer); ok {
		if name, _, ok := strings.Cut(s.String(), "("); ok && token.IsIdentifier(name) {
			return name
		}
	}
	n := fmt.Sprintf("%T", m)
	n = strings.TrimPrefix(n, "*")
	if i := strings.LastIndex(n, "."); i >= 0 {
		n = n[i+1:]
	}
	return n
}

// NewMLP returns a multilayer perceptron: Linear layers between the given
// sizes with ReLU after every one but the last (NewMLP([]int{784, 128, 10})
// is Linear(784,128), ReLU, Linear(128,10)).
func NewMLP(sizes []int) *Sequential {
	if len(sizes) < 2 {
		panic(&tensor.ShapeError{Op: "nn.NewMLP", A: sizes, Msg: "need at least an input and an output size"})
	}
	s := &Sequential{}
	for i := 0; i+1 < len(sizes); i++ {
		s.Add(NewLinear(sizes[i], sizes[i+1]))
		if i+2 < len(sizes) {
			s.Add(NewReLU())
		}
	}
	return s
}

// NamedParameters returns m's named parameters: its own names when it
// implements Named, else "0", "1", … by position.
func NamedParameters(m Module) []Param {
	if n, ok := m.(Named); ok {
		return n.NamedParameters()
	}
	var ps []Param
	for i, p := range m.Parameters() {
		ps = append(ps, Param{Name: fmt.Sprint(i), Tensor: p})
	}
	return ps
}

// NamedBuffers returns m's named buffers (nil when it has none, that is
// when it does not implement Buffered).
func NamedBuffers(m Module) []Param {
	if b, ok := m.(Buffered); ok {
		return b.NamedBuffers()
	}
	return nil
}

// StateDict returns m's parameters and buffers under their names, in
// PyTorch's state_dict order (each layer's parameters, then its buffers,
// layer after layer): "0.weight", "0.bias", "1.weight", "1.bias",
// "1.running_mean", "1.running_var", "1.num_batches_tracked", … The
// tensors are m's own, not copies.
func StateDict(m Module) []Param {
	s, ok := m.(*Sequential)
	if !ok {
		return append(NamedParameters(m), NamedBuffers(m)...)
	}
	var ps []Param
	for i, l := range s.layers {
		for _, p := range StateDict(l) {
			ps = append(ps, Param{Name: fmt.Sprintf("%d.%s", i, p.Name), Tensor: p.Tensor})
		}
	}
	return ps
}

// Weights returns the parameters whose names end in "weight" — the ones
// L1/L2 penalties and pruning usually apply to (biases excluded).
func Weights(m Module) []*tensor.Tensor {
	var ws []*tensor.Tensor
	for _, p := range NamedParameters(m) {
		if strings.HasSuffix(p.Name, "weight") {
			ws = append(ws, p.Tensor)
		}
	}
	return ws
}

// WeightSparsity is the fraction of the entries of m's weight tensors —
// its parameters of two or more dimensions (Linear and Conv2d weights;
// biases and batch-norm vectors excluded), the ones pruning covers by
// default — that are exactly zero; 0 for a model without any. mlstd's
// figures of a model's sparsity (export's CompactReport, prune's default
// Mask) are this one.
func WeightSparsity(m Module) float64 {
	zeros, total := 0, 0
	for _, p := range m.Parameters() {
		if p.Dims() < 2 {
			continue
		}
		for _, v := range p.Data() {
			if v == 0 {
				zeros++
			}
		}
		total += p.Len()
	}
	if total == 0 {
		return 0
	}
	return float64(zeros) / float64(total)
}

// Trainer is implemented by modules whose behaviour differs between
// training and evaluation (Dropout, containers).
type Trainer interface {
	SetTraining(on bool)
}

func setTraining(m Module, on bool) {
	if t, ok := m.(Trainer); ok {
		t.SetTraining(on)
	}
}

// Train puts m (and every layer inside it) in training mode and returns it
// (model.train()).
func Train(m Module) Module {
	setTraining(m, true)
	return m
}

// Eval puts m in evaluation mode (Dropout off) and returns it
// (model.eval()).
func Eval(m Module) Module {
	setTraining(m, false)
	return m
}

// ZeroGrad zeroes the gradients of all of m's parameters in place
// (model.zero_grad() with torch 1.13's default set_to_none=False), like the
// optimizers' ZeroGrad.
func ZeroGrad(m Module) {
	for _, p := range m.Parameters() {
		if g := p.Grad(); g != nil {
			clear(g.Data())
		}
	}
}

// NumParams returns the number of scalar parameters in m.
func NumParams(m Module) int {
	n := 0
	for _, p := range m.Parameters() {
		n += p.Len()
	}
	return n
}
