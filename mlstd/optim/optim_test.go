package optim_test

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/optim"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

type stateful interface {
	optim.Optimizer
	StateDict() []nn.Param
	LoadStateDict([]nn.Param) error
}

// TestStateDictResume checks that 50 steps, a save, a fresh optimizer
// loading the state and 50 more steps give bit-identical weights to 100
// uninterrupted steps.
func TestStateDictResume(t *testing.T) {
	for _, c := range trajConfigs {
		t.Run(c.Name, func(t *testing.T) {
			x, y, ref := problem()
			opt, sched := newOptimizer(c, ref.Parameters())
			train(x, y, ref, opt, sched, 100)

			_, _, model := problem()
			opt1, sched1 := newOptimizer(c, model.Parameters())
			train(x, y, model, opt1, sched1, 50)
			state := opt1.(stateful).StateDict()
			opt2, _ := newOptimizer(c, model.Parameters())
			if err := opt2.(stateful).LoadStateDict(state); err != nil {
				t.Fatal(err)
			}
			if opt2.LR() != opt1.LR() {
				t.Fatalf("lr after load %v, want %v", opt2.LR(), opt1.LR())
			}
			// keep the first scheduler: it drives opt2 from here on
			var sched2 optim.Scheduler
			if sched1 != nil {
				sched2 = rebind(c, sched1, opt2)
			}
			train(x, y, model, opt2, sched2, 50)
			for i, p := range model.Parameters() {
				if !slices.Equal(p.Data(), ref.Parameters()[i].Data()) {
					t.Fatalf("parameter %d differs after resuming", i)
				}
			}
		})
	}
}

// rebind makes a scheduler for opt2 that continues where s stopped, by
// replaying its epochs on a throwaway optimizer.
func rebind(c trajConfig, s optim.Scheduler, opt2 optim.Optimizer) optim.Scheduler {
	lr := opt2.LR()
	opt2.SetLR(c.LR)
	_, fresh := newOptimizer(c, nil)
	_ = fresh
	var ns optim.Scheduler
	switch c.Sched {
	case "step":
		ns = optim.NewStepLR(opt2, c.StepSize, c.Gamma)
	default:
		ns = optim.NewCosineAnnealingLR(opt2, c.TMax, c.EtaMin)
	}
	for i := 0; i < 50; i++ {
		ns.Step()
	}
	opt2.SetLR(lr)
	return ns
}

func TestLoadStateDictErrors(t *testing.T) {
	w := tensor.Zeros(2, 3).SetRequiresGrad(true)
	sgd := optim.NewSGD([]*tensor.Tensor{w}, optim.SGDConfig{LR: 0.1, Momentum: 0.9})
	adam := optim.NewAdam([]*tensor.Tensor{w}, optim.AdamConfig{})
	bad := []struct {
		name  string
		opt   stateful
		state []nn.Param
	}{
		{"unknown key", sgd, []nn.Param{{Name: "momentum", Tensor: tensor.Zeros(1)}}},
		{"bad index", sgd, []nn.Param{{Name: "state.3.momentum_buffer", Tensor: tensor.Zeros(6)}}},
		{"bad size", sgd, []nn.Param{{Name: "state.0.momentum_buffer", Tensor: tensor.Zeros(5)}}},
		{"adam key on sgd", sgd, []nn.Param{{Name: "state.0.exp_avg", Tensor: tensor.Zeros(6)}}},
		{"incomplete adam", adam, []nn.Param{{Name: "state.0.exp_avg", Tensor: tensor.Zeros(6)}}},
		{"nil tensor", adam, []nn.Param{{Name: "lr"}}},
	}
	for _, b := range bad {
		if err := b.opt.LoadStateDict(b.state); err == nil {
			t.Errorf("%s: LoadStateDict succeeded", b.name)
		}
	}
}

// TestSGDHandComputed checks two steps of momentum SGD with weight decay
// against values computed by hand from torch's rule.
func TestSGDHandComputed(t *testing.T) {
	w := tensor.New([]float32{1, -2}, 2).SetRequiresGrad(true)
	opt := optim.NewSGD([]*tensor.Tensor{w}, optim.SGDConfig{LR: 0.1, Momentum: 0.5, WeightDecay: 0.1})
	// loss = Σ w²/2 → grad = w
	step := func() {
		opt.ZeroGrad()
		w.Square().Sum().Scale(0.5).Backward()
		opt.Step()
	}
	step() // d = w + 0.1w = 1.1w; buf = d; w = w − 0.1·1.1w = 0.89w
	step() // d = 1.1·0.89w = 0.979w; buf = 0.5·1.1w + 0.979w = 1.529w; w = 0.89w − 0.1529w = 0.7371w
	want := []float64{0.7371, -1.4742}
	for i, v := range w.Data() {
		if math.Abs(float64(v)-want[i]) > 1e-6 {
			t.Errorf("w[%d] = %v, want %v", i, v, want[i])
		}
	}
}

