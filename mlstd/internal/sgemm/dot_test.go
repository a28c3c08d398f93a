package sgemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// forDotKernels runs f once per set of dot-product kernels this CPU can
// run, forcing the x·Bᵀ path to use it.
func forDotKernels(t *testing.T, f func(t *testing.T)) {
	saved := dotKernel
	defer func() { dotKernel = saved }()
	for _, ds := range allDotSpecs() {
		dotKernel = ds
		t.Run(ds.name, f)
	}
}

// TestGemmNT checks the x·Bᵀ path against the reference with each set of
// dot-product kernels: rows below, at and past the tile's, widths below,
// at and past the kernels' 4 and 8 (the repeated last row of B), k with
// and without a whole number of vector steps and a partial one, strides
// and scalars; called directly, since Gemm sends the smallest products to
// the plain loop.
func TestGemmNT(t *testing.T) {
	nt := func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
		scaleC(m, n, beta, c, ldc)
		gemmNT(dotKernel, m, n, k, alpha, a, lda, bMat{s: b, ld: ldb}, c, ldc)
	}
	forDotKernels(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(11, 12))
		for _, m := range []int{1, 2, 3, 4, 5, 7, 8, 9, 17} {
			for _, n := range []int{1, 2, 3, 4, 5, 7, 8, 9, 10, 17, 128} {
				for _, k := range []int{1, 7, 8, 9, 15, 16, 17, 31, 33, 128, 784} {
					tc := gemmCase{transB: true, m: m, n: n, k: k, alpha: 1, beta: 0}
					if (m+n+k)%3 == 0 {
						tc.alpha, tc.beta, tc.padA, tc.padB, tc.padC = -0.5, 1.5, 1, 3, 2
					}
					check(t, r, tc, nt)
				}
			}
		}
		check(t, r, gemmCase{transB: true, m: 70, n: 300, k: 2000, alpha: 1, beta: 1}, nt) // several blocks of B
	})
}

// TestBatchInvariant checks that a row of op(A)·op(B) gets the same bits
// whatever the batch it is computed in and its position there: for every
// batch size B = 1…64 and several offsets, rows o…o+B-1 computed alone
// equal the same rows of the 64-row product, bitwise, with every
// combination of transposes, each micro-kernel and each set of dot-product
// kernels, the plain loop's shapes and the parallel path.
func TestBatchInvariant(t *testing.T) {
	shapes := []struct{ n, k int }{{128, 784}, {10, 128}, {17, 33}, {5, 100}, {40, 1000}, {3, 5}}
	each := func(t *testing.T, ta, tb bool, portable bool) {
		r := rand.New(rand.NewPCG(21, 22))
		for _, s := range shapes {
			if portable && s.n*s.k > 40*1000 {
				continue // the portable kernels are slow; smaller shapes cover them
			}
			for _, alpha := range []float32{1, 0.7} {
				t.Run(fmt.Sprintf("%dx%d/alpha=%v", s.n, s.k, alpha), func(t *testing.T) {
					batchInvariant(t, r, ta, tb, s.n, s.k, alpha)
				})
			}
		}
	}
	t.Run("dot", func(t *testing.T) {
		forDotKernels(t, func(t *testing.T) { each(t, false, true, dotKernel.name == "go") })
	})
	t.Run("blocked", func(t *testing.T) {
		forKernels(t, func(t *testing.T) {
			for _, ta := range []bool{false, true} {
				for _, tb := range []bool{false, true} {
					if !ta && tb {
						continue // the dot-product path, above
					}
					t.Run(fmt.Sprintf("ta=%v/tb=%v", ta, tb), func(t *testing.T) { each(t, ta, tb, pickSpec(0, 0).name == "go") })
				}
			}
		})
	})
}

func batchInvariant(t *testing.T, r *rand.Rand, transA, transB bool, n, k int, alpha float32) {
	const m = 64
	lda, ldb, ldc := k+1, k+2, n+3
	if transA {
		lda = m + 1
	}
	if !transB {
		ldb = n + 2
	}
	a := randSlice(r, m*lda+k*lda) // room for either layout
	b := randSlice(r, (k+n)*ldb)
	bias := randSlice(r, n)
	// rowsOf returns op(A)'s rows o… (the same operand with an offset).
	rowsOf := func(o int) []float32 {
		if transA {
			return a[o:]
		}
		return a[o*lda:]
	}
	run := func(o, rows int, gemm gemmFunc) []float32 {
		c := make([]float32, rows*ldc)
		for i := 0; i < rows; i++ {
			copy(c[i*ldc:i*ldc+n], bias)
		}
		gemm(transA, transB, rows, n, k, alpha, rowsOf(o), lda, b, ldb, 1, c, ldc)
		return c
	}
	full := run(0, m, Gemm)
	par := run(0, m, func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
		splitProduct(pickSpec(m, n), 2, transA, transB, m, n, k, alpha, a, lda, bMat{s: b, ld: ldb}, false, c, ldc)
	})
	same := func(what string, got []float32, gi, o int) {
		t.Helper()
		for j := 0; j < n; j++ {
			g, w := got[gi*ldc+j], full[(o+gi)*ldc+j]
			if math.Float32bits(g) != math.Float32bits(w) {
				t.Fatalf("%s: row %d col %d is %v (%08x), %v (%08x) in the 64-row product", what, o+gi, j, g, math.Float32bits(g), w, math.Float32bits(w))
			}
		}
	}
	for i := 0; n*k >= smallMin && i < m; i++ { // Gemm runs smaller rows on the plain loop at any m
		same("parallel", par, i, 0)
	}
	for rows := 1; rows <= m; rows++ {
		for _, o := range []int{m - rows, rows * 7 % (m - rows + 1)} {
			got := run(o, rows, Gemm)
			for i := 0; i < rows; i++ {
				same(fmt.Sprintf("batch of %d at %d", rows, o), got, i, o)
			}
		}
	}
}
