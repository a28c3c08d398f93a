package prune

import (
	"fmt"
	"slices"

	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// Compact returns a new Sequential without the hidden units of m that
// cannot affect its output — neurons of Linear layers and output channels
// of Conv2d layers — and how many units each layer lost, indexed like
// m's layers. A unit of layer i feeds the next Linear or Conv2d layer j
// when only these lie between: ReLU, Sigmoid, Tanh, Dropout and
// BatchNorm1d after a Linear; ReLU, Sigmoid, Tanh, Dropout, Dropout2d,
// BatchNorm2d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d and Flatten after a
// Conv2d (a Flatten maps channel c to the block of j's inputs c·h·w …
// (c+1)·h·w−1). The unit is dead, and removed, when
//
//   - every weight j applies to it is zero (its column of a Linear's
//     weight, its block of columns after a Flatten, its input-channel
//     slice of a Conv2d's weight): nothing it computes reaches j; or
//   - it computes zero: its weights (a Linear's row, a Conv2d's filter)
//     and its bias are zero and every layer on the way maps zero to zero
//     (not Sigmoid; a batch norm only where its shift is zero and its
//     scale or running mean is).
//
// Neurons leaves both behind. Removing a unit deletes its weight row or
// filter, its bias entry, its entries in the batch norms on the way
// (scale, shift, running mean and variance) and its inputs of layer j.
// Layers cascade: a layer that lost inputs may then lose outputs.
//
// The output is the same in evaluation mode up to float32 rounding, not
// bit for bit: the removed terms are exact zeros, but the matrix products
// of layer j sum the remaining ones in a grouping that depends on the
// number of inputs (TestCompactLeNet5 measures the difference). In
// training mode Dropout and Dropout2d draw one random number per unit, so
// their masks differ.
//
// The new model has new parameter tensors for its Linear, Conv2d and batch
// norm layers (requiring gradients like the old ones) and shares the other
// layers with m: create a new optimizer for it, and a new Mask if it is to
// be fine-tuned with one.
//
// m is what export.Load and LoadONNX return: an nn.Module that must be an
// *nn.Sequential; any other module panics with an error naming its type.
func Compact(m nn.Module) (*nn.Sequential, []int) {
	s, ok := m.(*nn.Sequential)
	if !ok {
		panic(fmt.Errorf("prune.Compact: the model is a %T; Compact removes neurons and channels between the layers of an *nn.Sequential", m))
	}
	layers := s.Layers()
	for i, l := range layers {
		layers[i] = cloneLayer(l)
	}
	removed := make([]int, len(layers))
	for i, l := range layers {
		w, b := outputs(l)
		if w == nil {
			continue
		}
		j := consumer(layers, i)
		if j < 0 {
			continue
		}
		next, _ := outputs(layers[j])
		n := w.Dim(0)
		var keep []int
		for c := range n {
			if feeds(next, c, n) && !computesZero(w, b, layers[i+1:j], c) {
				keep = append(keep, c)
			}
		}
		if len(keep) == n {
			continue
		}
		removed[i] = n - len(keep)
		setOutputs(l, takeRows(w, keep), takeRows(b, keep))
		for _, between := range layers[i+1 : j] {
			if bn := batchNormOf(between); bn != nil {
				bn.replace(func(t *tensor.Tensor) *tensor.Tensor { return takeRows(t, keep) })
			}
		}
		_, nb := outputs(layers[j])
		setOutputs(layers[j], takeInputs(next, keep, n), nb)
	}
	return nn.NewSequentialFrom(layers), removed
}

// cloneLayer returns a copy of a Linear, Conv2d or batch-norm layer with
// its own tensors, and any other layer itself.
func cloneLayer(m nn.Module) nn.Module {
	switch l := m.(type) {
	case *nn.Linear:
		c := *l
		c.Weight, c.Bias = clone(l.Weight), clone(l.Bias)
		return &c
	case *nn.Conv2d:
		c := *l
		c.Weight, c.Bias = clone(l.Weight), clone(l.Bias)
		return &c
	case *nn.BatchNorm1d:
		c := *l
		batchNormOf(&c).replace(clone)
		c.NumBatchesTracked = clone(l.NumBatchesTracked)
		return &c
	case *nn.BatchNorm2d:
		c := *l
		batchNormOf(&c).replace(clone)
		c.NumBatchesTracked = clone(l.NumBatchesTracked)
		return &c
	}
	return m
}

// batchNormFields points at the per-unit tensors of a BatchNorm1d or
// BatchNorm2d.
type batchNormFields struct {
	weight, bias, runningMean, runningVar **tensor.Tensor
}

// batchNormOf returns the per-unit fields of a BatchNorm1d or BatchNorm2d,
// or nil for another layer.
func batchNormOf(m nn.Module) *batchNormFields {
	switch l := m.(type) {
	case *nn.BatchNorm1d:
		return &batchNormFields{&l.Weight, &l.Bias, &l.RunningMean, &l.RunningVar}
	case *nn.BatchNorm2d:
		return &batchNormFields{&l.Weight, &l.Bias, &l.RunningMean, &l.RunningVar}
	}
	return nil
}

// replace sets each per-unit tensor t to f(t).
func (bn *batchNormFields) replace(f func(*tensor.Tensor) *tensor.Tensor) {
	for _, t := range []**tensor.Tensor{bn.weight, bn.bias, bn.runningMean, bn.runningVar} {
		*t = f(*t)
	}
}

// outputs returns the weight and bias of a Linear or Conv2d layer (its
// units are the weight's rows), or nils for another layer.
func outputs(m nn.Module) (w, b *tensor.Tensor) {
	switch l := m.(type) {
	case *nn.Linear:
		return l.Weight, l.Bias
	case *nn.Conv2d:
		return l.Weight, l.Bias
	}
	return nil, nil
}

// setOutputs replaces the weight and bias of a Linear or Conv2d layer.
func setOutputs(m nn.Module, w, b *tensor.Tensor) {
	switch l := m.(type) {
	case *nn.Linear:
		l.Weight, l.Bias = w, b
	case *nn.Conv2d:
		l.Weight, l.Bias = w, b
	}
}

// consumer returns the index of the Linear or Conv2d layer that takes the
// units of layer i through per-unit layers only (see Compact), else -1.
func consumer(layers []nn.Module, i int) int {
	w, _ := outputs(layers[i])
	n, conv, flat := w.Dim(0), w.Dims() == 4, false
	for j := i + 1; j < len(layers); j++ {
		switch l := layers[j].(type) {
		case *nn.ReLU, *nn.Sigmoid, *nn.Tanh, *nn.Dropout:
		case *nn.BatchNorm1d:
			if conv {
				return -1
			}
		case *nn.BatchNorm2d, *nn.Dropout2d, *nn.MaxPool2d, *nn.AvgPool2d, *nn.AdaptiveAvgPool2d:
			if !conv || flat {
				return -1
			}
		case *nn.Flatten:
			flat = conv
		case *nn.Linear:
			if conv && !flat || l.In()%n != 0 || !conv && l.In() != n {
				return -1
			}
			return j
		case *nn.Conv2d:
			if !conv || flat || l.Weight.Dim(1) != n {
				return -1
			}
			return j
		default:
			return -1
		}
	}
	return -1
}

// inputBlocks views a consumer's weight w, whose inputs are n units, as
// (out, n, inner): inner is 1 for a Linear after a Linear, h·w for a
// Linear after a Flatten, kH·kW for a Conv2d.
func inputBlocks(w *tensor.Tensor, n int) (out, inner int) {
	out = w.Dim(0)
	return out, w.Len() / (out * n)
}

// feeds reports whether the consumer weight w applies a nonzero weight to
// unit c of n.
func feeds(w *tensor.Tensor, c, n int) bool {
	out, inner := inputBlocks(w, n)
	d := w.Data()
	for o := range out {
		at := (o*n + c) * inner
		if slices.ContainsFunc(d[at:at+inner], nonzero) {
			return true
		}
	}
	return false
}

// computesZero reports whether unit c of a layer with weight w and bias b
// is zero after the layers between it and its consumer.
func computesZero(w, b *tensor.Tensor, between []nn.Module, c int) bool {
	f := w.Len() / w.Dim(0)
	if slices.ContainsFunc(w.Data()[c*f:(c+1)*f], nonzero) || b != nil && b.Data()[c] != 0 {
		return false
	}
	for _, l := range between {
		if _, ok := l.(*nn.Sigmoid); ok {
			return false
		}
		// A batch norm maps a zero channel to Bias in training mode and to
		// Bias − Weight·RunningMean/√(RunningVar+ε) in evaluation mode.
		if bn := batchNormOf(l); bn != nil {
			scale, shift := *bn.weight, *bn.bias
			if shift != nil && shift.Data()[c] != 0 ||
				(*bn.runningMean).Data()[c] != 0 && (scale == nil || scale.Data()[c] != 0) {
				return false
			}
		}
	}
	return true
}

func nonzero(v float32) bool { return v != 0 }

// takeRows returns a new tensor with the rows keep (indices along the
// first dimension) of t; nil stays nil.
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

// takeInputs returns a new consumer weight with the inputs of the units
// keep of n (see inputBlocks).
func takeInputs(w *tensor.Tensor, keep []int, n int) *tensor.Tensor {
	out, inner := inputBlocks(w, n)
	d := make([]float32, 0, out*len(keep)*inner)
	src := w.Data()
	for o := range out {
		for _, c := range keep {
			at := (o*n + c) * inner
			d = append(d, src[at:at+inner]...)
		}
	}
	shape := w.Shape()
	shape[1] = len(keep) * (shape[1] / n)
	return tensor.New(d, shape...).SetRequiresGrad(w.RequiresGrad())
}

func clone(t *tensor.Tensor) *tensor.Tensor {
	if t == nil {
		return nil
	}
	return tensor.New(slices.Clone(t.Data()), t.Shape()...).SetRequiresGrad(t.RequiresGrad())
}
