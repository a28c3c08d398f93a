package sgemm

import (
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// The MNIST MLP's products (784-128-10, batch 64, weights stored (out, in)
// as in PyTorch): forward X·Wᵀ, backward dW = dYᵀ·X and dX = dY·W, plus the
// same shapes with the weights stored (in, out).
var mnistShapes = []gemmShape{
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

// The MNIST CNN's fully connected 9216→128 layer (batch 64): forward
// X·Wᵀ, dW = dYᵀ·X, dX = dY·W.
var cnnFCShapes = []gemmShape{
	{"fwd_64x9216.128x9216T", false, true, 64, 128, 9216},
	{"dW_128x64T.64x9216", true, false, 128, 9216, 64},
	{"dX_64x128.128x9216", false, false, 64, 9216, 128},
}

type gemmShape struct {
	name           string
	transA, transB bool
	m, n, k        int
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
	product(pickSpec(m, n), transA, transB, m, n, k, alpha, a, lda, bMat{s: b, ld: ldb}, false, c, ldc)
}

// processCPU returns the process's CPU time, all threads (Linux
// CLOCK_PROCESS_CPUTIME_ID).
func processCPU() time.Duration {
	var ts syscall.Timespec
	const clockProcessCPUTimeID = 2
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockProcessCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0)
	return time.Duration(ts.Nano())
}

// BenchmarkMNIST reports, per MNIST shape, the GFLOP/s of Gemm as called,
// of Gemm forced onto one goroutine ("serial") and of gonum's blas32,
// interleaved call by call so that load from other processes falls on all
// alike, and the speed-up over gonum. Rates are by wall clock and, with
// the -cpu suffix, by the process's CPU time (all threads), which does not
// count time spent descheduled on a loaded machine.
func BenchmarkMNIST(b *testing.B) { benchShapes(b, mnistShapes) }

// BenchmarkCNNLinear is BenchmarkMNIST for the CNN's 9216→128 layer.
func BenchmarkCNNLinear(b *testing.B) { benchShapes(b, cnnFCShapes) }

// BenchmarkConv reports the GFLOP/s (by CPU time, one goroutine) of the
// three products of the MNIST CNN's (pytorch/examples) second convolution,
// 32→64 3×3 on 26×26, for one sample, in the wide form (24 output rows of
// the full width 26, L = 624 columns, K = 288 patch rows): forward
// Y = W·P, weight gradient dW = dY·Pᵀ and input gradient. "rows" reads the
// patch matrix P in place from the sample's planes (GemmRows; the input
// gradient as the transposed convolution, 32×(26·26) = W'·D with D's 576
// rows at offsets in the output gradient's planes), "col" multiplies P
// built by im2col as before (the input gradient as dP = Wᵀ·dY, 288×624,
// then added back by col2im, not timed). The two are interleaved call by
// call.
func BenchmarkConv(b *testing.B) {
	const c, o, h, kk = 32, 64, 26, 9
	const oh, K, L = h - 2, c * kk, (h - 2) * h
	r := rand.New(rand.NewPCG(1, 1))
	planes := randSlice(r, c*h*h+2) // the sample, with the wide form's tail
	taps := make([]int, 0, K)
	for ci := 0; ci < c; ci++ {
		for t := 0; t < kk; t++ {
			taps = append(taps, ci*h*h+t/3*h+t%3)
		}
	}
	col := make([]float32, K*L)
	for i, off := range taps {
		copy(col[i*L:(i+1)*L], planes[off:off+L])
	}
	// Output-gradient planes: 2·26+2 zeros before each (rounded to 64),
	// 2·26 after the last; rows of D at plane + 64 − ki·26 − kj.
	const front, stride = 64, 64 + L + 16
	dy := make([]float32, o*stride+2*h)
	dtaps := make([]int, 0, o*kk)
	for oc := 0; oc < o; oc++ {
		copy(dy[oc*stride+front:][:L], randSlice(r, L))
		for t := 0; t < kk; t++ {
			dtaps = append(dtaps, oc*stride+front-t/3*h-t%3)
		}
	}
	dyDense := make([]float32, o*L)
	for oc := 0; oc < o; oc++ {
		copy(dyDense[oc*L:(oc+1)*L], dy[oc*stride+front:][:L])
	}
	w, wt := randSlice(r, o*K), randSlice(r, c*o*kk)
	y, dw, dcol, dp := make([]float32, o*L), make([]float32, o*K), make([]float32, K*L), make([]float32, c*h*h)
	products := []struct {
		name              string
		rowsMACs, colMACs float64
		rows, col         func()
	}{
		{"fwd", o * L * K, o * L * K,
			func() { GemmRows(false, false, o, L, K, 1, w, K, planes, taps, 0, y, L) },
			func() { Gemm(false, false, o, L, K, 1, w, K, col, L, 0, y, L) }},
		{"dW", o * L * K, o * L * K,
			func() { GemmRows(false, true, o, K, L, 1, dy[front:], stride, planes, taps, 1, dw, K) },
			func() { Gemm(false, true, o, K, L, 1, dyDense, L, col, L, 1, dw, K) }},
		{"dX", c * h * h * o * kk, o * L * K,
			func() { GemmRows(false, false, c, h*h, o*kk, 1, wt, o*kk, dy, dtaps, 1, dp, h*h) },
			func() { Gemm(true, false, K, L, o, 1, w, K, dyDense, L, 0, dcol, L) }},
	}
	for _, p := range products {
		b.Run(p.name, func(b *testing.B) {
			var cpu [2]time.Duration
			for b.Loop() {
				t := processCPU()
				p.rows()
				t2 := processCPU()
				p.col()
				cpu[0] += t2 - t
				cpu[1] += processCPU() - t2
			}
			rate := func(macs float64, d time.Duration) float64 { return 2 * macs * float64(b.N) / d.Seconds() / 1e9 }
			b.ReportMetric(rate(p.rowsMACs, cpu[0]), "GFLOP/s-rows-cpu")
			b.ReportMetric(rate(p.colMACs, cpu[1]), "GFLOP/s-col-cpu")
			b.ReportMetric(float64(cpu[0])/float64(cpu[1]), "x-rows/col-cpu")
		})
	}
}

func benchShapes(b *testing.B, shapes []gemmShape) {
	for _, s := range shapes {
		b.Run(s.name, func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 1))
			lda, ldb := s.k, s.n
			if s.transA {
				lda = s.m
			}
			if s.transB {
				ldb = s.k
			}
			x := randSlice(r, s.m*s.k)
			y := randSlice(r, s.k*s.n)
			z := make([]float32, s.m*s.n)
			impls := []gemmFunc{Gemm, serialGemm, gonumGemm}
			var wall, cpu [3]time.Duration
			for b.Loop() {
				for i, f := range impls {
					t, c := time.Now(), processCPU()
					f(s.transA, s.transB, s.m, s.n, s.k, 1, x, lda, y, ldb, 0, z, s.n)
					cpu[i] += processCPU() - c
					wall[i] += time.Since(t)
				}
			}
			flop := 2 * float64(s.m*s.n*s.k) * float64(b.N)
			rate := func(d time.Duration) float64 { return flop / d.Seconds() / 1e9 }
			b.ReportMetric(rate(wall[0]), "GFLOP/s")
			b.ReportMetric(rate(wall[1]), "GFLOP/s-serial")
			b.ReportMetric(rate(wall[2]), "GFLOP/s-gonum")
			b.ReportMetric(rate(cpu[1]), "GFLOP/s-serial-cpu")
			b.ReportMetric(rate(cpu[2]), "GFLOP/s-gonum-cpu")
			b.ReportMetric(rate(wall[0])/rate(wall[2]), "x-gonum")
			b.ReportMetric(rate(cpu[1])/rate(cpu[2]), "x-gonum-cpu")
		})
	}
}

