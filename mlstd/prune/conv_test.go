package prune_test

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gokernel/gokernel/mlstd/export"

	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/optim"
	"github.com/gokernel/gokernel/mlstd/prune"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

func lenet(seed int64) *nn.Sequential {
	g := tensor.NewRNG(seed)
	return nn.NewSequential(
		nn.NewConv2d(1, 6, 5, nn.Conv2dOptions{Padding: 2, RNG: g}), nn.NewBatchNorm2d(6, nn.BatchNormOptions{}), nn.NewReLU(),
		nn.NewMaxPool2d(2, nn.Pool2dOptions{}),
		nn.NewConv2d(6, 16, 5, nn.Conv2dOptions{RNG: g}), nn.NewReLU(), nn.NewMaxPool2d(2, nn.Pool2dOptions{}),
		nn.NewFlatten(), nn.NewLinearRNG(400, 10, true, g))
}

func zeros(t *tensor.Tensor) int {
	n := 0
	for _, v := range t.Data() {
		if v == 0 {
			n++
		}
	}
	return n
}

// TestPruneConv prunes the 4-D convolution weights of a LeNet-like CNN as
// the Linear ones: per tensor (each conv weight exactly 60 % zero), and
// globally (60 % of all weights together, the layers unevenly); biases and
// batch-norm parameters (1-D) are left alone; fine-tuning with the mask
// applied after every step keeps every pruned entry at zero while the
// others move.
func TestPruneConv(t *testing.T) {
	m := lenet(1)
	mk := prune.Fraction(m, 0.6)
	for _, i := range []int{0, 4} {
		w := m.Layer(i).(*nn.Conv2d).Weight
		if want := int(math.Round(0.6 * float64(w.Len()))); zeros(w) != want {
			t.Errorf("conv %d: %d of %d zero, want %d", i, zeros(w), w.Len(), want)
		}
	}
	if b := m.Layer(0).(*nn.Conv2d).Bias; zeros(b) != 0 || zeros(m.Layer(1).(*nn.BatchNorm2d).Bias) != 6 {
		t.Errorf("1-D parameters pruned: conv bias %d zeros", zeros(b))
	}
	g := lenet(1)
	gm := prune.Magnitude(g, prune.Config{Fraction: 0.6, Global: true})
	total, zs := 0, 0
	var per []float64
	for _, w := range []*tensor.Tensor{g.Layer(0).(*nn.Conv2d).Weight, g.Layer(4).(*nn.Conv2d).Weight, g.Layer(8).(*nn.Linear).Weight} {
		total += w.Len()
		zs += zeros(w)
		per = append(per, float64(zeros(w))/float64(w.Len()))
	}
	if zs != int(math.Round(0.6*float64(total))) || gm.Pruned() != zs || (per[0] == per[1] && per[1] == per[2]) {
		t.Errorf("global: %d of %d zero (per layer %.3f), mask %d", zs, total, per, gm.Pruned())
	}
	t.Logf("global 60 %%: per-layer sparsity conv1 %.3f, conv2 %.3f, fc %.3f", per[0], per[1], per[2])

	// Fine-tune with the mask: pruned entries stay zero, the others train.
	w := m.Layer(4).(*nn.Conv2d).Weight
	before := w.Clone()
	opt := optim.NewSGD(m.Parameters(), optim.SGDConfig{LR: 0.05, Momentum: 0.9})
	r := tensor.NewRNG(2)
	for i := 0; i < 5; i++ {
		opt.ZeroGrad()
		nn.CrossEntropy(m.Forward(r.Randn(8, 1, 28, 28)), []int{0, 1, 2, 3, 4, 5, 6, 7}).Backward()
		opt.Step()
		mk.Apply()
	}
	moved := 0
	for j, v := range w.Data() {
		if before.Data()[j] == 0 && v != 0 {
			t.Fatalf("pruned conv entry %d is %v after fine-tuning", j, v)
		}
		if v != before.Data()[j] {
			moved++
		}
	}
	if moved == 0 || zeros(w) != int(math.Round(0.6*float64(w.Len()))) {
		t.Errorf("fine-tuning: %d entries moved, %d zero", moved, zeros(w))
	}
}

// TestCompactLoaded: Compact takes the nn.Module that export.Load returns,
// and refuses another module type with an error naming it.
func TestCompactLoaded(t *testing.T) {
	m := nn.NewSequential(nn.NewLinearRNG(4, 6, true, tensor.NewRNG(1)), nn.NewReLU(), nn.NewLinearRNG(6, 2, true, tensor.NewRNG(2)))
	prune.Neurons(m, 0.5)
	p := filepath.Join(t.TempDir(), "m.safetensors")
	if err := export.Save(p, m); err != nil {
		t.Fatal(err)
	}
	loaded, err := export.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	small, removed := prune.Compact(loaded)
	if removed[0] != 3 || small.Layer(0).(*nn.Linear).Out() != 3 {
		t.Fatalf("removed %v, first layer %v", removed, small.Layer(0))
	}
	defer func() {
		if e, ok := recover().(error); !ok || !strings.Contains(e.Error(), "*nn.Linear") {
			t.Fatalf("Compact of a Linear: %v", e)
		}
	}()
	prune.Compact(nn.NewLinear(2, 2))
}

// TestOneSparsity: the mask's figure and SaveCompact's are one number,
// nn.WeightSparsity (biases do not dilute it).
func TestOneSparsity(t *testing.T) {
	m := lenet(3)
	mk := prune.Fraction(m, 0.9)
	rep, err := export.SaveCompact(filepath.Join(t.TempDir(), "c.safetensors"), m, export.CompactOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if mk.Sparsity() != rep.Sparsity || rep.Sparsity != nn.WeightSparsity(m) || math.Abs(rep.Sparsity-0.9) > 1e-3 {
		t.Fatalf("mask %v, SaveCompact %v, nn.WeightSparsity %v", mk.Sparsity(), rep.Sparsity, nn.WeightSparsity(m))
	}
	t.Logf("%v; %v", mk, rep)
}
