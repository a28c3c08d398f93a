// Package exporttest holds the models that mlstd/export's tests and its
// ONNX conformance module (mlstd/export/onnxconformance, a separate module
// so that gonnx and gorgonia stay out of gokernel's go.mod) both export and
// check. Only tests import it.
package exporttest

import (
	"math"
	"sort"
	"sync"
	"testing"

	"github.com/gokernel/gokernel/mlstd/data"
	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/optim"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// Model is a small model using every layer kind export.Save supports.
func Model(seed int64) *nn.Sequential {
	g := tensor.NewRNG(seed)
	return nn.NewSequential(
		nn.NewFlatten(),
		nn.NewLinearRNG(12, 8, true, g),
		nn.NewReLU(),
		nn.NewDropout(0.25),
		nn.NewSequential(nn.NewLinearRNG(8, 6, false, g), nn.NewTanh()),
		nn.NewLinearRNG(6, 5, true, g),
		nn.NewSigmoid(),
		nn.NewLinearRNG(5, 4, true, g),
		nn.NewLogSoftmax(-1),
	)
}

// MLP is a 784-hidden-10 MLP like the MNIST example, with last (if not
// nil) appended.
func MLP(seed int64, hidden int, last nn.Module) *nn.Sequential {
	g := tensor.NewRNG(seed)
	s := nn.NewSequential(nn.NewLinearRNG(784, hidden, true, g), nn.NewReLU(), nn.NewLinearRNG(hidden, 10, true, g))
	if last != nil {
		s.Add(last)
	}
	return s
}

// Prune zeroes the fraction of each Linear weight with the smallest
// magnitudes (a test stand-in for mlstd/prune).
func Prune(m nn.Module, frac float64) {
	for _, w := range nn.Weights(m) {
		d := w.Data()
		mags := make([]float64, len(d))
		for i, v := range d {
			mags[i] = math.Abs(float64(v))
		}
		sort.Float64s(mags)
		cut := mags[int(frac*float64(len(mags)-1))]
		for i, v := range d {
			if math.Abs(float64(v)) <= cut {
				d[i] = 0
			}
		}
	}
}

// MNISTFixture is an MLP trained briefly on MNIST, then pruned by half,
// with the first 1,000 test images.
type MNISTFixture struct {
	Model    *nn.Sequential
	X        *tensor.Tensor // [1000 784]
	Y        []int
	Accuracy float64 // on the 1,000 images, after pruning
}

var (
	mnistOnce sync.Once
	mnist     MNISTFixture
	mnistErr  error
)

// TrainedMNIST trains a 784-128-10 MLP for one pass over 12,000 MNIST
// training images (SGD, lr 0.05, momentum 0.9), prunes 50 % of each weight
// matrix, and keeps 1,000 test images. It trains once per test binary and
// skips the test if MNIST cannot be found. Callers must not modify the
// fixture.
func TrainedMNIST(t testing.TB) *MNISTFixture {
	t.Helper()
	mnistOnce.Do(func() {
		train, test, err := data.MNIST()
		if err != nil {
			mnistErr = err
			return
		}
		train = train.Slice(0, 12000)
		test = test.Slice(0, 1000)
		m := MLP(42, 128, nil)
		opt := optim.NewSGD(m.Parameters(), optim.SGDConfig{LR: 0.05, Momentum: 0.9})
		for b := train.Batches(64, false); b.Next(); {
			opt.ZeroGrad()
			tensor.CrossEntropy(m.Forward(b.X()), b.Y()).Backward()
			opt.Step()
		}
		Prune(m, 0.5)
		mnist.Model, mnist.X, mnist.Y = m, test.X, test.Y
		var pred []int
		tensor.NoGrad(func() { pred = m.Forward(test.X).Argmax(1) })
		for i, p := range pred {
			if p == test.Y[i] {
				mnist.Accuracy++
			}
		}
		mnist.Accuracy /= float64(len(pred))
	})
	if mnistErr != nil {
		t.Skipf("MNIST unavailable: %v", mnistErr)
	}
	return &mnist
}

// MaxDiff returns the largest |a−b|; it fails the test if the lengths
// differ.
func MaxDiff(t testing.TB, a, b []float32) float64 {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%d values vs %d", len(a), len(b))
	}
	m := 0.0
	for i := range a {
		m = math.Max(m, math.Abs(float64(a[i])-float64(b[i])))
	}
	return m
}
