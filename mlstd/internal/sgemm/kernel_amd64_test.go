//go:build amd64 && !purego

package sgemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// TestAVX2AndAVX512Agree checks that the AVX2 and AVX-512 kernels give
// the same bits (both sum each element's products in k order with FMAs,
// in the same k blocks), with B in place, packed or by row offsets: so
// cpuSpec may choose between them by the number of rows m without a row
// of a product depending on how many others come with it (tensor's
// batch invariance). The AVX-512 kernel's last panels of at most 16
// columns run on its half kernel (n = 72, 40, 33, 48, 140).
func TestAVX2AndAVX512Agree(t *testing.T) {
	if !hasAVX512 {
		t.Skip("no AVX-512")
	}
	r := rand.New(rand.NewPCG(3, 4))
	for _, s := range []struct{ m, n, k int }{{6, 896, 25}, {16, 140, 150}, {64, 128, 784}, {10, 128, 64}, {7, 40, 600}, {13, 33, 1000}, {64, 72, 32}, {9, 48, 70}} {
		for _, ta := range []bool{false, true} {
			for _, form := range []string{"plain", "packed", "rows", "set"} {
				t.Run(fmt.Sprintf("%dx%dx%d/ta=%v/%s", s.m, s.n, s.k, ta, form), func(t *testing.T) {
					a := randSlice(r, s.m*s.k)
					lda := s.k
					if ta {
						lda = s.m
					}
					b := bMat{s: randSlice(r, s.k*(s.n+32)), ld: s.n + 1} // odd stride: read in place
					switch form {
					case "packed":
						b.ld = (s.n + 31) / 32 * 32 // whole even number of cache lines: packed
					case "rows":
						b.off = make([]int, s.k)
						for i := range b.off {
							b.off[i] = r.IntN(len(b.s) - s.n)
						}
					}
					c0 := randSlice(r, s.m*s.n)
					var out [2][]float32
					for i, ks := range []kernelSpec{specAVX2, specAVX512} {
						out[i] = append([]float32(nil), c0...)
						blocked(ks, ta, false, s.m, s.n, s.k, 0.7, a, lda, b, form == "set", out[i], s.n)
					}
					for i := range out[0] {
						if math.Float32bits(out[0][i]) != math.Float32bits(out[1][i]) {
							t.Fatalf("element %d: AVX2 %v, AVX-512 %v", i, out[0][i], out[1][i])
						}
					}
				})
			}
		}
	}
}

// BenchmarkHalfKernel reports the CPU time of the three products of the
// MNIST CNN's second convolution in Winograd's F(4×4) form (one of its 36
// per set of two samples: 72 columns of tiles, 32 channels in, 64 out),
// on the AVX-512 kernel with and without its 8×16 half kernel for the
// last panel of 8 columns, interleaved call by call.
func BenchmarkHalfKernel(b *testing.B) {
	if !hasAVX512 {
		b.Skip("no AVX-512")
	}
	const cols, c, o = 72, 32, 64
	r := rand.New(rand.NewPCG(1, 2))
	for _, s := range []gemmShape{
		{"fwd_64x32.32x72", false, false, o, cols, c},
		{"dV_64x32T.64x72", true, false, c, cols, o},
		{"dU_64x72.32x72T", false, true, o, c, cols},
	} {
		b.Run(s.name, func(b *testing.B) {
			lda, ldb := s.k, s.n
			if s.transA {
				lda = s.m
			}
			if s.transB {
				ldb = s.k
			}
			ldb = max(ldb, 80) | 16 // an odd number of cache lines, as Winograd's planes
			a := randSlice(r, s.m*s.k+lda)
			bm := bMat{s: randSlice(r, s.k*ldb+ldb*s.n), ld: ldb}
			out := make([]float32, s.m*s.n)
			noHalf := specAVX512
			noHalf.half = nil
			var t [2]time.Duration
			for b.Loop() {
				for i, ks := range []kernelSpec{specAVX512, noHalf} {
					c0 := processCPU()
					for range 50 {
						blocked(ks, s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, bm, true, out, s.n)
					}
					t[i] += processCPU() - c0
				}
			}
			per := func(d time.Duration) float64 { return d.Seconds() * 1e6 / float64(50*b.N) }
			b.ReportMetric(per(t[0]), "half-cpu-µs")
			b.ReportMetric(per(t[1]), "full-cpu-µs")
			b.ReportMetric(per(t[1])/per(t[0]), "speedup")
		})
	}
}
