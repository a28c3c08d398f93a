//go:build amd64 && !purego

package sgemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestAVX2AndAVX512Agree checks that the AVX2 and AVX-512 kernels give
// the same bits (both sum each element's products in k order with FMAs,
// in the same k blocks), with B in place, packed or by row offsets: so
// cpuSpec may choose between them by the number of rows m without a row
// of a product depending on how many others come with it (tensor's
// batch invariance).
func TestAVX2AndAVX512Agree(t *testing.T) {
	if !hasAVX512 {
		t.Skip("no AVX-512")
	}
	r := rand.New(rand.NewPCG(3, 4))
	for _, s := range []struct{ m, n, k int }{{6, 896, 25}, {16, 140, 150}, {64, 128, 784}, {10, 128, 64}, {7, 40, 600}, {13, 33, 1000}} {
		for _, ta := range []bool{false, true} {
			for _, form := range []string{"plain", "packed", "rows"} {
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
						blocked(ks, ta, false, s.m, s.n, s.k, 0.7, a, lda, b, false, out[i], s.n)
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
