package prune

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// Neurons removes whole hidden neurons (structured pruning): in each hidden
// layer it picks the given fraction of neurons whose incoming weight rows
// have the smallest L2 norm (PyTorch's ln_structured with n=2, dim=0) and
// zeroes that row, the neuron's bias and the matching column of the next
// layer's weight, so the neuron neither computes nor contributes. The
// output layer is never pruned.
//
// Hidden layers are found from the parameter order of an MLP (a
// Sequential of Linear layers and activations): a weight of shape
// (out, in), optionally followed by a bias of length out, followed later by
// a weight whose second dimension is out. The returned mask keeps the
// neurons removed during fine-tuning. It panics unless 0 ≤ fraction ≤ 1.
func Neurons(m nn.Module, fraction float64) *Mask {
	if !(fraction >= 0 && fraction <= 1) {
		panic(fmt.Errorf("prune: neuron fraction %v not in [0, 1]", fraction))
	}
	ps := params(m)
	pruned := map[*tensor.Tensor][]int{}
	for _, l := range hiddenLayers(ps) {
		out, in := l.w.Dim(0), l.w.Dim(1)
		norms := make([]float64, out)
		wd := l.w.Data()
		for j := range out {
			var s float64
			for _, v := range wd[j*in : (j+1)*in] {
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
		nextIn := l.next.Dim(1)
		for _, j := range order[:k] {
			for c := range in {
				pruned[l.w] = append(pruned[l.w], j*in+c)
			}
			if l.b != nil {
				pruned[l.b] = append(pruned[l.b], j)
			}
			for r := range l.next.Dim(0) {
				pruned[l.next] = append(pruned[l.next], r*nextIn+j)
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

type hidden struct {
	w, b, next *tensor.Tensor
}

// hiddenLayers finds (weight, bias, next weight) triples in parameter order.
func hiddenLayers(ps []nn.Param) []hidden {
	var out []hidden
	for i, p := range ps {
		if p.Tensor.Dims() != 2 {
			continue
		}
		h := hidden{w: p.Tensor}
		rows := p.Tensor.Dim(0)
		for _, q := range ps[i+1:] {
			t := q.Tensor
			if t.Dims() == 1 && h.b == nil && t.Len() == rows {
				h.b = t
				continue
			}
			if t.Dims() == 2 {
				if t.Dim(1) == rows {
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
