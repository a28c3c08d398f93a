package data

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/gokernel/gokernel/mlstd/tensor"
)

// Dataset is a labelled set of examples: X holds one example per row of its
// first dimension (shape [n, features...]) and Y the class index of each,
// or, for regression, Targets the float targets of each (shape [n,
// outputs]) with Y nil.
//
// The fields are exported so cells can reach the data directly
// (model.Forward(test.X)); code that changes them must keep X.Dim(0) ==
// len(Y). Methods that return a *Dataset return a new one with its own
// storage unless stated otherwise.
type Dataset struct {
	X       *tensor.Tensor // examples, shape [n, features...]
	Y       []int          // class index of each example, 0 ≤ Y[i]
	Classes []string       // optional class names; index = label
	Targets *tensor.Tensor // regression targets, shape [n, outputs]; nil for classification

	epochs uint64 // shuffled or augmenting loaders created so far (seeds the next)
}

// NewDataset returns a dataset over x and y without copying them. It panics
// with a *tensor.ShapeError if x has no dimensions or x.Dim(0) != len(y),
// and with an error if a label is negative.
func NewDataset(x *tensor.Tensor, y []int) *Dataset {
	if x.Dims() == 0 || x.Dim(0) != len(y) {
		panic(&tensor.ShapeError{Op: "data.NewDataset", A: x.Shape(), B: []int{len(y)},
			Msg: "x needs one row per label"})
	}
	for i, v := range y {
		if v < 0 {
			panic(fmt.Errorf("data: label %d of example %d is negative", v, i))
		}
	}
	return &Dataset{X: x, Y: y}
}

// NewRegression returns a regression dataset over x and its float
// targets (shape [n] or [n, outputs]; [n] is viewed as [n, 1]) without
// copying them. It panics with a *tensor.ShapeError unless both have n
// rows.
func NewRegression(x, targets *tensor.Tensor) *Dataset {
	if x.Dims() == 0 || targets.Dims() == 0 || targets.Dims() > 2 || x.Dim(0) != targets.Dim(0) {
		panic(&tensor.ShapeError{Op: "data.NewRegression", A: x.Shape(), B: targets.Shape(),
			Msg: "x needs one row per target row"})
	}
	if targets.Dims() == 1 {
		targets = tensor.New(targets.Data(), targets.Dim(0), 1)
	}
	return &Dataset{X: x, Targets: targets}
}

// Len returns the number of examples.
func (d *Dataset) Len() int {
	if d.Targets != nil {
		return d.Targets.Dim(0)
	}
	return len(d.Y)
}

// Outputs returns the number of float targets per example (Targets.Dim(1)),
// 0 for a classification dataset.
func (d *Dataset) Outputs() int {
	if d.Targets == nil {
		return 0
	}
	return d.Targets.Dim(1)
}

// Features returns the number of values per example (the product of X's
// dimensions after the first): 784 for MNIST.
func (d *Dataset) Features() int {
	if d.X == nil || d.X.Dims() == 0 {
		return 0
	}
	return product(d.X.Shape()[1:])
}

// NumClasses returns len(Classes) when names are set, else one more than
// the largest label (0 for a regression dataset).
func (d *Dataset) NumClasses() int {
	n := len(d.Classes)
	for _, v := range d.Y {
		if v+1 > n {
			n = v + 1
		}
	}
	return n
}

// ClassCounts returns how many examples each class has.
func (d *Dataset) ClassCounts() []int {
	c := make([]int, d.NumClasses())
	for _, v := range d.Y {
		c[v]++
	}
	return c
}

// String summarises the dataset, e.g. "Dataset(60000 examples, x [60000 784], 10 classes)".
func (d *Dataset) String() string {
	if d == nil || d.X == nil {
		return "Dataset(empty)"
	}
	if d.Targets != nil {
		return fmt.Sprintf("Dataset(%d examples, x %v, targets %v)", d.Len(), d.X.Shape(), d.Targets.Shape())
	}
	return fmt.Sprintf("Dataset(%d examples, x %v, %d classes)", d.Len(), d.X.Shape(), d.NumClasses())
}

