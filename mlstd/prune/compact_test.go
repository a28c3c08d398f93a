package prune_test

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/gokernel/gokernel/mlstd/data"
	"github.com/gokernel/gokernel/mlstd/export"
	"github.com/gokernel/gokernel/mlstd/metrics"
	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/optim"
	"github.com/gokernel/gokernel/mlstd/prune"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// nonzeros counts the nonzero entries of all of m's parameters.
func nonzeros(m nn.Module) int {
	n := 0
	for _, p := range m.Parameters() {
		n += p.Len() - zeros(p)
	}
	return n
}

// maxDiff returns the largest |a−b| over two tensors of one shape.
func maxDiff(a, b *tensor.Tensor) float64 {
	d := 0.0
	for i, v := range a.Data() {
		d = max(d, math.Abs(float64(v-b.Data()[i])))
	}
	return d
}

// TestCompactLeNet5 trains LeNet-5 briefly on MNIST, removes half of the
// channels of both convolutions and half of the neurons of both hidden
// Linear layers with Neurons, and compacts it: the layers shrink (6→3 and
// 16→8 channels, fc1's 400 inputs to 200 since each channel fed a block of
// 25, 120→60 and 84→42 neurons), only zeros were removed (the nonzero
// count is unchanged), and the compacted model's logits on the 10,000 test
// images equal the masked model's within float32 rounding with the same
// predictions. Its SaveCompact file loads back to the same logits bit for
// bit, and the sparsity SaveCompact reports is nn.WeightSparsity.
func TestCompactLeNet5(t *testing.T) {
	trainSet, testSet, err := data.MNIST()
	if err != nil {
		t.Fatal(err)
	}
	trainSet, testSet = trainSet.View(1, 28, 28), testSet.View(1, 28, 28)
	g := tensor.NewRNG(5)
	model := nn.NewSequential(
		nn.NewConv2d(1, 6, 5, nn.Conv2dOptions{Padding: 2, RNG: g}), nn.NewReLU(), nn.NewMaxPool2d(2, nn.Pool2dOptions{}),
		nn.NewConv2d(6, 16, 5, nn.Conv2dOptions{RNG: g}), nn.NewReLU(), nn.NewMaxPool2d(2, nn.Pool2dOptions{}),
		nn.NewFlatten(),
		nn.NewLinearRNG(400, 120, true, g), nn.NewReLU(),
		nn.NewLinearRNG(120, 84, true, g), nn.NewReLU(),
		nn.NewLinearRNG(84, 10, true, g))
	opt := optim.NewSGD(model.Parameters(), optim.SGDConfig{LR: 0.01, Momentum: 0.9})
	steps := 0
	for b := trainSet.Batches(64, true); b.Next() && steps < 300; steps++ {
		opt.ZeroGrad()
		nn.CrossEntropy(model.Forward(b.X()), b.Y()).Backward()
		opt.Step()
	}
	dense := metrics.ModelAccuracy(model, testSet)
	if dense < 0.9 {
		t.Fatalf("LeNet-5 reached %.3f test accuracy after %d steps; it did not learn", dense, steps)
	}

	prune.Neurons(model, 0.5)
	rep := prune.Sparsity(model)
	for i, want := range map[int]int{0: 3, 2: 8, 4: 60, 6: 42} { // weights of conv1, conv2, fc1, fc2
		if l := rep.Layers[i]; l.ZeroRows != want {
			t.Errorf("Neurons left %d of %s's %d rows zero, want %d", l.ZeroRows, l.Name, l.Shape[0], want)
		}
	}
	masked := metrics.PredictValues(model, testSet.X, 1000)
	small, removed := prune.Compact(model)
	t.Logf("compacted:\n%v", small)
	conv1, conv2 := small.Layer(0).(*nn.Conv2d), small.Layer(3).(*nn.Conv2d)
	fc1, fc2, fc3 := small.Layer(7).(*nn.Linear), small.Layer(9).(*nn.Linear), small.Layer(11).(*nn.Linear)
	if conv1.Weight.Dim(0) != 3 || conv1.Bias.Len() != 3 || conv2.Weight.Dim(1) != 3 || conv2.Weight.Dim(0) != 8 ||
		fc1.In() != 200 || fc1.Out() != 60 || fc2.In() != 60 || fc2.Out() != 42 || fc3.In() != 42 || fc3.Out() != 10 {
		t.Fatalf("compacted shapes conv1 %v conv2 %v fc1 %v fc2 %v fc3 %v",
			conv1.Weight.Shape(), conv2.Weight.Shape(), fc1.Weight.Shape(), fc2.Weight.Shape(), fc3.Weight.Shape())
	}
	if want := []int{3, 0, 0, 8, 0, 0, 0, 60, 0, 42, 0, 0}; !equalInts(removed, want) {
		t.Errorf("removed %v, want %v", removed, want)
	}
	if nonzeros(small) != nonzeros(model) {
		t.Errorf("Compact removed nonzero parameters: %d nonzero before, %d after", nonzeros(model), nonzeros(small))
	}
	t.Logf("parameters %d -> %d (nonzero %d); weight sparsity %.4f -> %.4f", nn.NumParams(model), nn.NumParams(small),
		nonzeros(small), nn.WeightSparsity(model), nn.WeightSparsity(small))
	if nn.NumParams(small) >= nn.NumParams(model)*2/3 {
		t.Errorf("compacted model has %d parameters, the masked one %d", nn.NumParams(small), nn.NumParams(model))
	}

	got := metrics.PredictValues(small, testSet.X, 1000)
	d := maxDiff(masked, got)
	same := 0
	want, pred := masked.Argmax(1), got.Argmax(1)
	for i := range want {
		if want[i] == pred[i] {
			same++
		}
	}
	t.Logf("compacted vs masked on %d test images: largest logit difference %.3g, %d identical predictions", len(want), d, same)
	if d > 1e-5 || same != len(want) {
		t.Errorf("compacted logits differ from the masked model's by up to %g; %d of %d predictions identical", d, same, len(want))
	}

	path := filepath.Join(t.TempDir(), "lenet5.safetensors")
	cr, err := export.SaveCompact(path, small, export.CompactOptions{})
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := export.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if d := maxDiff(got, metrics.PredictValues(loaded, testSet.X, 1000)); d != 0 {
		t.Errorf("SaveCompact/Load changed the logits by up to %g", d)
	}
	if cr.Sparsity != nn.WeightSparsity(small) || nn.WeightSparsity(loaded) != cr.Sparsity {
		t.Errorf("SaveCompact reports sparsity %v, nn.WeightSparsity %v (loaded %v)", cr.Sparsity, nn.WeightSparsity(small), nn.WeightSparsity(loaded))
	}
	t.Logf("%v", cr)
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestCompactChannels covers the rules of Compact on a CNN with a batch
// norm, Dropout2d and global pooling, in evaluation mode: conv1's channel
// 1, which conv2 never reads, and its channel 4, whose filter, bias and
// batch-norm scale and shift are zero, go with their batch-norm entries;
// channels 5 and 6 have zero filters too but stay, because the batch norm
// turns their zeros into its shift (5) or into −scale·mean/√(var+ε) (6);
// conv2's channel 2 computes zero, which ReLU and pooling keep zero, so
// the Linear's input 2 goes. The output is unchanged and the original
// model is left alone.
func TestCompactChannels(t *testing.T) {
	g := tensor.NewRNG(7)
	conv1, conv2 := nn.NewConv2d(3, 8, 3, nn.Conv2dOptions{Padding: 1, RNG: g}), nn.NewConv2d(8, 6, 3, nn.Conv2dOptions{RNG: g})
	bn, fc := nn.NewBatchNorm2d(8, nn.BatchNormOptions{}), nn.NewLinearRNG(6, 4, true, g)
	model := nn.NewSequential(conv1, bn, nn.NewReLU(), nn.NewDropout2dRNG(0.5, g), conv2, nn.NewReLU(),
		nn.NewAdaptiveAvgPool2d(1, 1), nn.NewFlatten(), fc)
	for range 3 { // running statistics away from their initial 0 and 1
		model.Forward(g.Randn(4, 3, 10, 10))
	}
	nn.Eval(model)
	zero := func(t *tensor.Tensor, from, n int) {
		clear(t.Data()[from : from+n])
	}
	for o := range 6 {
		zero(conv2.Weight, (o*8+1)*9, 9) // conv2 reads nothing from conv1's channel 1
	}
	for _, c := range []int{4, 5, 6} {
		zero(conv1.Weight, c*27, 27)
		conv1.Bias.Data()[c] = 0
	}
	bn.Weight.Data()[4], bn.Bias.Data()[4] = 0, 0
	bn.Bias.Data()[5] = 0.3
	bn.Bias.Data()[6] = 0
	zero(conv2.Weight, 2*72, 72)
	conv2.Bias.Data()[2] = 0
	if bn.RunningMean.Data()[6] == 0 {
		t.Fatal("channel 6's running mean is 0; the test needs it nonzero")
	}

	x := g.Randn(16, 3, 10, 10)
	want := model.Forward(x)
	small, removed := prune.Compact(model)
	got := small.Forward(x)
	if want := []int{2, 0, 0, 0, 1, 0, 0, 0, 0}; !equalInts(removed, want) {
		t.Errorf("removed %v, want %v", removed, want)
	}
	sbn := small.Layer(1).(*nn.BatchNorm2d)
	if w := small.Layer(0).(*nn.Conv2d).Weight; w.Dim(0) != 6 || sbn.RunningVar.Len() != 6 ||
		small.Layer(4).(*nn.Conv2d).Weight.Dim(1) != 6 || small.Layer(4).(*nn.Conv2d).Weight.Dim(0) != 5 || small.Layer(8).(*nn.Linear).In() != 5 {
		t.Fatalf("compacted model:\n%v", small)
	}
	for i, c := range []int{0, 2, 3, 5, 6, 7} {
		if sbn.RunningMean.Data()[i] != bn.RunningMean.Data()[c] || sbn.Bias.Data()[i] != bn.Bias.Data()[c] {
			t.Errorf("batch norm entry %d is not channel %d's", i, c)
		}
	}
	if sbn.Training() || sbn.NumBatchesTracked.Item() != 3 {
		t.Errorf("compacted batch norm: training %v, %v batches tracked", sbn.Training(), sbn.NumBatchesTracked.Item())
	}
	if d := maxDiff(want, got); d > 1e-6 {
		t.Errorf("outputs differ by up to %g", d)
	}
	if conv1.Weight.Dim(0) != 8 || bn.RunningMean.Len() != 8 || fc.In() != 6 {
		t.Error("Compact changed the original model")
	}
}