func TestSkipsParamsWithoutGrad(t *testing.T) {
	a := tensor.Ones(2).SetRequiresGrad(true)
	b := tensor.Ones(2).SetRequiresGrad(true)
	for _, opt := range []optim.Optimizer{
		optim.NewSGD([]*tensor.Tensor{a, b}, optim.SGDConfig{LR: 0.1, WeightDecay: 0.5}),
		optim.NewAdam([]*tensor.Tensor{a, b}, optim.AdamConfig{LR: 0.1}),
	} {
		opt.ZeroGrad()
		a.Sum().Backward()
		opt.Step()
		if b.Data()[0] != 1 {
			t.Errorf("%T changed a parameter without a gradient", opt)
		}
		if a.Data()[0] >= 1 {
			t.Errorf("%T did not update a parameter with a gradient", opt)
		}
	}
}

func TestCosineEndpoints(t *testing.T) {
	w := tensor.Ones(1).SetRequiresGrad(true)
	opt := optim.NewSGD([]*tensor.Tensor{w}, optim.SGDConfig{LR: 1})
	s := optim.NewCosineAnnealingLR(opt, 10, 0.1)
	for i := 0; i < 5; i++ {
		s.Step()
	}
	if got := s.LR(); math.Abs(got-0.55) > 1e-12 {
		t.Errorf("lr at TMax/2 = %v, want 0.55", got)
	}
	for i := 0; i < 5; i++ {
		s.Step()
	}
	if got := s.LR(); math.Abs(got-0.1) > 1e-12 {
		t.Errorf("lr at TMax = %v, want 0.1", got)
	}
}

func ExampleNewSGD() {
	nn.Seed(0)
	x := tensor.FromRows([][]float64{{0, 0}, {0, 1}, {1, 0}, {1, 1}})
	y := []int{0, 1, 1, 0} // XOR
	model := nn.NewMLP([]int{2, 16, 2})
	opt := optim.NewSGD(model.Parameters(), optim.SGDConfig{LR: 0.1, Momentum: 0.9})
	for step := 0; step < 200; step++ {
		opt.ZeroGrad()
		loss := nn.CrossEntropy(model.Forward(x), y)
		loss.Backward()
		opt.Step()
	}
	fmt.Println(model.Forward(x).Argmax(1))
	// Output: [0 1 1 0]
}

func ExampleNewAdam() {
	// Fit w so that w·x ≈ 3x.
	w := tensor.Zeros(1).SetRequiresGrad(true)
	x := tensor.Arange(0, 1, 0.25)
	opt := optim.NewAdam([]*tensor.Tensor{w}, optim.AdamConfig{LR: 0.1})
	for step := 0; step < 300; step++ {
		opt.ZeroGrad()
		nn.MSE(x.Mul(w), x.Scale(3)).Backward()
		opt.Step()
	}
	fmt.Printf("w = %.2f\n", w.Item())
	// Output: w = 3.00
}

func ExampleSGD_StateDict() {
	w := tensor.Ones(2).SetRequiresGrad(true)
	opt := optim.NewSGD([]*tensor.Tensor{w}, optim.SGDConfig{LR: 0.1, Momentum: 0.9})
	w.Sum().Backward()
	opt.Step()
	for _, p := range opt.StateDict() {
		fmt.Println(p.Name, p.Tensor)
	}
	// Output:
	// lr tensor([0.1000])
	// lr_residual tensor([-1.4901e-09,  2.7756e-17])
	// step tensor([1.])
	// state.0.momentum_buffer tensor([1., 1.])
}

func ExampleNewStepLR() {
	w := tensor.Ones(1).SetRequiresGrad(true)
	opt := optim.NewSGD([]*tensor.Tensor{w}, optim.SGDConfig{LR: 0.1})
	sched := optim.NewStepLR(opt, 2, 0.5)
	for epoch := 0; epoch < 5; epoch++ {
		// ... one epoch of opt.Step() calls ...
		sched.Step()
		fmt.Printf("%.3f ", sched.LR())
	}
	fmt.Println()
	// Output: 0.100 0.050 0.050 0.025 0.025
}

func ExampleNewCosineAnnealingLR() {
	w := tensor.Ones(1).SetRequiresGrad(true)
	opt := optim.NewAdamW([]*tensor.Tensor{w}, optim.AdamConfig{LR: 0.1})
	sched := optim.NewCosineAnnealingLR(opt, 4, 0)
	for epoch := 0; epoch < 4; epoch++ {
		sched.Step()
		fmt.Printf("%.4f ", sched.LR())
	}
	fmt.Println()
	// Output: 0.0854 0.0500 0.0146 0.0000
}

// TestNewSGDNeedsLR checks that an SGD without a learning rate (zero, the
// field left out, negative or NaN) panics with a message naming LR, as
// torch.optim.SGD requires lr, and that a positive one is accepted.
func TestNewSGDNeedsLR(t *testing.T) {
	w := tensor.Zeros(2).SetRequiresGrad(true)
	for _, cfg := range []optim.SGDConfig{{Momentum: 0.9}, {LR: -0.1}, {LR: math.NaN()}} {
		func() {
			defer func() {
				r := recover()
				err, ok := r.(error)
				if !ok || !strings.Contains(err.Error(), "learning rate must be positive") || !strings.Contains(err.Error(), "LR") {
					t.Errorf("NewSGD(%+v) panicked with %v, want an error about the learning rate", cfg, r)
				}
			}()
			optim.NewSGD([]*tensor.Tensor{w}, cfg)
		}()
	}
	if got := optim.NewSGD([]*tensor.Tensor{w}, optim.SGDConfig{LR: 0.01}).LR(); got != 0.01 {
		t.Errorf("LR() = %v, want 0.01", got)
	}
}
