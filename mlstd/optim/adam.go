package optim

import (
	"fmt"
	"math"

	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// AdamConfig holds torch.optim.Adam's hyperparameters. Zero fields take
// PyTorch's defaults: LR 1e-3, Beta1 0.9, Beta2 0.999, Eps 1e-8, and for
// AdamW WeightDecay 1e-2 (Adam's default weight decay is 0).
type AdamConfig struct {
	LR          float64
	Beta1       float64
	Beta2       float64
	Eps         float64
	WeightDecay float64
	AMSGrad     bool
}

// Adam is torch.optim.Adam (or, from NewAdamW, torch.optim.AdamW with
// decoupled weight decay), step for step:
//
//	g ← grad (+ weight_decay·θ for Adam)      θ ← θ·(1 − lr·weight_decay) for AdamW
//	m ← β₁·m + (1−β₁)·g;  v ← β₂·v + (1−β₂)·g²
//	θ ← θ − lr/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε)
//
// Parameters without a gradient are skipped (their step count t too).
type Adam struct {
	base
	cfg     AdamConfig
	decoupl bool
	t       []int
	m, v    [][]float32
	vmax    [][]float32
	tmp     []float32 // scratch for the weight-decayed gradient
}

// NewAdam returns an Adam optimizer over params.
func NewAdam(params []*tensor.Tensor, cfg AdamConfig) *Adam {
	return newAdam("adam", params, cfg, false)
}

// NewAdamW returns an AdamW optimizer (decoupled weight decay) over params.
func NewAdamW(params []*tensor.Tensor, cfg AdamConfig) *Adam {
	if cfg.WeightDecay == 0 {
		cfg.WeightDecay = 1e-2
	}
	return newAdam("adamw", params, cfg, true)
}

func newAdam(op string, params []*tensor.Tensor, cfg AdamConfig, decoupled bool) *Adam {
	if cfg.LR == 0 {
		cfg.LR = 1e-3
	}
	if cfg.Beta1 == 0 {
		cfg.Beta1 = 0.9
	}
	if cfg.Beta2 == 0 {
		cfg.Beta2 = 0.999
	}
	if cfg.Eps == 0 {
		cfg.Eps = 1e-8
	}
	if cfg.Beta1 < 0 || cfg.Beta1 >= 1 || cfg.Beta2 < 0 || cfg.Beta2 >= 1 || cfg.Eps < 0 || cfg.WeightDecay < 0 {
		panic(fmt.Errorf("optim: %s: invalid hyperparameters %+v", op, cfg))
	}
	n := len(params)
	return &Adam{base: newBase(op, params, cfg.LR), cfg: cfg, decoupl: decoupled,
		t: make([]int, n), m: make([][]float32, n), v: make([][]float32, n), vmax: make([][]float32, n)}
}

// Config returns the hyperparameters (LR is the current rate).
func (o *Adam) Config() AdamConfig {
	c := o.cfg
	c.LR = o.lr
	return c
}

// Step updates every parameter that has a gradient.
func (o *Adam) Step() {
	b1, b2 := o.cfg.Beta1, o.cfg.Beta2
	wd := float32(o.cfg.WeightDecay)
	for i, p := range o.params {
		if p.Grad() == nil {
			continue
		}
		w, g := p.Data(), p.Grad().Data()
		if o.m[i] == nil {
			o.m[i], o.v[i] = make([]float32, len(w)), make([]float32, len(w))
			if o.cfg.AMSGrad {
				o.vmax[i] = make([]float32, len(w))
			}
		}
		o.t[i]++
		step := float64(o.t[i])
		stepSize := float32(o.lr / (1 - math.Pow(b1, step)))
		bc2 := float32(math.Sqrt(1 - math.Pow(b2, step)))
		eps := float32(o.cfg.Eps)
		if o.decoupl && wd != 0 {
			decay := float32(1 - o.lr*o.cfg.WeightDecay)
			for j := range w {
				w[j] *= decay
			}
		}
		m, v, vmax := o.m[i], o.v[i], o.vmax[i]
		fb1, c1 := float32(b1), float32(1-b1)
		fb2, c2 := float32(b2), float32(1-b2)
		if !o.decoupl && wd != 0 { // grad = grad.add(param, alpha=weight_decay)
			o.tmp = append(o.tmp[:0], g...)
			g = o.tmp
			axpy(g, w, wd)
		}
		if vmax == nil {
			adamUpdate(w, m, v, g, fb1, c1, fb2, c2, bc2, eps, -stepSize)
			continue
		}
		for j, gv := range g { // AMSGrad
			m[j] = fma32(gv, c1, m[j]*fb1)
			vv := float32(v[j]*fb2) + float32(float32(c2*gv)*gv)
			v[j] = vv
			vmax[j] = max(vmax[j], vv)
			denom := float32(float32(math.Sqrt(float64(vmax[j])))/bc2) + eps
			w[j] += float32(-stepSize * float32(m[j]/denom))
		}
	}
	o.steps++
}

// StateDict returns "lr", "lr_residual", "step" and per parameter i "state.<i>.step",
// "state.<i>.exp_avg", "state.<i>.exp_avg_sq" (and
// "state.<i>.max_exp_avg_sq" with AMSGrad), torch's names, as copies.
func (o *Adam) StateDict() []nn.Param {
	ps := o.lrParams()
	for i := range o.params {
		if o.m[i] == nil {
			continue
		}
		ps = append(ps, scalarParam(fmt.Sprintf("state.%d.step", i), float64(o.t[i])),
			o.bufParam(i, "exp_avg", o.m[i]), o.bufParam(i, "exp_avg_sq", o.v[i]))
		if o.vmax[i] != nil {
			ps = append(ps, o.bufParam(i, "max_exp_avg_sq", o.vmax[i]))
		}
	}
	return ps
}

// LoadStateDict restores state saved by StateDict (for the same parameter
// list). Parameters without saved moments start afresh.
func (o *Adam) LoadStateDict(state []nn.Param) error {
	n := len(o.params)
	t, m, v, vmax := make([]int, n), make([][]float32, n), make([][]float32, n), make([][]float32, n)
	err := o.loadState(o.name(), state, func(i int, name string, x *tensor.Tensor) error {
		var err error
		switch name {
		case "step":
			if x.Len() != 1 {
				return fmt.Errorf("optim: %s: state.%d.step must hold one value", o.name(), i)
			}
			t[i] = int(x.Float64s()[0])
		case "exp_avg":
			m[i], err = o.loadBuf(o.name(), i, name, x)
		case "exp_avg_sq":
			v[i], err = o.loadBuf(o.name(), i, name, x)
		case "max_exp_avg_sq":
			vmax[i], err = o.loadBuf(o.name(), i, name, x)
		default:
			err = fmt.Errorf("optim: %s: unknown state entry \"state.%d.%s\"", o.name(), i, name)
		}
		return err
	})
	if err != nil {
		return err
	}
	for i := range m {
		if (m[i] == nil) != (v[i] == nil) || (m[i] != nil && t[i] == 0) {
			return fmt.Errorf("optim: %s: incomplete state for parameter %d (need step, exp_avg and exp_avg_sq)", o.name(), i)
		}
		if m[i] != nil && o.cfg.AMSGrad && vmax[i] == nil {
			vmax[i] = make([]float32, len(m[i]))
		}
	}
	o.t, o.m, o.v, o.vmax = t, m, v, vmax
	return nil
}

func (o *Adam) name() string {
	if o.decoupl {
		return "adamw"
	}
	return "adam"
}

// fma32 is x·y+z rounded once (to float64, then float32), as PyTorch's
// vectorised add(alpha=…) kernels compute it with FMA instructions.
func fma32(x, y, z float32) float32 {
	return float32(math.FMA(float64(x), float64(y), float64(z)))
}
