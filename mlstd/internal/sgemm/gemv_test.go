package sgemm

import (
	"math/rand/v2"
	"testing"
)

// TestGemvT checks the dot-product path for few-row x·Bᵀ products
// against the reference, with each dot4 kernel this CPU can run: widths
// below, at and past multiples of 4 (the overlapping last group), k with
// and without a multiple-of-8 vector part and tail, strides and scalars.
func TestGemvT(t *testing.T) {
	saved := dotKernel
	defer func() { dotKernel = saved }()
	for _, ds := range allDotSpecs() {
		dotKernel = ds
		t.Run(ds.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(11, 12))
			for m := 1; m <= gemvMaxM; m++ {
				for _, n := range []int{1, 2, 3, 4, 5, 7, 8, 9, 10, 128} {
					for _, k := range []int{0, 1, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 48, 63, 128, 784} {
						tc := gemmCase{transB: true, m: m, n: n, k: k, alpha: 1, beta: 0}
						if (m+n+k)%3 == 0 {
							tc.alpha, tc.beta, tc.padA, tc.padB, tc.padC = -0.5, 1.5, 1, 3, 2
						}
						check(t, r, tc, Gemm)
					}
				}
			}
		})
	}
}

// TestGemvTMatchesDot checks that each element is one dot product: a row
// of the batch gives the same bits as that row alone (the path does not
// depend on m within gemvMaxM), and the overlapping last group of a width
// that 4 does not divide gives the bits of a full group.
func TestGemvTMatchesDot(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	const n, k = 10, 784
	x, w := randSlice(r, gemvMaxM*k), randSlice(r, n*k)
	all := make([]float32, gemvMaxM*n)
	Gemm(false, true, gemvMaxM, n, k, 1, x, k, w, k, 0, all, n)
	for i := 0; i < gemvMaxM; i++ {
		one := make([]float32, n)
		Gemm(false, true, 1, n, k, 1, x[i*k:(i+1)*k], k, w, k, 0, one, n)
		for j := range one {
			var d [4]float32
			j0 := min(j/4*4, n-4)
			dot4(x[i*k:(i+1)*k], w[j0*k:], k, &d)
			if one[j] != all[i*n+j] || one[j] != d[j-j0] {
				t.Fatalf("row %d col %d: alone %v, in the batch %v, dot4 %v", i, j, one[j], all[i*n+j], d[j-j0])
			}
		}
	}
}
