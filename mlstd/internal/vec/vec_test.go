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

// TestMul checks Mul against the Go loop bit for bit (NaN, infinities,
// signed zeros and subnormals included) on lengths around the kernel's
// blocks of 32 and 8, and that a short operand panics.
func TestMul(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	special := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 0,
		float32(math.Copysign(0, -1)), math.SmallestNonzeroFloat32, math.MaxFloat32}
	for _, n := range []int{1, 7, 8, 9, 31, 32, 33, 140, 1000} {
		x, y := randSlice(r, n), randSlice(r, n)
		for i := range x {
			if r.IntN(4) == 0 {
				x[i] = special[r.IntN(len(special))]
			}
		}
		want, got := make([]float32, n), make([]float32, n+1)
		got[n] = 42
		mulGo(want, x, y)
		Mul(got[:n], x, y)
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("n=%d: Mul[%d] = %v, want %v", n, i, got[i], want[i])
			}
		}
		if got[n] != 42 {
			t.Fatalf("n=%d: Mul wrote past dst", n)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("Mul with a short operand did not panic")
		}
	}()
	Mul(make([]float32, 4), make([]float32, 4), make([]float32, 3))
}

// maxPoolScan is torch's max_pool2d loop for the 2×2 window (oy, ox) of
// an h×w plane: the first maximum in scan order, or the last NaN.
func maxPoolScan(plane []float32, w, oy, ox int) (float32, int32) {
	best, at := float32(math.Inf(-1)), -1
	for _, i := range [4]int{2*oy*w + 2*ox, 2*oy*w + 2*ox + 1, (2*oy+1)*w + 2*ox, (2*oy+1)*w + 2*ox + 1} {
		if v := plane[i]; at < 0 || v > best || v != v {
			best, at = v, i
		}
	}
	return best, int32(at)
}

// poolInput fills x with normal values, ties, signed zeros, infinities
// and (if nan) NaNs.
func poolInput(r *rand.Rand, x []float32, nan bool) {
	for i := range x {
		switch r.IntN(8) {
		case 0:
			x[i] = 0
		case 1:
			x[i] = float32(math.Copysign(0, -1))
		case 2:
			x[i] = 1
		case 3:
			if nan {
				x[i] = float32(math.NaN())
			}
		case 4:
			x[i] = float32(math.Inf(-1))
		default:
			x[i] = float32(r.NormFloat64())
		}
	}
}

// checkMaxPool runs f on x (planes of h×w) and compares every window with
// maxPoolScan, with and without arg; guard elements after out and arg must
// stay untouched.
func checkMaxPool(t *testing.T, name string, f func(out []float32, arg []int32, x []float32, h, w int), x []float32, h, w int) {
	t.Helper()
	oh, ow := h/2, w/2
	n := len(x) / (h * w) * oh * ow
	out, arg := make([]float32, n+8), make([]int32, n+8)
	for i := range out {
		out[i], arg[i] = 42, 42
	}
	f(out[:n], arg[:n], x, h, w)
	noArg := make([]float32, n)
	f(noArg, nil, x, h, w)
	same := func(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) || a != a && b != b }
	for p := 0; p < len(x)/(h*w); p++ {
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				j := (p*oh+oy)*ow + ox
				best, at := maxPoolScan(x[p*h*w:], w, oy, ox)
				if arg[j] != at || !same(out[j], best) || !same(noArg[j], best) {
					t.Fatalf("%s %d×%d plane %d window (%d, %d): got %v at %d (without arg %v), want %v at %d",
						name, h, w, p, oy, ox, out[j], arg[j], noArg[j], best, at)
				}
			}
		}
	}
	for i := n; i < len(out); i++ {
		if out[i] != 42 || arg[i] != 42 {
			t.Fatalf("%s %d×%d: wrote past the output at %d", name, h, w, i)
		}
	}
}

