package sgemm

import "unsafe"

// gemvMaxM is the largest m for which x·Bᵀ (A not transposed, B
// transposed: the Linear layer's forward pass) runs as dot products of
// A's rows with B's rows instead of the blocked loop. The blocked loop
// packs (transposes) all of B on every call and its register tile has
// 6 or 8 rows, so a product of one or a few rows pays for the whole tile;
// the dot products read each row of B in place, once per row of A.
// BenchmarkSmallM measured the crossover (see doc.go).
const gemvMaxM = 7

// gemvT is C += alpha·A·Bᵀ for m ≤ gemvMaxM rows of A: each element of C
// is one dot product of a row of A with a row of B (both contiguous), four
// rows of B at a time.
func gemvT(m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	var d [4]float32
	for i := 0; i < m; i++ {
		x := a[i*lda : i*lda+k]
		crow := c[i*ldc : i*ldc+n]
		if n < 4 {
			for j := range crow {
				crow[j] += alpha * dotGo(x, b[j*ldb:j*ldb+k])
			}
			continue
		}
		for j := 0; j < n; j += 4 {
			// The last group overlaps the previous one when 4 does not
			// divide n; its already computed elements are skipped.
			j0 := min(j, n-4)
			dot4(x, b[j0*ldb:], ldb, &d)
			for r := j - j0; r < 4; r++ {
				crow[j0+r] += alpha * d[r]
			}
		}
	}
}

// dot4 sets d[r] = Σ_p x[p]·w[r*ldw+p] for r < 4, p < len(x): the vector
// kernel (dotKernel) for the first multiple of its step, then the rest.
func dot4(x, w []float32, ldw int, d *[4]float32) {
	k := len(x)
	if k == 0 {
		*d = [4]float32{}
		return
	}
	_ = w[3*ldw+k-1]
	kv := k / dotKernel.step * dotKernel.step
	if kv > 0 {
		dotKernel.fn(kv, &x[0], &w[0], ldw, d)
	} else {
		*d = [4]float32{}
	}
	for p := kv; p < k; p++ {
		v := x[p]
		d[0] += v * w[p]
		d[1] += v * w[ldw+p]
		d[2] += v * w[2*ldw+p]
		d[3] += v * w[3*ldw+p]
	}
}

// dotSpec is a dot4 kernel: d[r] = Σ_{p<k} x[p]·w[r*ldw+p] for r < 4,
// where k is a multiple of step.
type dotSpec struct {
	name string
	step int
	fn   func(k int, x, w *float32, ldw int, d *[4]float32)
}

// dotKernel is the widest dot4 kernel the CPU runs: AVX-512F or AVX2 on
// amd64 (gemv_amd64.s), else dotGoSpec.
var dotKernel = dotGoSpec

var dotGoSpec = dotSpec{"go", 1, dot4Go}

// dot4Go is the portable dot4 kernel.
func dot4Go(k int, x, w *float32, ldw int, d *[4]float32) {
	xs := unsafe.Slice(x, k)
	ws := unsafe.Slice(w, 3*ldw+k)
	var s0, s1, s2, s3 float32
	for p, v := range xs {
		s0 += v * ws[p]
		s1 += v * ws[ldw+p]
		s2 += v * ws[2*ldw+p]
		s3 += v * ws[3*ldw+p]
	}
	*d = [4]float32{s0, s1, s2, s3}
}

// dotGo is Σ x[p]·y[p].
func dotGo(x, y []float32) float32 {
	y = y[:len(x)]
	var s float32
	for p, v := range x {
		s += v * y[p]
	}
	return s
}