// View returns a dataset over the same storage as d (no copy: writes to
// one show in the other) whose examples have the given shape, which must
// hold Features() values: MNIST's [n, 784] seen as images for a
// convolutional network is
//
//	train := trainSet.View(1, 28, 28)   // X [60000 1 28 28]
//
// and View(784) turns it back. Labels, targets and class names are
// shared. It panics with a *tensor.ShapeError if the sizes differ.
func (d *Dataset) View(shape ...int) *Dataset {
	if numel := product(shape); numel != d.Features() || len(shape) == 0 || slices.ContainsFunc(shape, func(s int) bool { return s <= 0 }) {
		panic(&tensor.ShapeError{Op: "data.View", A: d.X.Shape(), B: shape,
			Msg: fmt.Sprintf("an example has %d values, the shape holds %d", d.Features(), numel)})
	}
	v := *d
	v.X = tensor.New(d.X.Data(), append([]int{d.X.Dim(0)}, shape...)...)
	return &v
}

// product returns the product of shape's sizes (1 for none).
func product(shape []int) int {
	n := 1
	for _, s := range shape {
		n *= s
	}
	return n
}

// Subset returns a new dataset holding copies of the examples at idx, in
// that order (indices may repeat). It panics if an index is out of range.
func (d *Dataset) Subset(idx []int) *Dataset {
	f := d.Features()
	shape := d.X.Shape()
	shape[0] = len(idx)
	x := make([]float32, len(idx)*f)
	out := &Dataset{X: tensor.New(x, shape...), Classes: d.Classes}
	var t []float32
	if d.Targets != nil {
		t = make([]float32, len(idx)*d.Outputs())
		out.Targets = tensor.New(t, len(idx), d.Outputs())
	} else {
		out.Y = make([]int, len(idx))
	}
	gather(x, out.Y, t, d, idx)
	return out
}

// Slice returns a new dataset holding copies of examples [from, to).
func (d *Dataset) Slice(from, to int) *Dataset {
	if from < 0 || to > d.Len() || from > to {
		panic(&tensor.ShapeError{Op: "data.Slice", A: []int{d.Len()}, Msg: fmt.Sprintf("bad range [%d, %d)", from, to)})
	}
	idx := make([]int, to-from)
	for i := range idx {
		idx[i] = from + i
	}
	return d.Subset(idx)
}

// gather copies the rows idx of d into x and their labels into y, or
// their targets into t for a regression dataset.
func gather(x []float32, y []int, t []float32, d *Dataset, idx []int) {
	f, k := d.Features(), d.Outputs()
	src := d.X.Data()
	n := d.Len()
	for i, j := range idx {
		if j < 0 || j >= n {
			panic(&tensor.ShapeError{Op: "data.Subset", A: []int{n}, Msg: fmt.Sprintf("index %d out of range", j)})
		}
		copy(x[i*f:(i+1)*f], src[j*f:(j+1)*f])
		if d.Targets != nil {
			copy(t[i*k:(i+1)*k], d.Targets.Data()[j*k:(j+1)*k])
		} else {
			y[i] = d.Y[j]
		}
	}
}

// Split shuffles the examples with the given seed and returns the first
// fraction of them as train and the rest as val (sklearn's
// train_test_split with train_size=fraction). It panics unless
// 0 ≤ fraction ≤ 1.
func (d *Dataset) Split(fraction float64, seed int64) (train, val *Dataset) {
	if !(fraction >= 0 && fraction <= 1) {
		panic(fmt.Errorf("data: split fraction %v not in [0, 1]", fraction))
	}
	perm := permutation(d.Len(), seed, 0)
	k := int(math.Round(fraction * float64(d.Len())))
	return d.Subset(perm[:k]), d.Subset(perm[k:])
}