// BenchmarkSmallM compares, for the Linear forward product x·Wᵀ with W
// 128×784 and m rows of x, the dot-product path (gemmNT) with the blocked
// loop, interleaved (ten calls of each per iteration, so that load from
// other processes falls on both alike): µs per call by CPU time and the
// blocked loop's time over gemmNT's.
func BenchmarkSmallM(b *testing.B) {
	const n, k, calls = 128, 784, 10
	for _, m := range []int{1, 2, 4, 7, 8, 16, 64} {
		b.Run(fmt.Sprintf("m=%d", m), func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 1))
			x, w, z := randSlice(r, m*k), randSlice(r, n*k), make([]float32, m*n)
			var cpu [2]time.Duration
			for b.Loop() {
				c := processCPU()
				for range calls {
					gemmNT(dotKernel, m, n, k, 1, x, k, bMat{s: w, ld: k}, z, n)
				}
				c2 := processCPU()
				for range calls {
					blocked(pickSpec(m, n), false, true, m, n, k, 1, x, k, bMat{s: w, ld: k}, false, z, n)
				}
				cpu[0] += c2 - c
				cpu[1] += processCPU() - c2
			}
			us := func(d time.Duration) float64 { return d.Seconds() * 1e6 / float64(b.N*calls) }
			b.ReportMetric(us(cpu[0]), "µs-dot-cpu")
			b.ReportMetric(us(cpu[1]), "µs-blocked-cpu")
			b.ReportMetric(us(cpu[1])/us(cpu[0]), "x-blocked")
		})
	}
}

