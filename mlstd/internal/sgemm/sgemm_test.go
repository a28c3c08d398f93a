package sgemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// refGemm is C = alpha·op(A)·op(B) + beta·C in float64, plus for each
// element the magnitude Σ|alpha·a·b| + |beta·c| that bounds float32 rounding.
func refGemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) (want, mag []float64) {
	want = make([]float64, len(c))
	mag = make([]float64, len(c))
	for i := range c {
		want[i] = float64(c[i])
	}
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s, g float64
			for p := 0; p < k; p++ {
				var av, bv float32
				if transA {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				if transB {
					bv = b[j*ldb+p]
				} else {
					bv = b[p*ldb+j]
				}
				s += float64(av) * float64(bv)
				g += math.Abs(float64(av) * float64(bv))
			}
			idx := i*ldc + j
			old := 0.0
			if beta != 0 {
				old = float64(beta) * float64(c[idx])
			}
			want[idx] = float64(alpha)*s + old
			mag[idx] = math.Abs(float64(alpha))*g + math.Abs(old)
		}
	}
	return want, mag
}

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64())
	}
	return s
}

type gemmCase struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	padA, padB     int // extra row stride beyond the stored width
	padC           int
}

// check runs one case through gemm and compares every element of C (also
// the padding between rows, which must stay untouched) with the reference.
func check(t *testing.T, r *rand.Rand, tc gemmCase, gemm func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)) {
	t.Helper()
	ar, ac := tc.m, tc.k
	if tc.transA {
		ar, ac = tc.k, tc.m
	}
	br, bc := tc.k, tc.n
	if tc.transB {
		br, bc = tc.n, tc.k
	}
	lda, ldb, ldc := max(1, ac+tc.padA), max(1, bc+tc.padB), max(1, tc.n+tc.padC)
	a := randSlice(r, max(0, (ar-1)*lda+ac))
	b := randSlice(r, max(0, (br-1)*ldb+bc))
	c := randSlice(r, max(0, (tc.m-1)*ldc+tc.n))
	if tc.beta == 0 {
		for i := range c {
			if i%3 == 0 {
				c[i] = float32(math.NaN()) // beta = 0 must not read C
			}
		}
	}
	want, mag := refGemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, c, ldc)
	orig := append([]float32(nil), c...)
	gemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, c, ldc)
	const eps = 1.0 / (1 << 23)
	for i := 0; i < tc.m; i++ {
		for j := 0; j < ldc && i*ldc+j < len(c); j++ {
			idx := i*ldc + j
			if j >= tc.n {
				if math.Float32bits(c[idx]) != math.Float32bits(orig[idx]) {
					t.Fatalf("%+v: padding C[%d,%d] changed from %v to %v", tc, i, j, orig[idx], c[idx])
				}
				continue
			}
			tol := 4*float64(tc.k+2)*eps*mag[idx] + 1e-30
			if d := math.Abs(float64(c[idx]) - want[idx]); !(d <= tol) {
				t.Fatalf("%+v: C[%d,%d] = %v, want %v (|diff| %g > tol %g)", tc, i, j, c[idx], want[idx], d, tol)
			}
		}
	}
}

var edgeSizes = []int{1, 2, 3, 5, 6, 7, 16, 17, 33, 63, 65, 130}

// forKernels runs f once per micro-kernel this CPU can run, forcing Gemm to
// use it.
func forKernels(t *testing.T, f func(t *testing.T)) {
	saved := pickSpec
	defer func() { pickSpec = saved }()
	for _, ks := range allSpecs() {
		pickSpec = func(int, int) kernelSpec { return ks }
		t.Run(ks.name, f)
	}
}

