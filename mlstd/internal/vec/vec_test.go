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
	ReLU(make([]float32, 3), make([]float32, 2))
}

func ExampleReLU() {
	y := make([]float32, 4)
	ReLU(y, []float32{-1, 0.5, 2, -3})
	fmt.Println(y)
	// Output: [0 0.5 2 0]
}

func benchReLU(b *testing.B, f func(dst, x []float32)) {
	r := rand.New(rand.NewPCG(9, 10))
	x := randSlice(r, 64*128)
	y := make([]float32, len(x))
	for b.Loop() {
		f(y, x)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(x)), "ns/elem")
}

// BenchmarkReLU and BenchmarkReLUGo compare the kernel with the branchy
// loop on a 64×128 activation with random signs.
func BenchmarkReLU(b *testing.B)   { benchReLU(b, ReLU) }
func BenchmarkReLUGo(b *testing.B) { benchReLU(b, reluGo) }