// identity returns 0..n-1.
func identity(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	return p
}

// permutation returns a pseudo-random permutation of 0..n-1 determined by
// (seed, stream).
func permutation(n int, seed int64, stream uint64) []int {
	r := rand.New(rand.NewPCG(uint64(seed), stream))
	p := identity(n)
	r.Shuffle(n, func(i, j int) { p[i], p[j] = p[j], p[i] })
	return p
}

// Normalize maps every value v of X to (v-mean)/std in place, like
// torchvision's transforms.Normalize, and returns d. For MNIST scaled to
// [0, 1] use d.Normalize(data.MNISTMean, data.MNISTStd). It panics if std
// is not positive.
func (d *Dataset) Normalize(mean, std float64) *Dataset {
	if !(std > 0) {
		panic(fmt.Errorf("data: normalize std %v must be positive", std))
	}
	m, s := float32(mean), float32(1/std)
	x := d.X.Data()
	for i, v := range x {
		x[i] = (v - m) * s
	}
	return d
}

// NormalizeFeatures maps feature j of every example to
// (v-mean[j])/std[j] in place and returns d; a zero std[j] leaves the
// feature centred but unscaled. Use it to apply the statistics returned
// by Standardize on the training set to a validation or test set. It
// panics with a *tensor.ShapeError if the lengths differ from Features().
func (d *Dataset) NormalizeFeatures(mean, std []float64) *Dataset {
	f := d.Features()
	if len(mean) != f || len(std) != f {
		panic(&tensor.ShapeError{Op: "data.NormalizeFeatures", A: []int{f}, B: []int{len(mean), len(std)},
			Msg: "need one mean and one std per feature"})
	}
	m := make([]float32, f)
	s := make([]float32, f)
	for j := range f {
		m[j] = float32(mean[j])
		s[j] = 1
		if std[j] > 0 {
			s[j] = float32(1 / std[j])
		}
	}
	x := d.X.Data()
	for i := 0; i < len(x); i += f {
		row := x[i : i+f]
		for j, v := range row {
			row[j] = (v - m[j]) * s[j]
		}
	}
	return d
}

// Standardize rescales every feature to zero mean and unit variance in
// place (sklearn's StandardScaler: population std) and returns the mean and
// std it used, so the same transform can be applied to other splits with
// NormalizeFeatures.
func (d *Dataset) Standardize() (mean, std []float64) {
	mean, std = d.FeatureStats()
	d.NormalizeFeatures(mean, std)
	return mean, std
}

// FeatureStats returns the mean and population standard deviation of each
// feature, accumulated in float64 (see the function FeatureStats).
func (d *Dataset) FeatureStats() (mean, std []float64) {
	return FeatureStats(d.X)
}

// FeatureStats returns the mean and population standard deviation of each
// feature of x, a tensor of shape [n, features...], accumulated in float64
// in two passes (zeros when n is 0).
func FeatureStats(x *tensor.Tensor) (mean, std []float64) {
	if x.Dims() == 0 {
		panic(&tensor.ShapeError{Op: "data.FeatureStats", A: x.Shape(), Msg: "need [n, features...]"})
	}
	n := x.Dim(0)
	f := 1
	for _, d := range x.Shape()[1:] {
		f *= d
	}
	mean = make([]float64, f)
	std = make([]float64, f)
	if n == 0 || f == 0 {
		return mean, std
	}
	xs := x.Data()
	for i := 0; i < len(xs); i += f {
		for j, v := range xs[i : i+f] {
			mean[j] += float64(v)
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	for i := 0; i < len(xs); i += f {
		for j, v := range xs[i : i+f] {
			dv := float64(v) - mean[j]
			std[j] += dv * dv
		}
	}
	for j := range std {
		std[j] = math.Sqrt(std[j] / float64(n))
	}
	return mean, std
}
