package sgemm

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// The MNIST MLP's products (784-128-10, batch 64, weights stored (out, in)
// as in PyTorch): forward X·Wᵀ, backward dW = dYᵀ·X and dX = dY·W, plus the
// same shapes with the weights stored (in, out).
var mnistShapes = []struct {
	name           string
	transA, transB bool
	m, n, k        int
}{
	{"fwd1_64x784.128x784T", false, true, 64, 128, 784},
	{"fwd1_64x784.784x128", false, false, 64, 128, 784},
	{"dW1_128x64T.64x784", true, false, 128, 784, 64},
	{"dW1_784x64T.64x128", true, false, 784, 128, 64},
	{"fwd2_64x128.10x128T", false, true, 64, 10, 128},
	{"fwd2_64x128.128x10", false, false, 64, 10, 128},
	{"dW2_10x64T.64x128", true, false, 10, 128, 64},
	{"dX2_64x10.10x128", false, false, 64, 128, 10},
	{"dX2_64x10.128x10T", false, true, 64, 128, 10},
	{"square_512", false, false, 512, 512, 512},
}

type gemmFunc func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)

func gonumGemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	ta, tb := blas.NoTrans, blas.NoTrans
	if transA {
		ta = blas.Trans
	}
	if transB {
		tb = blas.Trans
	}
	blas32.Implementation().Sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

func serialGemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	scaleC(m, n, beta, c, ldc)
	blocked(pickSpec(n), transA, transB, m, n, k, alpha, a, lda, b, ldb, c, ldc)
}

func benchGemm(b *testing.B, f gemmFunc, transA, transB bool, m, n, k int) {
	r := rand.New(rand.NewPCG(1, 1))
	lda, ldb := k, n
	if transA {
		lda = m
	}
	if transB {
		ldb = k
	}
	x := randSlice(r, m*k)
	y := randSlice(r, k*n)
	z := make([]float32, m*n)
	b.ResetTimer()
	for b.Loop() {
		f(transA, transB, m, n, k, 1, x, lda, y, ldb, 0, z, n)
	}
	b.ReportMetric(2*float64(m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkMNIST reports GFLOP/s of gonum's blas32, of Gemm on one
// goroutine ("serial") and of Gemm as called (split across GOMAXPROCS).
func BenchmarkMNIST(b *testing.B) {
	for _, s := range mnistShapes {
		for _, impl := range []struct {
			name string
			f    gemmFunc
		}{{"gonum", gonumGemm}, {"serial-" + Backend(), serialGemm}, {fmt.Sprintf("gemm-%dp", runtime.GOMAXPROCS(0)), Gemm}} {
			b.Run(s.name+"/"+impl.name, func(b *testing.B) {
				benchGemm(b, impl.f, s.transA, s.transB, s.m, s.n, s.k)
			})
		}
	}
}
