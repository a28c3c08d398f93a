package prune_test

import (
	"math"
	"testing"

	"github.com/gokernel/gokernel/mlstd/data"
	"github.com/gokernel/gokernel/mlstd/metrics"
	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/optim"
	"github.com/gokernel/gokernel/mlstd/prune"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

func trainEpochs(model nn.Module, opt *optim.SGD, ds *data.Dataset, epochs int, mask *prune.Mask) {
	for range epochs {
		for b := ds.Batches(32, true); b.Next(); {
			opt.ZeroGrad()
			nn.CrossEntropy(model.Forward(b.X()), b.Y()).Backward()
			opt.Step()
			if mask != nil {
				mask.Apply()
			}
		}
	}
}

// TestPruneFineTune trains an MLP on two moons, prunes 80% of its weights
// and fine-tunes with the mask applied after every step.
func TestPruneFineTune(t *testing.T) {
	nn.Seed(1)
	train, test := data.Moons(800, 0.1, 1).Split(0.75, 2)
	model := nn.NewSequential(nn.NewLinear(2, 32), nn.NewReLU(), nn.NewLinear(32, 32), nn.NewReLU(), nn.NewLinear(32, 2))
	opt := optim.NewSGD(model.Parameters(), optim.SGDConfig{LR: 0.05, Momentum: 0.9})
	trainEpochs(model, opt, train, 40, nil)
	dense := metrics.Evaluate(model, test, 64).Accuracy
	if dense < 0.97 {
		t.Fatalf("dense accuracy %.3f; the MLP did not learn the moons", dense)
	}
	mask := prune.Fraction(model, 0.8)
	pruned := metrics.Evaluate(model, test, 64).Accuracy
	trainEpochs(model, opt, train, 10, mask)
	tuned := metrics.Evaluate(model, test, 64).Accuracy
	r := mask.Report()
	for _, l := range r.Layers {
		if want := int(math.Round(0.8 * float64(l.Total))); l.Zeros < want {
			t.Errorf("%s: %d zeros after fine-tuning, want ≥ %d", l.Name, l.Zeros, want)
		}
	}
	if tuned < 0.95 {
		t.Errorf("accuracy dense %.3f, pruned %.3f, fine-tuned %.3f", dense, pruned, tuned)
	}
	t.Logf("accuracy dense %.3f, 80%% pruned %.3f, fine-tuned %.3f\n%v", dense, pruned, tuned, r)
}

// TestNeuronsCompact checks that removing neurons with Neurons and then
// Compact leaves the model's output unchanged and shrinks its layers.
func TestNeuronsCompact(t *testing.T) {
	nn.Seed(3)
	model := nn.NewSequential(nn.NewLinear(4, 6), nn.NewReLU(), nn.NewLinear(6, 5), nn.NewTanh(), nn.NewLinear(5, 3))
	mask := prune.Neurons(model, 0.5)
	x := tensor.Randn(9, 7, 4)
	before := model.Forward(x)
	small, removed := prune.Compact(model)
	after := small.Forward(x)
	if !after.AllClose(before, 1e-5, 1e-6) {
		t.Fatalf("outputs differ:\n%v\n%v", before, after)
	}
	l0, l2, l4 := small.Layer(0).(*nn.Linear), small.Layer(2).(*nn.Linear), small.Layer(4).(*nn.Linear)
	if l0.Out() != 3 || l2.In() != 3 || l2.Out() != 2 || l4.In() != 2 || l4.Out() != 3 {
		t.Errorf("compacted sizes %v %v %v", l0, l2, l4)
	}
	if removed[0] != 3 || removed[2] != 3 || removed[4] != 0 {
		t.Errorf("removed %v", removed)
	}
	if l4.Weight == model.Layer(4).(*nn.Linear).Weight {
		t.Error("compacted model shares a parameter tensor with the original")
	}
	if mask.Pruned() == 0 {
		t.Error("empty neuron mask")
	}
}