func TestMaxPool2x2(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, h := range []int{2, 3, 4, 5, 10, 28} {
		for _, w := range []int{2, 3, 4, 5, 10, 17, 28, 33, 40} {
			for planes := 1; planes <= 3; planes++ {
				for trial := 0; trial < 4; trial++ {
					x := make([]float32, planes*h*w)
					poolInput(r, x, trial%2 == 0)
					checkMaxPool(t, "MaxPool2x2", MaxPool2x2, x, h, w)
					checkMaxPool(t, "maxPool2x2Go", maxPool2x2Go, x, h, w)
				}
			}
		}
	}
}

func TestMaxPool2x2Panics(t *testing.T) {
	for _, c := range []func(){
		func() { MaxPool2x2(make([]float32, 1), nil, make([]float32, 5), 2, 2) },
		func() { MaxPool2x2(make([]float32, 2), nil, make([]float32, 4), 2, 2) },
		func() { MaxPool2x2(make([]float32, 1), make([]int32, 2), make([]float32, 4), 2, 2) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			c()
		}()
	}
}

// BenchmarkMaxPool2x2 pools LeNet-5's first activations (64×6 planes of
// 28×28, keeping the argmax) and BenchmarkMaxPool2x2Go does it with the
// portable loop.
func BenchmarkMaxPool2x2(b *testing.B)   { benchMaxPool(b, MaxPool2x2) }
func BenchmarkMaxPool2x2Go(b *testing.B) { benchMaxPool(b, maxPool2x2Go) }

func benchMaxPool(b *testing.B, f func(out []float32, arg []int32, x []float32, h, w int)) {
	r := rand.New(rand.NewPCG(9, 10))
	x := randSlice(r, 64*6*28*28)
	out, arg := make([]float32, len(x)/4), make([]int32, len(x)/4)
	for b.Loop() {
		f(out, arg, x, 28, 28)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(out)), "ns/window")
}

// TestMaxUnpool2x2 checks MaxUnpool2x2 (and its portable loop) on
// MaxPool2x2's argmax against the definition: dx cleared, then each
// window's gradient (masked by y > 0 when y is given) added at its
// maximum, bitwise, from a dx full of NaNs: rows of 1…5 windows (the
// portable loop), 8, 9, 12, 14 and 16 (the kernel's last block moved back
// by 0…7), odd sizes (an uncovered last row or column); the ends of the
// slice are guards that must stay untouched.
func TestMaxUnpool2x2(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, h := range []int{2, 3, 5, 24} {
		for _, w := range []int{2, 3, 4, 7, 10, 11, 16, 17, 19, 24, 28, 33} {
			for planes := 1; planes <= 3; planes++ {
				hw, n := h*w, planes*(h/2)*(w/2)
				x := make([]float32, planes*hw)
				poolInput(r, x, true)
				out, arg := make([]float32, n), make([]int32, n)
				MaxPool2x2(out, arg, x, h, w)
				g := make([]float32, n)
				poolInput(r, g, true)
				for _, y := range [][]float32{nil, out} {
					want := make([]float32, planes*hw)
					for i, v := range g {
						if y != nil && !(y[i] > 0) {
							v = 0
						}
						want[i/((h/2)*(w/2))*hw+int(arg[i])] += v
					}
					for name, f := range map[string]func(dx []float32){
						"MaxUnpool2x2": func(dx []float32) { MaxUnpool2x2(dx, g, arg, y, h, w) },
						"maxUnpool2x2Go": func(dx []float32) {
							maxUnpool2x2Go(dx, g, arg, y, h, w)
							for p := 0; p < planes; p++ { // what the exported function clears
								for r := 0; r < h; r++ {
									for c := 0; c < w; c++ {
										if r >= h/2*2 || c >= w/2*2 {
											dx[p*hw+r*w+c] = 0
										}
									}
								}
							}
						},
					} {
						buf := make([]float32, planes*hw+16)
						for i := range buf {
							buf[i] = float32(math.NaN())
						}
						f(buf[8 : 8+planes*hw])
						for i, v := range want {
							if math.Float32bits(buf[8+i]) != math.Float32bits(v) {
								t.Fatalf("%s %d×%d×%d, y %v: dx[%d] = %v, want %v", name, planes, h, w, y != nil, i, buf[8+i], v)
							}
						}
						for _, i := range []int{0, 7, 8 + planes*hw, len(buf) - 1} {
							if buf[i] == buf[i] {
								t.Fatalf("%s %d×%d×%d: wrote outside dx, at %d", name, planes, h, w, i-8)
							}
						}
					}
				}
			}
		}
	}
	for _, c := range []func(){
		func() { MaxUnpool2x2(make([]float32, 5), make([]float32, 1), make([]int32, 1), nil, 2, 2) },
		func() { MaxUnpool2x2(make([]float32, 4), make([]float32, 2), make([]int32, 1), nil, 2, 2) },
		func() {
			MaxUnpool2x2(make([]float32, 4), make([]float32, 1), make([]int32, 1), make([]float32, 2), 2, 2)
		},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			c()
		}()
	}
}

