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

func TestAdd(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, 7, 8, 9, 31, 32, 33, 140, 1000} {
		d, x := randSlice(r, n), randSlice(r, n)
		want := append([]float32(nil), d...)
		addGo(want, x)
		Add(d, x)
		for i := range d {
			if d[i] != want[i] {
				t.Fatalf("n=%d: Add[%d] = %v, want %v", n, i, d[i], want[i])
			}
		}
	}
}

// maxPoolScan is torch's max_pool2d loop for one 2×2 window: the first
// maximum in scan order, or the last NaN.
func maxPoolScan(r0, r1 []float32, j int, base, w int32) (float32, int32) {
	best, at := float32(math.Inf(-1)), int32(-1)
	for k, v := range [4]float32{r0[2*j], r0[2*j+1], r1[2*j], r1[2*j+1]} {
		if at < 0 || v > best || v != v {
			best, at = v, [4]int32{0, 1, w, w + 1}[k]
		}
	}
	return best, base + int32(2*j) + at
}

func TestMaxPool2x2(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	nan := float32(math.NaN())
	negZero := float32(math.Copysign(0, -1))
	for _, n := range []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 14, 15, 16, 17, 40} {
		for trial := 0; trial < 50; trial++ {
			const w = 100
			r0, r1 := randSlice(r, 2*n), randSlice(r, 2*n)
			for _, row := range [][]float32{r0, r1} { // ties, signed zeros, NaNs, infinities
				for i := range row {
					switch r.IntN(8) {
					case 0:
						row[i] = 0
					case 1:
						row[i] = negZero
					case 2:
						row[i] = 1
					case 3:
						if trial%5 == 0 {
							row[i] = nan
						}
					case 4:
						row[i] = float32(math.Inf(-1))
					}
				}
			}
			for _, f := range []struct {
				name string
				f    func(out []float32, arg []int32, r0, r1 []float32, base, w int32)
			}{{"MaxPool2x2", MaxPool2x2}, {"maxPool2x2Go", maxPool2x2Go}} {
				// guard elements after out and arg must stay untouched
				out, arg := make([]float32, n+8), make([]int32, n+8)
				for i := range out {
					out[i], arg[i] = 42, 42
				}
				f.f(out[:n], arg[:n], r0, r1, 300, w)
				noArg := make([]float32, n)
				f.f(noArg, nil, r0, r1, 300, w)
				for j := 0; j < n; j++ {
					best, at := maxPoolScan(r0, r1, j, 300, w)
					if arg[j] != at || math.Float32bits(out[j]) != math.Float32bits(best) && !(best != best && out[j] != out[j]) ||
						math.Float32bits(noArg[j]) != math.Float32bits(out[j]) {
						t.Fatalf("%s n=%d window %d %v %v: got %v at %d (without arg %v), want %v at %d",
							f.name, n, j, r0[2*j:2*j+2], r1[2*j:2*j+2], out[j], arg[j], noArg[j], best, at)
					}
				}
				for i := n; i < len(out); i++ {
					if out[i] != 42 || arg[i] != 42 {
						t.Fatalf("%s n=%d wrote past the output at %d", f.name, n, i)
					}
				}
			}
		}
	}
}

// BenchmarkMaxPool2x2 pools LeNet-5's first activation rows (28 wide,
// 14 windows) and BenchmarkMaxPool2x2Go does it with the portable loop.
func BenchmarkMaxPool2x2(b *testing.B)   { benchMaxPool(b, MaxPool2x2) }
func BenchmarkMaxPool2x2Go(b *testing.B) { benchMaxPool(b, maxPool2x2Go) }

func benchMaxPool(b *testing.B, f func(out []float32, arg []int32, r0, r1 []float32, base, w int32)) {
	r := rand.New(rand.NewPCG(9, 10))
	const w, rows = 28, 28 * 64
	x := randSlice(r, w*rows)
	out, arg := make([]float32, w*rows/4), make([]int32, w*rows/4)
	for b.Loop() {
		for p := 0; p < rows/2; p++ {
			f(out[p*w/2:(p+1)*w/2], arg[p*w/2:(p+1)*w/2], x[2*p*w:], x[(2*p+1)*w:], int32(2*p*w), w)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(out)), "ns/window")
}

func TestAddScalarAndSum(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, n := range []int{0, 1, 7, 8, 9, 31, 32, 33, 100, 784, 1001} {
		x := randSlice(r, n)
		d := make([]float32, n)
		AddScalar(d, x, 0.25)
		var want float64
		for i, v := range x {
			if d[i] != v+0.25 {
				t.Fatalf("n=%d: AddScalar[%d] = %v, want %v", n, i, d[i], v+0.25)
			}
			want += float64(v)
		}
		got, goGot := Sum(x), sumGo(x)
		if math.Float32bits(got) != math.Float32bits(goGot) {
			t.Fatalf("n=%d: Sum %v, portable loop %v: not the same bits", n, got, goGot)
		}
		if math.Abs(float64(got)-want) > 1e-5*float64(n+1) {
			t.Fatalf("n=%d: Sum %v, want %v", n, got, want)
		}
	}
}
