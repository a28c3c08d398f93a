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
		pred := nn.Infer(m, test.X).Argmax(1)
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

// CNN is a small convolutional model on [N 1 16 16] inputs using every
// convolutional layer kind export supports: Conv2d with padding, and with
// stride, dilation and no bias; BatchNorm2d and BatchNorm1d (affine and
// not, another momentum); MaxPool2d; AvgPool2d with padding (counted in
// the mean, as torch's default); Dropout2d; AdaptiveAvgPool2d to 1×1;
// Flatten; Linear; Dropout. It is in training mode, as a new model.
func CNN(seed int64) *nn.Sequential {
	g := tensor.NewRNG(seed)
	bn1 := nn.NewBatchNorm1d(8, nn.BatchNormOptions{NoAffine: true, Momentum: 0.2, Eps: 1e-3})
	return nn.NewSequential(
		nn.NewConv2d(1, 4, 3, nn.Conv2dOptions{Padding: 1, RNG: g}), // 16×16
		nn.NewBatchNorm2d(4, nn.BatchNormOptions{}),
		nn.NewReLU(),
		nn.NewMaxPool2d(2, nn.Pool2dOptions{}), // 8×8
		nn.NewConv2d(4, 6, 3, nn.Conv2dOptions{Stride: 2, Padding: 1, Dilation: 2, NoBias: true, RNG: g}), // 3×3
		nn.NewTanh(),
		nn.NewAvgPool2d(2, nn.Pool2dOptions{Stride: 1, Padding: 1}), // 4×4
		nn.NewDropout2d(0.2),
		nn.NewAdaptiveAvgPool2d(1, 1),
		nn.NewFlatten(),
		nn.NewLinearRNG(6, 8, true, g),
		bn1,
		nn.NewReLU(),
		nn.NewDropout(0.1),
		nn.NewLinearRNG(8, 3, true, g),
	)
}

// WarmUp trains m (in training mode) for a few SGD steps on random
// [32 c h w] batches so that its batch-norm statistics and weights are
// no longer their initial values, then puts it in evaluation mode.
func WarmUp(m nn.Module, c, h, w, classes int, seed int64) {
	g := tensor.NewRNG(seed)
	nn.Train(m)
	opt := optim.NewSGD(m.Parameters(), optim.SGDConfig{LR: 0.05, Momentum: 0.9})
	for i := 0; i < 5; i++ {
		y := make([]int, 32)
		for k := range y {
			y[k] = g.Intn(classes)
		}
		opt.ZeroGrad()
		tensor.CrossEntropy(m.Forward(g.Randn(32, c, h, w).AddScalar(0.5)), y).Backward()
		opt.Step()
	}
	nn.Eval(m)
}

// LeNet5 is LeNet-5 as in notebooks/cnn.ipynb, with a BatchNorm2d after
// the first convolution and an average rather than max second pooling (so
// that a trained copy exercises both), on [N 1 28 28].
func LeNet5(seed int64) *nn.Sequential {
	g := tensor.NewRNG(seed)
	return nn.NewSequential(
		nn.NewConv2d(1, 6, 5, nn.Conv2dOptions{Padding: 2, RNG: g}),
		nn.NewBatchNorm2d(6, nn.BatchNormOptions{}),
		nn.NewReLU(),
		nn.NewMaxPool2d(2, nn.Pool2dOptions{}),
		nn.NewConv2d(6, 16, 5, nn.Conv2dOptions{RNG: g}),
		nn.NewReLU(),
		nn.NewAvgPool2d(2, nn.Pool2dOptions{}),
		nn.NewFlatten(),
		nn.NewLinearRNG(400, 120, true, g),
		nn.NewReLU(),
		nn.NewDropout(0.2),
		nn.NewLinearRNG(120, 84, true, g),
		nn.NewReLU(),
		nn.NewLinearRNG(84, 10, true, g),
	)
}

// CNNFixture is LeNet5 trained briefly on MNIST, in evaluation mode, with
// the first 1,000 test images as [1000 1 28 28].
type CNNFixture struct {
	Model    *nn.Sequential
	X        *tensor.Tensor // [1000 1 28 28]
	Y        []int
	Accuracy float64 // on the 1,000 images
}

var (
	cnnOnce sync.Once
	cnn     CNNFixture
	cnnErr  error
)

// TrainedCNN trains LeNet5 for one pass over 6,000 MNIST training images
// (SGD, lr 0.05, momentum 0.9, batch 64) and keeps 1,000 test images. It
// trains once per test binary and skips the test if MNIST cannot be
// found. Callers must not modify the fixture.
func TrainedCNN(t testing.TB) *CNNFixture {
	t.Helper()
	cnnOnce.Do(func() {
		train, test, err := data.MNIST()
		if err != nil {
			cnnErr = err
			return
		}
		train = train.Slice(0, 6000)
		test = test.Slice(0, 1000)
		m := LeNet5(7)
		opt := optim.NewSGD(m.Parameters(), optim.SGDConfig{LR: 0.05, Momentum: 0.9})
		for b := train.Batches(64, false); b.Next(); {
			x := b.X()
			opt.ZeroGrad()
			tensor.CrossEntropy(m.Forward(x.Reshape(x.Dim(0), 1, 28, 28)), b.Y()).Backward()
			opt.Step()
		}
		nn.Eval(m)
		cnn.Model, cnn.X, cnn.Y = m, test.X.Reshape(1000, 1, 28, 28), test.Y
		pred := nn.Infer(m, cnn.X).Argmax(1)
		for i, p := range pred {
			if p == test.Y[i] {
				cnn.Accuracy++
			}
		}
		cnn.Accuracy /= float64(len(pred))
	})
	if cnnErr != nil {
		t.Skipf("MNIST unavailable: %v", cnnErr)
	}
	return &cnn
}