// BenchmarkMaxUnpool2x2 is the MNIST CNN's pooling backward: 64×64
// planes of 24×24, with the ReLU mask.
func BenchmarkMaxUnpool2x2(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	const planes, h, w = 64 * 64, 24, 24
	x := randSlice(r, planes*h*w)
	out, arg := make([]float32, planes*h*w/4), make([]int32, planes*h*w/4)
	MaxPool2x2(out, arg, x, h, w)
	g, dx := randSlice(r, len(out)), make([]float32, len(x))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		MaxUnpool2x2(dx, g, arg, out, h, w)
	}
}

func TestSum(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, n := range []int{0, 1, 7, 8, 9, 31, 32, 33, 100, 784, 1001} {
		x := randSlice(r, n)
		var want float64
		for _, v := range x {
			want += float64(v)
		}
		got, goGot := Sum(x), sumGo(x)
		if math.Float32bits(got) != math.Float32bits(goGot) {
			t.Fatalf("n=%d: Sum %v, portable loop %v: not the same bits", n, got, goGot)
		}
		if math.Abs(float64(got)-want) > 1e-5*float64(n+1) {
			t.Fatalf("n=%d: Sum %v, want %v", n, got, want)
		}
		poolInput(r, x, true) // zeros of both signs, ones, NaNs, −∞
		if got, goGot := Sum(x), sumGo(x); math.Float32bits(got) != math.Float32bits(goGot) {
			t.Fatalf("n=%d, special values: Sum %v, portable loop %v: not the same bits", n, got, goGot)
		}
	}
}

func TestAddScalarRows(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for _, rs := range [][3]int{{1, 1, 1}, {3, 7, 9}, {28, 28, 32}, {10, 10, 14}, {4, 17, 17}, {2, 40, 41}} {
		rows, n, stride := rs[0], rs[1], rs[2]
		src := randSlice(r, (rows-1)*stride+n)
		for _, f := range []func(dst, src []float32, rows, n, stride int, c float32){addScalarRows, addScalarRowsGo} {
			dst := make([]float32, rows*n+8) // guard after the rows
			for i := range dst {
				dst[i] = 42
			}
			if rows*n == len(dst)-8 {
				AddScalarRows(dst[:rows*n], src, n, stride, 0.25)
			}
			f(dst[:rows*n], src, rows, n, stride, 0.25)
			for row := 0; row < rows; row++ {
				for i := 0; i < n; i++ {
					if got, want := dst[row*n+i], src[row*stride+i]+0.25; got != want {
						t.Fatalf("%v: row %d element %d = %v, want %v", rs, row, i, got, want)
					}
				}
			}
			for _, v := range dst[rows*n:] {
				if v != 42 {
					t.Fatalf("%v: wrote past the rows", rs)
				}
			}
		}
	}
	defer func() {
		if recover() == nil {
			t.Fatal("AddScalarRows with a stride shorter than the rows did not panic")
		}
	}()
	AddScalarRows(make([]float32, 4), make([]float32, 8), 2, 1, 0)
}