func TestGemmShapes(t *testing.T) {
	forKernels(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(1, 2))
		for _, ta := range []bool{false, true} {
			for _, tb := range []bool{false, true} {
				for _, m := range edgeSizes {
					for _, n := range []int{1, 3, 10, 16, 17, 31, 33} {
						for _, k := range []int{1, 4, 17, 63} {
							check(t, r, gemmCase{transA: ta, transB: tb, m: m, n: n, k: k, alpha: 1, beta: 0}, Gemm)
						}
					}
				}
			}
		}
	})
}

func TestGemmAlphaBetaStrides(t *testing.T) {
	forKernels(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(3, 4))
		for _, ta := range []bool{false, true} {
			for _, tb := range []bool{false, true} {
				for _, ab := range [][2]float32{{1, 1}, {0.5, -2}, {-1.5, 0}, {0, 3}, {2, 1}} {
					for _, pad := range []int{0, 3} {
						tc := gemmCase{transA: ta, transB: tb, m: 37, n: 45, k: 70, alpha: ab[0], beta: ab[1], padA: pad, padB: 2 * pad, padC: pad + 1}
						check(t, r, tc, Gemm)
					}
				}
			}
		}
	})
}

// TestGemmLarge covers several cache blocks in every dimension (k > kcMax,
// m > mcMax) and the MNIST shapes, through the parallel path too.
func TestGemmLarge(t *testing.T) {
	forKernels(t, testGemmLarge)
}

func testGemmLarge(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	cases := []gemmCase{
		{m: 64, n: 128, k: 784, transB: true},
		{m: 64, n: 128, k: 784},
		{m: 128, n: 784, k: 64, transA: true},
		{m: 784, n: 128, k: 64, transA: true},
		{m: 64, n: 10, k: 128, transB: true},
		{m: 10, n: 128, k: 64, transA: true},
		{m: 64, n: 128, k: 10},
		{m: 250, n: 300, k: 530, transA: true, transB: true, padA: 1, padB: 5, padC: 2},
		{m: 3, n: 2100, k: 20},
		{m: 2100, n: 3, k: 20, transA: true},
	}
	for _, tc := range cases {
		tc.alpha, tc.beta = 0.75, 0.5
		check(t, r, tc, Gemm)
		for _, w := range []int{2, 3} {
			check(t, r, tc, func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
				scaleC(m, n, beta, c, ldc)
				splitProduct(pickSpec(m, n), w, transA, transB, m, n, k, alpha, a, lda, bMat{s: b, ld: ldb}, false, c, ldc)
			})
		}
	}
}

// TestGemmRandom draws random shapes, transposes, scalars and strides.
func TestGemmRandom(t *testing.T) {
	forKernels(t, testGemmRandom)
}

func testGemmRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	scalars := []float32{0, 1, -1, 0.3, 2.5}
	for i := 0; i < 300; i++ {
		tc := gemmCase{
			transA: r.IntN(2) == 0, transB: r.IntN(2) == 0,
			m: r.IntN(90), n: r.IntN(90), k: r.IntN(300),
			alpha: scalars[r.IntN(len(scalars))], beta: scalars[r.IntN(len(scalars))],
			padA: r.IntN(3), padB: r.IntN(3), padC: r.IntN(3),
		}
		check(t, r, tc, Gemm)
	}
}

// TestGemmPacked checks GemmPacked against float64 products on the
// shapes where Gemm takes other paths (x·Bᵀ's dot products, the plain loop
// of tiny products) and on Winograd's filter gradient, with every kernel.
func TestGemmPacked(t *testing.T) {
	forKernels(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(9, 10))
		for _, tb := range []bool{false, true} {
			for _, ta := range []bool{false, true} {
				for _, tc := range []gemmCase{
					{m: 64, n: 32, k: 288}, {m: 3, n: 5, k: 7}, {m: 33, n: 17, k: 300},
					{m: 1, n: 40, k: 1}, {m: 17, n: 1, k: 65},
				} {
					tc.transA, tc.transB, tc.alpha, tc.beta, tc.padB = ta, tb, 0.75, 1, 3
					check(t, r, tc, GemmPacked)
				}
			}
		}
	})
}

