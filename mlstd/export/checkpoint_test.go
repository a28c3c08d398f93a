package export

import (
	"math"
	"strings"
	"testing"

	"github.com/gokernel/gokernel/mlstd/export/internal/exporttest"
	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/optim"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// trainer is a model with its optimizer and a fixed stream of batches.
type trainer struct {
	m   *nn.Sequential
	opt interface {
		Optimizer
		Step()
		ZeroGrad()
	}
}

func newTrainer(seed int64, adam bool) *trainer {
	g := tensor.NewRNG(seed)
	m := nn.NewSequential(nn.NewLinearRNG(20, 32, true, g), nn.NewTanh(), nn.NewLinearRNG(32, 4, true, g))
	tr := &trainer{m: m}
	if adam {
		tr.opt = optim.NewAdam(m.Parameters(), optim.AdamConfig{LR: 3e-3, WeightDecay: 1e-4})
	} else {
		tr.opt = optim.NewSGD(m.Parameters(), optim.SGDConfig{LR: 0.05, Momentum: 0.9, WeightDecay: 1e-4, Nesterov: true})
	}
	return tr
}

// batch returns the deterministic batch number i.
func batch(i int) (*tensor.Tensor, []int) {
	g := tensor.NewRNG(int64(1000 + i))
	y := make([]int, 32)
	for k := range y {
		y[k] = g.Intn(4)
	}
	return g.Randn(32, 20), y
}

// step trains on batch i and returns the loss before the update.
func (tr *trainer) step(i int) float64 {
	x, y := batch(i)
	tr.opt.ZeroGrad()
	loss := tensor.CrossEntropy(tr.m.Forward(x), y)
	loss.Backward()
	tr.opt.Step()
	return loss.Item()
}

// TestCheckpointResumeExact trains 10 steps without a break, and again
// stopping after step 5 with a checkpoint that a fresh model and optimizer
// (another seed: a restarted process) resume from; the losses of steps
// 6–9 and the final weights must be identical bit for bit.
func TestCheckpointResumeExact(t *testing.T) {
	for _, adam := range []bool{false, true} {
		name := map[bool]string{false: "sgd-nesterov", true: "adam"}[adam]
		t.Run(name, func(t *testing.T) {
			path := tmp(t, "ckpt.safetensors")
			full := newTrainer(1, adam)
			var want []float64
			for i := 0; i < 10; i++ {
				l := full.step(i)
				if i >= 6 {
					want = append(want, l)
				}
			}
			first := newTrainer(1, adam)
			for i := 0; i < 6; i++ {
				first.step(i)
			}
			if err := SaveCheckpoint(path, first.m, first.opt, 6); err != nil {
				t.Fatal(err)
			}
			// "interrupted": first is abandoned; a new process starts.
			resumed := newTrainer(77, adam)
			epoch, err := LoadCheckpoint(path, resumed.m, resumed.opt)
			if err != nil || epoch != 6 {
				t.Fatalf("LoadCheckpoint = %d, %v", epoch, err)
			}
			for i := 6; i < 10; i++ {
				if got := resumed.step(i); math.Float64bits(got) != math.Float64bits(want[i-6]) {
					t.Fatalf("step %d loss %.9g after resume, %.9g uninterrupted", i, got, want[i-6])
				}
			}
			sameParams(t, resumed.m, full.m)
			// Control: without the optimizer state the run diverges at
			// the second step after the restart, so the test can fail.
			bare := newTrainer(77, adam)
			if _, err := LoadCheckpoint(path, bare.m, nil); err != nil {
				t.Fatal(err)
			}
			bare.step(6)
			if l := bare.step(7); l == want[1] {
				t.Fatalf("control: resuming without optimizer state gave the same loss %g", l)
			}
			t.Logf("%s: next-step loss after resume %.9g = uninterrupted %.9g (bitwise); weights equal after 4 more steps", name, want[0], want[0])
			// A checkpoint also rebuilds the model for inference.
			m, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			sameParams(t, m, first.m)
		})
	}
}

func TestCheckpointFaults(t *testing.T) {
	tr := newTrainer(1, false)
	tr.step(0)
	path := tmp(t, "ckpt.safetensors")
	if err := SaveCheckpoint(path, tr.m, tr.opt, 3); err != nil {
		t.Fatal(err)
	}
	// An optimizer over other parameters refuses the state; the model is
	// left untouched.
	other := newTrainer(2, false)
	small := optim.NewSGD(other.m.Parameters()[:1], optim.SGDConfig{LR: 0.1, Momentum: 0.9})
	before := other.m.Parameters()[0].Clone()
	if _, err := LoadCheckpoint(path, other.m, small); err == nil || !strings.Contains(err.Error(), "optimizer state") || !strings.Contains(err.Error(), path) {
		t.Fatalf("mismatched optimizer: %v", err)
	}
	sameBits(t, "model after failed load", other.m.Parameters()[0], before)
	// A model of another architecture.
	if _, err := LoadCheckpoint(path, exporttest.MLP(1, 4, nil), nil); err == nil || !strings.Contains(err.Error(), "has shape [32 20], the model needs [4 784]") {
		t.Fatalf("other model: %v", err)
	}
	// A model file is not a checkpoint.
	mp := tmp(t, "m.safetensors")
	Save(mp, tr.m)
	if _, err := LoadCheckpoint(mp, tr.m, tr.opt); err == nil || !strings.Contains(err.Error(), "not a checkpoint") {
		t.Fatalf("model file as checkpoint: %v", err)
	}
	// Model only (opt nil) works.
	if epoch, err := LoadCheckpoint(path, newTrainer(3, false).m, nil); err != nil || epoch != 3 {
		t.Fatalf("model-only restore: %d, %v", epoch, err)
	}
}
