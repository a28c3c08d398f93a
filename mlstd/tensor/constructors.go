package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"

	"gonum.org/v1/gonum/mat"
)

// Ones returns a tensor of the given shape filled with ones.
func Ones(shape ...int) *Tensor { return Full(1, shape...) }

// Full returns a tensor of the given shape filled with v.
func Full(v float64, shape ...int) *Tensor {
	t := Zeros(shape...)
	f := float32(v)
	for i := range t.data {
		t.data[i] = f
	}
	return t
}

// ZerosLike returns a tensor of zeros shaped like t.
func ZerosLike(t *Tensor) *Tensor { return Zeros(t.shape...) }

// OnesLike returns a tensor of ones shaped like t.
func OnesLike(t *Tensor) *Tensor { return Ones(t.shape...) }

// Arange returns the 1-D tensor start, start+step, ... up to but excluding
// end (torch.arange). It panics if step is zero.
func Arange(start, end, step float64) *Tensor {
	if step == 0 {
		panic(&ShapeError{Op: "arange", A: []int{}, Msg: "step must not be zero"})
	}
	n := int(math.Ceil((end - start) / step))
	if n < 0 {
		n = 0
	}
	d := make([]float32, n)
	for i := range d {
		d[i] = float32(start + float64(i)*step)
	}
	return New(d, n)
}

// Linspace returns n evenly spaced values from start to end inclusive.
func Linspace(start, end float64, n int) *Tensor {
	d := make([]float32, n)
	for i := range d {
		if n == 1 {
			d[i] = float32(start)
			continue
		}
		d[i] = float32(start + (end-start)*float64(i)/float64(n-1))
	}
	return New(d, n)
}

// Eye returns the n×n identity matrix.
func Eye(n int) *Tensor {
	t := Zeros(n, n)
	for i := 0; i < n; i++ {
		t.data[i*n+i] = 1
	}
	return t
}

// FromRows returns the 2-D tensor whose rows are the given rows. It panics
// with a *ShapeError if the rows differ in length.
func FromRows(rows [][]float64) *Tensor {
	if len(rows) == 0 {
		return Zeros(0, 0)
	}
	c := len(rows[0])
	d := make([]float32, 0, len(rows)*c)
	for i, r := range rows {
		if len(r) != c {
			panic(&ShapeError{Op: "fromrows", A: []int{len(rows), c}, Msg: fmt.Sprintf("row %d has %d values", i, len(r))})
		}
		for _, v := range r {
			d = append(d, float32(v))
		}
	}
	return New(d, len(rows), c)
}

// FromDense returns a 2-D float32 copy of a gonum matrix.
func FromDense(m mat.Matrix) *Tensor {
	r, c := m.Dims()
	t := Zeros(r, c)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			t.data[i*c+j] = float32(m.At(i, j))
		}
	}
	return t
}

// Dense returns a float64 gonum copy of a 2-D tensor (a 1-D tensor becomes
// a single row).
func (t *Tensor) Dense() *mat.Dense {
	var r, c int
	switch len(t.shape) {
	case 1:
		r, c = 1, t.shape[0]
	case 2:
		r, c = t.shape[0], t.shape[1]
	default:
		panic(&ShapeError{Op: "dense", A: t.shape, Msg: "need a 1-D or 2-D tensor"})
	}
	if r == 0 || c == 0 {
		panic(&ShapeError{Op: "dense", A: t.shape, Msg: "gonum matrices cannot be empty"})
	}
	return mat.NewDense(r, c, t.Float64s())
}

// RNG is a seeded random number generator (PCG) for reproducible tensors.
// It is safe for concurrent use.
type RNG struct {
	mu sync.Mutex
	r  *rand.Rand
}

// NewRNG returns a generator seeded with seed; equal seeds give equal
// sequences on every platform.
func NewRNG(seed int64) *RNG {
	return &RNG{r: rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15))}
}

// Float64 returns a uniform value in [0, 1).
func (g *RNG) Float64() float64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.r.Float64()
}

// uint64 returns 64 uniform random bits.
func (g *RNG) uint64() uint64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.r.Uint64()
}

// NormFloat64 returns a standard normal value.
func (g *RNG) NormFloat64() float64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.r.NormFloat64()
}

// Intn returns a uniform integer in [0, n).
func (g *RNG) Intn(n int) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.r.IntN(n)
}

// Perm returns a random permutation of 0..n-1.
func (g *RNG) Perm(n int) []int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.r.Perm(n)
}

// Uniform returns a tensor of values drawn uniformly from [lo, hi).
func (g *RNG) Uniform(lo, hi float64, shape ...int) *Tensor {
	t := Zeros(shape...)
	g.FillUniform(t.data, lo, hi)
	return t
}

// FillUniform overwrites dst with values drawn uniformly from [lo, hi).
func (g *RNG) FillUniform(dst []float32, lo, hi float64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for i := range dst {
		dst[i] = float32(lo + (hi-lo)*g.r.Float64())
	}
}

// Rand returns a tensor of values drawn uniformly from [0, 1).
func (g *RNG) Rand(shape ...int) *Tensor { return g.Uniform(0, 1, shape...) }

// Randn returns a tensor of standard normal values.
func (g *RNG) Randn(shape ...int) *Tensor {
	t := Zeros(shape...)
	g.mu.Lock()
	defer g.mu.Unlock()
	for i := range t.data {
		t.data[i] = float32(g.r.NormFloat64())
	}
	return t
}

// Rand returns a tensor of uniform [0, 1) values from a generator seeded
// with seed.
func Rand(seed int64, shape ...int) *Tensor { return NewRNG(seed).Rand(shape...) }

// Randn returns a tensor of standard normal values from a generator seeded
// with seed.
func Randn(seed int64, shape ...int) *Tensor { return NewRNG(seed).Randn(shape...) }
