package prune

import (
	"fmt"
	"slices"

	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// Compact returns a new Sequential without the hidden neurons of s that
// cannot affect its output: neuron j of a Linear layer is dropped when
// column j of the next Linear layer's weight is entirely zero and only
// element-wise layers (ReLU, Sigmoid, Tanh, Dropout) lie between the two,
// which is what Neurons leaves behind. The output is unchanged; the model
// is smaller and faster. It also returns how many neurons each Linear
// layer lost, indexed like s.Layers().
//
// The new model has new Linear parameter tensors (requiring gradients like
// the old ones) and shares the other layers with s: create a new
// optimizer for it, and a new Mask if it is to be fine-tuned with one.
//
// m is what export.Load and LoadONNX return: an nn.Module that must be an
// *nn.Sequential; any other module panics with an error naming its type.
func Compact(m nn.Module) (*nn.Sequential, []int) {
	s, ok := m.(*nn.Sequential)
	if !ok {
		panic(fmt.Errorf("prune.Compact: the model is a %T; Compact removes neurons between the Linear layers of an *nn.Sequential", m))
	}
	layers := s.Layers()
	removed := make([]int, len(layers))
	out := make([]nn.Module, len(layers))
	copy(out, layers)
	for i, m := range layers {
		lin, ok := m.(*nn.Linear)
		if !ok {
			continue
		}
		if cur, ok := out[i].(*nn.Linear); ok {
			lin = cur // may already have lost input columns
		}
		j := nextLinear(layers, i)
		if j < 0 {
			continue
		}
		next := out[j].(*nn.Linear)
		keep := liveColumns(next.Weight)
		if len(keep) == lin.Out() {
			continue
		}
		removed[i] = lin.Out() - len(keep)
		out[i] = &nn.Linear{Weight: takeRows(lin.Weight, keep), Bias: takeRows(lin.Bias, keep)}
		out[j] = &nn.Linear{Weight: takeColumns(next.Weight, keep), Bias: clone(next.Bias)}
	}
	for i, m := range out {
		if lin, ok := m.(*nn.Linear); ok && m == layers[i] {
			out[i] = &nn.Linear{Weight: clone(lin.Weight), Bias: clone(lin.Bias)}
		}
	}
	return nn.NewSequentialFrom(out), removed
}

// nextLinear returns the index of the Linear layer after layer i when only
// element-wise layers lie between, else -1.
func nextLinear(layers []nn.Module, i int) int {
	for j := i + 1; j < len(layers); j++ {
		switch layers[j].(type) {
		case *nn.Linear:
			return j
		case *nn.ReLU, *nn.Sigmoid, *nn.Tanh, *nn.Dropout:
		default:
			return -1
		}
	}
	return -1
}

// liveColumns returns the indices of w's columns that hold a nonzero.
func liveColumns(w *tensor.Tensor) []int {
	rows, cols := w.Dim(0), w.Dim(1)
	live := make([]bool, cols)
	d := w.Data()
	for r := range rows {
		for c, v := range d[r*cols : (r+1)*cols] {
			if v != 0 {
				live[c] = true
			}
		}
	}
	var keep []int
	for c, ok := range live {
		if ok {
			keep = append(keep, c)
		}
	}
	return keep
}

// takeRows returns a new tensor with the rows keep of t (a matrix or a
// vector); nil stays nil.
func takeRows(t *tensor.Tensor, keep []int) *tensor.Tensor {
	if t == nil {
		return nil
	}
	shape := t.Shape()
	f := t.Len() / shape[0]
	d := make([]float32, 0, len(keep)*f)
	for _, r := range keep {
		d = append(d, t.Data()[r*f:(r+1)*f]...)
	}
	shape[0] = len(keep)
	return tensor.New(d, shape...).SetRequiresGrad(t.RequiresGrad())
}

// takeColumns returns a new matrix with the columns keep of w.
func takeColumns(w *tensor.Tensor, keep []int) *tensor.Tensor {
	rows, cols := w.Dim(0), w.Dim(1)
	d := make([]float32, 0, rows*len(keep))
	src := w.Data()
	for r := range rows {
		for _, c := range keep {
			d = append(d, src[r*cols+c])
		}
	}
	return tensor.New(d, rows, len(keep)).SetRequiresGrad(w.RequiresGrad())
}

func clone(t *tensor.Tensor) *tensor.Tensor {
	if t == nil {
		return nil
	}
	return tensor.New(slices.Clone(t.Data()), t.Shape()...).SetRequiresGrad(t.RequiresGrad())
}
