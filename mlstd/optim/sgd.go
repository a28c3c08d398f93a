package optim

import (
	"fmt"

	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// SGDConfig holds torch.optim.SGD's hyperparameters (maximize is not
// supported). LR is required, as torch's lr is; the zero value of every
// other field means "off".
type SGDConfig struct {
	LR          float64 // learning rate; must be positive
	Momentum    float64 // momentum factor
	Dampening   float64 // dampening for momentum
	WeightDecay float64 // L2 penalty added to the gradient
	Nesterov    bool    // Nesterov momentum (needs Momentum > 0 and Dampening 0)
}

// SGD is stochastic gradient descent with torch.optim.SGD's exact update:
//
//	g ← grad + weight_decay·θ
//	buf ← g (first step), else momentum·buf + (1−dampening)·g
//	g ← g + momentum·buf (Nesterov) or buf
//	θ ← θ − lr·g
//
// Parameters without a gradient are skipped.
type SGD struct {
	base
	cfg SGDConfig
	buf [][]float32 // momentum buffers, nil until first used
	tmp []float32   // scratch for d_p when it is not the gradient itself
}

// NewSGD returns an SGD optimizer over params. It panics on invalid
// hyperparameters, as torch does, and on a missing (zero) learning rate,
// which torch.optim.SGD requires: an SGD without one would train nothing.
func NewSGD(params []*tensor.Tensor, cfg SGDConfig) *SGD {
	if !(cfg.LR > 0) {
		panic(fmt.Errorf("optim: sgd: the learning rate must be positive, got LR %g (set it: optim.SGDConfig{LR: 0.01, Momentum: 0.9})", cfg.LR))
	}
	if cfg.Momentum < 0 || cfg.WeightDecay < 0 {
		panic(fmt.Errorf("optim: sgd: momentum and weight decay must not be negative"))
	}
	if cfg.Nesterov && (cfg.Momentum <= 0 || cfg.Dampening != 0) {
		panic(fmt.Errorf("optim: sgd: nesterov momentum requires a momentum and zero dampening"))
	}
	return &SGD{base: newBase("sgd", params, cfg.LR), cfg: cfg, buf: make([][]float32, len(params))}
}

// Config returns the hyperparameters (LR is the current rate).
func (o *SGD) Config() SGDConfig {
	c := o.cfg
	c.LR = o.lr
	return c
}

// Step updates every parameter that has a gradient. It runs torch's
// sequence of whole-tensor operations (mul_, add_ with alpha as a fused
// multiply-add) with vector kernels, so the rounding is torch's too.
func (o *SGD) Step() {
	lr := float32(o.lr)
	wd := float32(o.cfg.WeightDecay)
	mom := float32(o.cfg.Momentum)
	damp := float32(1 - o.cfg.Dampening)
	for i, p := range o.params {
		if p.Grad() == nil {
			continue
		}
		w, d := p.Data(), p.Grad().Data()
		scratch := false // d is our own buffer
		if wd != 0 {     // d_p = d_p.add(param, alpha=weight_decay)
			o.tmp = append(o.tmp[:0], d...)
			d, scratch = o.tmp, true
			axpy(d, w, wd)
		}
		if mom != 0 {
			buf := o.buf[i]
			if buf == nil { // buf = clone(d_p)
				buf = append([]float32(nil), d...)
				o.buf[i] = buf
			} else if !o.cfg.Nesterov {
				// buf.mul_(momentum).add_(d_p, alpha=1-dampening);
				// param.add_(buf, alpha=-lr), fused into one pass.
				momentum(w, buf, d, mom, damp, -lr)
				continue
			} else { // buf.mul_(momentum).add_(d_p, alpha=1-dampening)
				scal(buf, mom)
				axpy(buf, d, damp)
			}
			if o.cfg.Nesterov { // d_p = d_p.add(buf, alpha=momentum)
				if !scratch {
					o.tmp = append(o.tmp[:0], d...)
					d = o.tmp
				}
				axpy(d, buf, mom)
			} else {
				d = buf
			}
		}
		axpy(w, d, -lr) // param.add_(d_p, alpha=-lr)
	}
	o.steps++
}

// StateDict returns the learning rate ("lr", plus "lr_residual", the
// part float32 cannot hold), the step count ("step") and
// a copy of every momentum buffer ("state.<i>.momentum_buffer", i the
// parameter's position), torch's names.
func (o *SGD) StateDict() []nn.Param {
	ps := o.lrParams()
	for i, b := range o.buf {
		if b != nil {
			ps = append(ps, o.bufParam(i, "momentum_buffer", b))
		}
	}
	return ps
}

// LoadStateDict restores state saved by StateDict (for the same parameter
// list). Buffers not in state are reset.
func (o *SGD) LoadStateDict(state []nn.Param) error {
	bufs := make([][]float32, len(o.params))
	err := o.loadState("sgd", state, func(i int, name string, t *tensor.Tensor) error {
		if name != "momentum_buffer" {
			return fmt.Errorf("optim: sgd: unknown state entry \"state.%d.%s\"", i, name)
		}
		b, err := o.loadBuf("sgd", i, name, t)
		bufs[i] = b
		return err
	})
	if err != nil {
		return err
	}
	o.buf = bufs
	return nil
}