// BenchmarkLinear reports the CPU time of the Linear layer's forward
// product x·Wᵀ (the call a served request makes) for the MNIST MLP's two
// layers and batches of m rows: µs per call by CPU time, ten calls per
// iteration.
func BenchmarkLinear(b *testing.B) {
	const calls = 10
	for _, s := range []struct{ n, k int }{{128, 784}, {10, 128}} {
		for _, m := range []int{1, 2, 4, 7, 8, 16, 64} {
			b.Run(fmt.Sprintf("%dx%d/m=%d", s.n, s.k, m), func(b *testing.B) {
				r := rand.New(rand.NewPCG(1, 1))
				x, w, z := randSlice(r, m*s.k), randSlice(r, s.n*s.k), make([]float32, m*s.n)
				var cpu time.Duration
				for b.Loop() {
					c := processCPU()
					for range calls {
						Gemm(false, true, m, s.n, s.k, 1, x, s.k, w, s.k, 1, z, s.n)
					}
					cpu += processCPU() - c
				}
				b.ReportMetric(cpu.Seconds()*1e6/float64(b.N*calls), "µs-cpu")
			})
		}
	}
}

// BenchmarkConvLeNet times LeNet-5's convolution products for one sample
// as tensor.Conv2d calls them (GemmRows on the wide grid), in CPU µs and
// GFLOP/s on one goroutine: the first layer (1→6, 5×5, input padded to
// 32×32, 28 output rows) forward and weight gradient (its input needs no
// gradient) and the second (6→16, 5×5, 14×14, 10 output rows) forward,
// weight gradient and input gradient (the transposed convolution: 6
// channels × 196 by 400 rows of offsets in 16 output-gradient planes).
func BenchmarkConvLeNet(b *testing.B) {
	for _, l := range []struct {
		name             string
		c, o, hp, oh, kk int
		inputGrad        bool
	}{{"1", 1, 6, 32, 28, 5, false}, {"2", 6, 16, 14, 10, 5, true}} {
		c, o, hp, oh, kk := l.c, l.o, l.hp, l.oh, l.kk
		K, L, kt := c*kk*kk, oh*hp, o*kk*kk
		r := rand.New(rand.NewPCG(1, 1))
		// The buffers end with 32 elements of room, as tensor's (gemmRoom).
		planes := randSlice(r, c*hp*hp+kk-1+32)
		taps := make([]int, 0, K)
		for ci := 0; ci < c; ci++ {
			for t := 0; t < kk*kk; t++ {
				taps = append(taps, ci*hp*hp+t/kk*hp+t%kk)
			}
		}
		// Output-gradient planes with zeros before (front) and after.
		front := roundUp((kk-1)*hp+kk-1, 16)
		stride := roundUp(front+L, 16)
		dy := make([]float32, o*stride+(kk-1)*hp+32)
		dtaps := make([]int, 0, kt)
		for oc := 0; oc < o; oc++ {
			copy(dy[oc*stride+front:][:L], randSlice(r, L))
			for t := 0; t < kk*kk; t++ {
				dtaps = append(dtaps, oc*stride+front-t/kk*hp-t%kk)
			}
		}
		w, wt := randSlice(r, o*K), randSlice(r, c*kt)
		y, dw, dx := make([]float32, o*L), make([]float32, o*K), make([]float32, c*hp*hp)
		products := []struct {
			name string
			macs int
			f    func()
		}{
			{"fwd", o * L * K, func() { GemmRows(false, false, o, L, K, 1, w, K, planes, taps, 0, y, L) }},
			{"dW", o * L * K, func() { GemmRows(false, true, o, K, L, 1, dy[front:], stride, planes, taps, 1, dw, K) }},
		}
		if l.inputGrad {
			products = append(products, struct {
				name string
				macs int
				f    func()
			}{"dX", c * hp * hp * kt, func() { GemmRows(false, false, c, hp*hp, kt, 1, wt, kt, dy, dtaps, 1, dx, hp*hp) }})
		}
		for _, p := range products {
			b.Run(l.name+"/"+p.name, func(b *testing.B) {
				var cpu time.Duration
				for b.Loop() {
					t := processCPU()
					p.f()
					cpu += processCPU() - t
				}
				b.ReportMetric(cpu.Seconds()*1e6/float64(b.N), "cpu-µs/op")
				b.ReportMetric(2*float64(p.macs)*float64(b.N)/cpu.Seconds()/1e9, "GFLOP/s-cpu")
			})
		}
	}
}
