package optim

import (
	"fmt"
	"math"

	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// SGDConfig holds torch.optim.SGD's hyperparameters (maximize is not
// supported). The zero value of every field but LR means "off".
type SGDConfig struct {
	LR          float64 // learning rate
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
}

// NewSGD returns an SGD optimizer over params. It panics on invalid
// hyperparameters, as torch does.
func NewSGD(params []*tensor.Tensor, cfg SGDConfig) *SGD {
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

// Step updates every parameter that has a gradient.
func (o *SGD) Step() {
	lr := float32(o.lr)
	wd := float32(o.cfg.WeightDecay)
	mom := float32(o.cfg.Momentum)
	damp := float32(1 - o.cfg.Dampening)
	nesterov := o.cfg.Nesterov
	for i, p := range o.params {
		if p.Grad() == nil {
			continue
		}
		w, g := p.Data(), p.Grad().Data()
		buf := o.buf[i]
		first := buf == nil && mom != 0
		if first {
			buf = make([]float32, len(w))
			o.buf[i] = buf
		}
		for j, gv := range g {
			if wd != 0 {
				gv = fma32(w[j], wd, gv) // d_p.add(param, alpha=wd)
			}
			if mom != 0 {
				b := gv // buf = clone(d_p)
				if !first {
					b = fma32(gv, damp, buf[j]*mom) // buf.mul_(m).add_(d_p, alpha=1-dampening)
				}
				buf[j] = b
				if nesterov {
					gv = fma32(b, mom, gv)
				} else {
					gv = b
				}
			}
			w[j] = fma32(gv, -lr, w[j]) // param.add_(d_p, alpha=-lr)
		}
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

// fma32 is x·y+z rounded once (to float64, then float32), as PyTorch's
// vectorised add(alpha=…) kernels compute it with FMA instructions.
func fma32(x, y, z float32) float32 {
	return float32(math.FMA(float64(x), float64(y), float64(z)))
}