// TestGemmRows checks that GemmRows gives the bits of Gemm on its rows
// copied out, with every kernel and transpose, for rows that overlap (as
// a convolution's patch rows do), are out of order or evenly spaced, on
// the plain loop's shapes, the blocked loop's, the dot-product path's and
// the parallel path's.
func TestGemmRows(t *testing.T) {
	shapes := []struct{ m, n, k int }{{3, 5, 7}, {17, 33, 63}, {64, 624, 288}, {288, 676, 64}, {32, 676, 576}, {64, 288, 624}, {300, 200, 400}}
	each := func(t *testing.T) {
		r := rand.New(rand.NewPCG(31, 32))
		for _, s := range shapes {
			for _, ta := range []bool{false, true} {
				for _, tb := range []bool{false, true} {
					lda := s.k
					if ta {
						lda = s.m
					}
					br, bc := s.k, s.n
					if tb {
						br, bc = s.n, s.k
					}
					a := randSlice(r, s.m*s.k)
					base := randSlice(r, 3*bc+br)
					for layout := range 3 {
						off := make([]int, br)
						for i := range off {
							switch layout {
							case 0: // overlapping, one apart (a patch matrix's taps)
								off[i] = i
							case 1: // anywhere
								off[i] = r.IntN(len(base) - bc + 1)
							case 2: // evenly spaced, like a stride
								off[i] = i * (bc + 2) % (len(base) - bc + 1)
							}
						}
						dense := make([]float32, br*bc)
						for i, o := range off {
							copy(dense[i*bc:(i+1)*bc], base[o:o+bc])
						}
						c0 := randSlice(r, s.m*s.n)
						want := append([]float32(nil), c0...)
						got := append([]float32(nil), c0...)
						Gemm(ta, tb, s.m, s.n, s.k, 0.5, a, lda, dense, bc, 1, want, s.n)
						GemmRows(ta, tb, s.m, s.n, s.k, 0.5, a, lda, base, off, 1, got, s.n)
						for i := range want {
							if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
								t.Fatalf("%v transA=%v transB=%v layout %d: C[%d] = %v, Gemm on the copied rows %v", s, ta, tb, layout, i, got[i], want[i])
							}
						}
					}
				}
			}
		}
	}
	forKernels(t, each)
	forDotKernels(t, each)
}

// TestBetaZeroSets checks that beta = 0, with which the blocked loop sets
// C by its first block of k instead of adding to a cleared C, gives the
// bits of beta = 1 on a C of zeros (the sign of a zero result too: A has a
// zero row and alpha is negative), reading none of C (it holds NaNs) and
// leaving its padding alone: with every kernel, B in place, packed or by
// row offsets, partial tiles, several blocks of k and the parallel path.
func TestBetaZeroSets(t *testing.T) {
	shapes := []struct{ m, n, k int }{{3, 5, 7}, {7, 40, 600}, {64, 32, 288}, {13, 33, 1000}, {64, 300, 1000}}
	forKernels(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(41, 42))
		for _, s := range shapes {
			for _, ta := range []bool{false, true} {
				for _, tb := range []bool{false, true} {
					lda, br, bc := s.k, s.k, s.n
					if ta {
						lda = s.m
					}
					if tb {
						br, bc = s.n, s.k
					}
					a := randSlice(r, s.m*s.k)
					for p := 0; p < s.k; p++ { // row 1 of op(A) is zero
						if ta {
							a[p*lda+min(1, s.m-1)] = 0
						} else {
							a[min(1, s.m-1)*lda+p] = 0
						}
					}
					ldb := bc + 1 + 16*r.IntN(2) // odd (read in place) or not
					b := randSlice(r, (br-1)*ldb+bc)
					off := make([]int, br)
					for i := range off {
						off[i] = i * ldb
					}
					ldc := s.n + 3
					for name, gemm := range map[string]func(beta float32, c []float32){
						"Gemm":       func(beta float32, c []float32) { Gemm(ta, tb, s.m, s.n, s.k, -0.5, a, lda, b, ldb, beta, c, ldc) },
						"GemmPacked": func(beta float32, c []float32) { GemmPacked(ta, tb, s.m, s.n, s.k, -0.5, a, lda, b, ldb, beta, c, ldc) },
						"GemmRows":   func(beta float32, c []float32) { GemmRows(ta, tb, s.m, s.n, s.k, -0.5, a, lda, b, off, beta, c, ldc) },
					} {
						want, got := make([]float32, s.m*ldc), make([]float32, s.m*ldc)
						for i := range got {
							if i%ldc >= s.n {
								want[i], got[i] = float32(i), float32(i) // padding
							} else {
								got[i] = float32(math.NaN())
							}
						}
						gemm(1, want)
						gemm(0, got)
						for i := range want {
							if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
								t.Fatalf("%s %v transA=%v transB=%v ldb %d: C[%d] = %v with beta 0, %v added to zeros", name, s, ta, tb, ldb, i, got[i], want[i])
							}
						}
					}
				}
			}
		}
	})
}

