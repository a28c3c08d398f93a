package serve

import (
	"github.com/gokernel/gokernel/mlstd/internal/sgemm"
	"github.com/gokernel/gokernel/mlstd/internal/vec"
	"github.com/gokernel/gokernel/mlstd/nn"
)

// mlpPlan runs the common served model, an nn.Sequential of Linear and
// ReLU layers on flat input rows, straight through sgemm with buffers the
// batcher owns. It makes the same kernel calls in the same order as
// Sequential.Forward (bias rows, then Gemm with beta 1, then ReLU), so the
// output is bitwise the same, but it builds no tensors and no graph and
// needs no tensor.NoGrad (whose per-goroutine bookkeeping costs a locked
// map lookup per op, and a stack trace per op, more than the whole forward
// pass of one row, on architectures other than amd64 and arm64).
//
// The layers and their weights are read at every pass, so a model changed
// in place by a training cell is served as it is now, as with Forward.
type mlpPlan struct {
	hidden [2][]float32 // ping-pong activations, reused between passes
}

// forward runs m on rows rows of x when m has the supported form; ok is
// false (and nothing was computed) otherwise, and the caller uses Forward.
func (p *mlpPlan) forward(m nn.Module, x []float32, rows, width int) (out []float32, outWidth int, ok bool) {
	seq, isSeq := m.(*nn.Sequential)
	if !isSeq || seq.Len() == 0 {
		return nil, 0, false
	}
	// Check every layer and shape first, so that a model Forward would
	// reject (with its ShapeError) goes through Forward.
	w := width
	for i := 0; i < seq.Len(); i++ {
		switch l := seq.Layer(i).(type) {
		case *nn.Linear:
			if l == nil || l.Weight == nil {
				return nil, 0, false
			}
			if l.Weight.Dims() != 2 || l.Weight.Dim(1) != w || len(l.Weight.Data()) != l.Weight.Dim(0)*w {
				return nil, 0, false
			}
			if l.Bias != nil && (l.Bias.Dims() != 1 || l.Bias.Len() != l.Weight.Dim(0)) {
				return nil, 0, false
			}
			w = l.Weight.Dim(0)
		case *nn.ReLU:
		default:
			return nil, 0, false
		}
	}
	// A layer writes to a fresh slice when only ReLUs follow it (that
	// slice escapes to the jobs), else to the hidden buffer not holding
	// its input; ReLU works in place except on the request's own rows.
	cur := x
	slot := 0
	dest := func(i, n int) []float32 {
		for j := i + 1; j < seq.Len(); j++ {
			if !isReLU(seq.Layer(j)) {
				d := p.buf(slot, n)
				slot ^= 1
				return d
			}
		}
		return make([]float32, n)
	}
	for i := 0; i < seq.Len(); i++ {
		switch l := seq.Layer(i).(type) {
		case *nn.Linear:
			o, in := l.Weight.Dim(0), l.Weight.Dim(1) // Dim, not Shape: no copy per pass
			dst := dest(i, rows*o)
			beta := float32(0)
			if l.Bias != nil {
				b := l.Bias.Data()
				for r := 0; r < rows; r++ {
					copy(dst[r*o:(r+1)*o], b)
				}
				beta = 1
			}
			sgemm.Gemm(false, true, rows, o, in, 1, cur, max(in, 1), l.Weight.Data(), max(in, 1), beta, dst, max(o, 1))
			cur = dst
		case *nn.ReLU:
			dst := cur
			if i == 0 {
				dst = dest(i, len(cur)) // do not overwrite the request's rows
			}
			vec.ReLU(dst, cur)
			cur = dst
		}
	}
	return cur, w, true
}

func isReLU(m nn.Module) bool { _, ok := m.(*nn.ReLU); return ok }

// buf returns hidden buffer i with length n, growing it when needed.
func (p *mlpPlan) buf(i, n int) []float32 {
	if cap(p.hidden[i]) < n {
		p.hidden[i] = make([]float32, n)
	}
	return p.hidden[i][:n]
}
