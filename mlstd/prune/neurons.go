package prune

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// Neurons removes whole hidden units (structured pruning): the neurons of
// hidden Linear layers and the output channels of Conv2d layers. In each
// such layer it picks the given fraction of units whose incoming weights
// (a Linear's row, a Conv2d's filter) have the smallest L2 norm (PyTorch's
// ln_structured with n=2, dim=0) and zeroes those weights, the unit's
// entries in the 1-dimensional parameters that follow (its bias, a batch
// norm's scale and shift) and the next layer's weights on the unit (a
// Linear's column, its block of columns after a Flatten, a Conv2d's
// input-channel slice), so the unit neither computes nor contributes.
// Compact then removes the units. The output layer is never pruned.
//
// Layers are found from the parameter order of a Sequential (or of any
// module listing its parameters in the same order): a weight of two or
// more dimensions with out rows, then 1-dimensional parameters of length
// out, then the next weight, whose second dimension is out, or, after a
// convolution, a matrix whose second dimension is a multiple of out (a
// Flatten in between). The returned mask keeps the units removed during
// fine-tuning. It panics unless 0 ≤ fraction ≤ 1.
func Neurons(m nn.Module, fraction float64) *Mask {
	if !(fraction >= 0 && fraction <= 1) {
		panic(fmt.Errorf("prune: neuron fraction %v not in [0, 1]", fraction))
	}
	ps := params(m)
	pruned := map[*tensor.Tensor][]int{}
	for _, l := range hiddenLayers(ps) {
		out := l.w.Dim(0)
		f := l.w.Len() / out
		norms := make([]float64, out)
		wd := l.w.Data()
		for j := range out {
			var s float64
			for _, v := range wd[j*f : (j+1)*f] {
				s += float64(v) * float64(v)
			}
			norms[j] = math.Sqrt(s)
		}
		order := make([]int, out)
		for j := range order {
			order[j] = j
		}
		slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(norms[a], norms[b]) })
		k := int(math.Round(fraction * float64(out)))
		nextOut, inner := inputBlocks(l.next, out)
		for _, j := range order[:k] {
			for c := range f {
				pruned[l.w] = append(pruned[l.w], j*f+c)
			}
			for _, v := range l.vecs {
				pruned[v] = append(pruned[v], j)
			}
			for r := range nextOut {
				for c := range inner {
					pruned[l.next] = append(pruned[l.next], (r*out+j)*inner+c)
				}
			}
		}
	}
	mk := &Mask{}
	for _, p := range ps {
		if idx, ok := pruned[p.Tensor]; ok {
			mk.entries = append(mk.entries, entry{p.Name, p.Tensor, slices.Compact(slices.Sorted(slices.Values(idx)))})
		}
	}
	mk.Apply()
	return mk
}

// hidden is a layer Neurons prunes: its weight, the 1-dimensional
// parameters of its units and the next layer's weight.
type hidden struct {
	w    *tensor.Tensor
	vecs []*tensor.Tensor
	next *tensor.Tensor
}

// hiddenLayers finds the hidden layers in parameter order.
func hiddenLayers(ps []nn.Param) []hidden {
	var out []hidden
	for i, p := range ps {
		if p.Tensor.Dims() < 2 {
			continue
		}
		h := hidden{w: p.Tensor}
		rows := p.Tensor.Dim(0)
		for _, q := range ps[i+1:] {
			t := q.Tensor
			if t.Dims() == 1 && t.Len() == rows {
				h.vecs = append(h.vecs, t)
				continue
			}
			if t.Dims() >= 2 {
				if t.Dim(1) == rows || p.Tensor.Dims() > 2 && t.Dims() == 2 && t.Dim(1)%rows == 0 {
					h.next = t
				}
				break
			}
		}
		if h.next != nil {
			out = append(out, h)
		}
	}
	return out
}
