package vec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64())
	}
	return s
}

// The Go versions are the reference: float64 FMA of float32 operands is
// the exact product plus z rounded twice, which equals the single-rounded
// float32 FMA except in ties too rare to meet here; the assertions are
// bitwise.
func TestAxpyMatchesGo(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 7, 15, 16, 17, 33, 1000, 1023} {
		x, y := randSlice(r, n), randSlice(r, n)
		want := append([]float32(nil), y...)
		axpyGo(-0.37, x, want)
		Axpy(-0.37, x, y)
		for i := range y {
			if math.Float32bits(y[i]) != math.Float32bits(want[i]) {
				t.Fatalf("n=%d: y[%d] = %v, want %v", n, i, y[i], want[i])
			}
		}
	}
}

func TestMomentumStepMatchesGo(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, 5, 16, 31, 100, 1025} {
		w, g, b := randSlice(r, n), randSlice(r, n), randSlice(r, n)
		w2, b2 := append([]float32(nil), w...), append([]float32(nil), b...)
		momentumStepGo(w2, g, b2, 0.01, 0.9)
		MomentumStep(w, g, b, 0.01, 0.9)
		for i := range w {
			if math.Float32bits(w[i]) != math.Float32bits(w2[i]) || math.Float32bits(b[i]) != math.Float32bits(b2[i]) {
				t.Fatalf("n=%d: i=%d got w %v buf %v, want %v %v", n, i, w[i], b[i], w2[i], b2[i])
			}
		}
	}
}

// TestMomentumStepRounding checks the rounding order on a case where
// fusing buf·momentum + g would differ: the product must be rounded first.
func TestMomentumStepRounding(t *testing.T) {
	buf := []float32{1 + 1.0/(1<<23)}
	m := float32(1 + 1.0/(1<<23))
	g := []float32{-1}
	w := []float32{0}
	MomentumStep(w, g, buf, 1, m)
	// exact product 1 + 2⁻²² + 2⁻⁴⁶ rounds to 1 + 2⁻²²; minus 1 gives 2⁻²².
	if buf[0] != 1.0/(1<<22) {
		t.Fatalf("buf = %g, want 2^-22 (product rounded before the add)", buf[0])
	}
	if w[0] != -1.0/(1<<22) {
		t.Fatalf("w = %g, want -2^-22", w[0])
	}
}

func TestReLU(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{1, 3, 16, 17, 40, 8192 + 5} {
		x, g := randSlice(r, n), randSlice(r, n)
		x[0] = float32(math.NaN())
		if n > 2 {
			x[1], x[2] = 0, float32(math.Inf(-1))
		}
		y := make([]float32, n)
		ReLU(y, x)
		gx := make([]float32, n)
		ReLUBackward(gx, g, x)
		for i, v := range x {
			switch {
			case v != v:
				if y[i] == y[i] {
					t.Fatalf("relu(NaN) = %v", y[i])
				}
			case v > 0 && (y[i] != v || gx[i] != g[i]):
				t.Fatalf("x=%v: relu %v grad %v (g %v)", v, y[i], gx[i], g[i])
			case v <= 0 && (y[i] != 0 || gx[i] != 0):
				t.Fatalf("x=%v: relu %v grad %v", v, y[i], gx[i])
			}
		}
		y2 := make([]float32, n)
		reluGo(y2, x)
		for i := range y {
			if math.Float32bits(y[i])&^(1<<31) != math.Float32bits(y2[i])&^(1<<31) && y[i] == y[i] {
				t.Fatalf("reluGo differs at %d: %v vs %v", i, y2[i], y[i])
			}
		}
	}
}

func TestPanicsOnShortSlices(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	Axpy(1, make([]float32, 2), make([]float32, 3))
}

func BenchmarkMomentumStep(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	n := 784*128 + 128 + 128*10 + 10
	w, g, buf := randSlice(r, n), randSlice(r, n), randSlice(r, n)
	for b.Loop() {
		MomentumStep(w, g, buf, 0.01, 0.9)
	}
}

func BenchmarkMomentumStepGo(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	n := 784*128 + 128 + 128*10 + 10
	w, g, buf := randSlice(r, n), randSlice(r, n), randSlice(r, n)
	for b.Loop() {
		momentumStepGo(w, g, buf, 0.01, 0.9)
	}
}

func ExampleAxpy() {
	y := []float32{1, 2, 3}
	Axpy(2, []float32{1, 1, 1}, y)
	fmt.Println(y)
	// Output: [3 4 5]
}