func TestGemmPanics(t *testing.T) {
	a := make([]float32, 6)
	for name, f := range map[string]func(){
		"negative":  func() { Gemm(false, false, -1, 2, 3, 1, a, 3, a, 2, 0, a, 2) },
		"short a":   func() { Gemm(false, false, 3, 2, 3, 1, a, 3, a, 2, 0, a, 2) },
		"bad ldb":   func() { Gemm(false, true, 2, 2, 3, 1, a, 3, a, 2, 0, a, 2) },
		"short c":   func() { Gemm(false, false, 2, 4, 1, 1, a, 1, a, 4, 0, a, 4) },
		"trans lda": func() { Gemm(true, false, 3, 2, 2, 1, a, 2, a, 2, 0, a, 2) },
		"rows few":  func() { GemmRows(false, false, 2, 2, 3, 1, a, 3, a, []int{0, 1}, 0, a, 2) },
		"rows out":  func() { GemmRows(false, false, 2, 2, 3, 1, a, 3, a, []int{0, 1, 5}, 0, a, 2) },
		"rows neg":  func() { GemmRows(false, true, 2, 2, 3, 1, a, 3, a, []int{0, -1}, 0, a, 2) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

func ExampleGemm() {
	// C = A·Bᵀ with A 2×3 and B 2×3 (so op(B) is 3×2).
	a := []float32{1, 2, 3, 4, 5, 6}
	b := []float32{1, 0, 1, 0, 1, 0}
	c := make([]float32, 4)
	Gemm(false, true, 2, 2, 3, 1, a, 3, b, 3, 0, c, 2)
	fmt.Println(c)
	// Output: [4 2 10 5]
}

// FuzzGemm checks random shapes, transposes, scalars and strides against
// the reference: go test -fuzz FuzzGemm ./mlstd/internal/sgemm/
func FuzzGemm(f *testing.F) {
	f.Add(false, true, uint8(64), uint8(10), uint16(128), int8(1), int8(0), uint8(0), uint64(1))
	f.Add(true, false, uint8(17), uint8(33), uint16(300), int8(-2), int8(3), uint8(5), uint64(2))
	f.Fuzz(func(t *testing.T, ta, tb bool, m, n uint8, k uint16, alpha, beta int8, pad uint8, seed uint64) {
		r := rand.New(rand.NewPCG(seed, 9))
		tc := gemmCase{transA: ta, transB: tb, m: int(m), n: int(n), k: int(k % 600),
			alpha: float32(alpha) / 4, beta: float32(beta) / 4,
			padA: int(pad % 7), padB: int(pad / 7 % 7), padC: int(pad / 49 % 5)}
		check(t, r, tc, Gemm)
	})
}