// TestDropout checks the kernel against the Go loop bit for bit (the
// sizes straddle the kernel's blocks of 8; thresholds 0, 1, 2³¹, 2³²−1
// and 2³²; x with NaN, infinities and signed zeros), the Go loop against
// SplitMix64's definition (the sequence stepped, not indexed), that a
// slice started at an even element with first = offset/2 equals that part
// of the whole, and that a short operand or a threshold above 2³² panics.
func TestDropout(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	keep := math.Float32bits(1 / 0.75)
	for _, n := range []int{0, 1, 2, 7, 8, 9, 15, 16, 17, 33, 1000, 1001} {
		for _, threshold := range []uint64{0, 1, 1 << 31, 1<<32 - 1, 1 << 32, uint64(r.Uint32())} {
			key, first := r.Uint64(), r.IntN(1000)
			x := randSlice(r, n)
			for i := range x {
				if r.IntN(6) == 0 {
					x[i] = [...]float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Copysign(0, -1))}[r.IntN(3)]
				}
			}
			out, mask := make([]float32, n+1), make([]float32, n+1)
			out[n], mask[n] = 42, 42
			Dropout(out[:n], mask[:n], x, key, first, threshold, keep)
			if out[n] != 42 || mask[n] != 42 {
				t.Fatalf("n=%d: Dropout wrote past the end", n)
			}
			// The definition: SplitMix64 stepped from the key.
			state := key + uint64(first)*0x9e3779b97f4a7c15
			var draw uint64
			for i := 0; i < n; i++ {
				if i%2 == 0 {
					state += 0x9e3779b97f4a7c15
					z := state
					z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
					z = (z ^ (z >> 27)) * 0x94d049bb133111eb
					draw = z ^ (z >> 31)
				}
				u := uint64(uint32(draw >> (32 * (i % 2))))
				want := float32(0)
				if u >= threshold {
					want = math.Float32frombits(keep)
				}
				if math.Float32bits(mask[i]) != math.Float32bits(want) {
					t.Fatalf("n=%d threshold=%d: mask[%d] = %v, want %v", n, threshold, i, mask[i], want)
				}
				if p := x[i] * want; math.Float32bits(out[i]) != math.Float32bits(p) {
					t.Fatalf("n=%d threshold=%d: out[%d] = %v, want %v", n, threshold, i, out[i], p)
				}
			}
			if n > 10 { // a slice from element 10 on, as a goroutine's range
				o2, m2 := make([]float32, n-10), make([]float32, n-10)
				Dropout(o2, m2, x[10:], key, first+5, threshold, keep)
				for i := range o2 {
					if math.Float32bits(o2[i]) != math.Float32bits(out[10+i]) || m2[i] != mask[10+i] {
						t.Fatalf("n=%d: the slice from 10 differs at %d", n, i)
					}
				}
			}
		}
	}
	for _, f := range []func(){
		func() { Dropout(make([]float32, 4), make([]float32, 3), make([]float32, 4), 1, 0, 0, keep) },
		func() { Dropout(make([]float32, 4), make([]float32, 4), make([]float32, 4), 1, 0, 1<<32+1, keep) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("Dropout with a bad argument did not panic")
				}
			}()
			f()
		}()
	}
}

func BenchmarkDropout(b *testing.B) {
	x := randSlice(rand.New(rand.NewPCG(1, 2)), 64*9216)
	out, mask := make([]float32, len(x)), make([]float32, len(x))
	b.SetBytes(int64(len(x)) * 12)
	for b.Loop() {
		Dropout(out, mask, x, 7, 0, 1<<30, math.Float32bits(1/0.75))
	}
}

func BenchmarkDropoutGo(b *testing.B) {
	x := randSlice(rand.New(rand.NewPCG(1, 2)), 64*9216)
	out, mask := make([]float32, len(x)), make([]float32, len(x))
	b.SetBytes(int64(len(x)) * 12)
	for b.Loop() {
		dropoutGo(out, mask, x, 7, 0, 1<<30, math.Float32bits(1/0.75))
	}
}

// BenchmarkSum is the MNIST CNN's second bias gradient: 64×64 sums of
// 24×24 output-gradient planes.
func BenchmarkSum(b *testing.B) {
	x := randSlice(rand.New(rand.NewPCG(1, 2)), 64*64*576)
	var s float32
	for b.Loop() {
		for i := 0; i < len(x); i += 576 {
			s += Sum(x[i : i+576])
		}
	}
	if s == 1 {
		b.Log(s)
	}
}
