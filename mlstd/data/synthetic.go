package data

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gokernel/gokernel/mlstd/tensor"
)

// Blobs returns n examples in `features` dimensions drawn from `classes`
// isotropic Gaussian clusters with standard deviation std (sklearn's
// make_blobs). Cluster centres are uniform in [-10, 10]^features; labels
// cycle through the classes so each has n/classes examples (±1). The same
// seed gives the same data.
func Blobs(n, features, classes int, std float64, seed int64) *Dataset {
	if n < 0 || features <= 0 || classes <= 0 {
		panic(fmt.Errorf("data: blobs needs n ≥ 0, features > 0, classes > 0 (got %d, %d, %d)", n, features, classes))
	}
	r := rand.New(rand.NewPCG(uint64(seed), 0x626c6f6273))
	centres := make([]float64, classes*features)
	for i := range centres {
		centres[i] = r.Float64()*20 - 10
	}
	x := make([]float32, n*features)
	y := make([]int, n)
	for i := range n {
		c := i % classes
		y[i] = c
		for j := range features {
			x[i*features+j] = float32(centres[c*features+j] + std*r.NormFloat64())
		}
	}
	return NewDataset(tensor.New(x, n, features), y)
}

// Moons returns n two-dimensional examples on two interleaving half
// circles, with Gaussian noise of standard deviation noise (sklearn's
// make_moons): a small problem a linear model cannot solve but an MLP can.
func Moons(n int, noise float64, seed int64) *Dataset {
	if n < 0 {
		panic(fmt.Errorf("data: moons needs n ≥ 0 (got %d)", n))
	}
	r := rand.New(rand.NewPCG(uint64(seed), 0x6d6f6f6e73))
	x := make([]float32, 2*n)
	y := make([]int, n)
	outer := n / 2
	for i := range n {
		var a, b float64
		if i < outer {
			t := math.Pi * float64(i) / float64(max(outer-1, 1))
			a, b = math.Cos(t), math.Sin(t)
		} else {
			t := math.Pi * float64(i-outer) / float64(max(n-outer-1, 1))
			a, b = 1-math.Cos(t), 0.5-math.Sin(t)
			y[i] = 1
		}
		x[2*i] = float32(a + noise*r.NormFloat64())
		x[2*i+1] = float32(b + noise*r.NormFloat64())
	}
	ds := NewDataset(tensor.New(x, n, 2), y)
	// Shuffle so that batches mix the classes, as sklearn does by default.
	return ds.Subset(permutation(n, seed, 1))
}
