package optim

import "math"

// Scheduler changes an optimizer's learning rate once per epoch (call
// Step after the epoch's optimizer steps, as in PyTorch).
type Scheduler interface {
	Step()
	LR() float64
}

// StepLR multiplies the learning rate by Gamma every StepSize epochs
// (torch.optim.lr_scheduler.StepLR).
type StepLR struct {
	opt      Optimizer
	stepSize int
	gamma    float64
	epoch    int
}

// NewStepLR returns a StepLR scheduler for opt.
func NewStepLR(opt Optimizer, stepSize int, gamma float64) *StepLR {
	if stepSize <= 0 {
		panic("optim: StepLR step size must be positive")
	}
	return &StepLR{opt: opt, stepSize: stepSize, gamma: gamma}
}

// Step advances one epoch.
func (s *StepLR) Step() {
	s.epoch++
	if s.epoch%s.stepSize == 0 {
		s.opt.SetLR(s.opt.LR() * s.gamma)
	}
}

// LR returns the current learning rate (get_last_lr).
func (s *StepLR) LR() float64 { return s.opt.LR() }

// Epoch returns the number of Step calls (last_epoch).
func (s *StepLR) Epoch() int { return s.epoch }

// CosineAnnealingLR anneals the learning rate from its initial value to
// EtaMin over TMax epochs along a cosine, with PyTorch's recursive update
// (torch.optim.lr_scheduler.CosineAnnealingLR), so rates match torch's.
type CosineAnnealingLR struct {
	opt    Optimizer
	tMax   int
	etaMin float64
	baseLR float64
	epoch  int
}

// NewCosineAnnealingLR returns a cosine schedule for opt.
func NewCosineAnnealingLR(opt Optimizer, tMax int, etaMin float64) *CosineAnnealingLR {
	if tMax <= 0 {
		panic("optim: CosineAnnealingLR TMax must be positive")
	}
	return &CosineAnnealingLR{opt: opt, tMax: tMax, etaMin: etaMin, baseLR: opt.LR()}
}

// Step advances one epoch.
func (s *CosineAnnealingLR) Step() {
	s.epoch++
	e, T, lr := float64(s.epoch), float64(s.tMax), s.opt.LR()
	var next float64
	if k := 2 * s.tMax; ((s.epoch-1-s.tMax)%k+k)%k == 0 {
		next = lr + (s.baseLR-s.etaMin)*(1-math.Cos(math.Pi/T))/2
	} else {
		next = (1+math.Cos(math.Pi*e/T))/(1+math.Cos(math.Pi*(e-1)/T))*(lr-s.etaMin) + s.etaMin
	}
	s.opt.SetLR(next)
}

// LR returns the current learning rate (get_last_lr).
func (s *CosineAnnealingLR) LR() float64 { return s.opt.LR() }

// Epoch returns the number of Step calls (last_epoch).
func (s *CosineAnnealingLR) Epoch() int { return s.epoch }
