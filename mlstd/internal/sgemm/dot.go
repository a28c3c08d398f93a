package sgemm

import "unsafe"

// The x·Bᵀ path. A not transposed and B transposed is the Linear layer's
// forward pass (weights stored (out, in), as in PyTorch): both operands
// then run along k, so each element of C is a dot product of two
// contiguous rows, read in place, and nothing is packed. Every element is
// reduced in one order (see dot_amd64.s), whichever kernel, tile or batch
// computes it, so a row of A gets the same bits alone or in any batch.

// dotSpec is a set of dot-product kernels with one summation order.
type dotSpec struct {
	name string
	// row sets d[r] = Σ_{p<k} x[p]·w[r][p] for r < 8.
	row func(k int, x *float32, w *[8]*float32, d *[8]float32)
	// tile sets d[4i+j] = Σ_{p<k} x[i][p]·w[j][p] for i < rows, j < 4,
	// in row's order; rows is 0 when there is no tile kernel.
	tile func(k int, x *[4]*float32, w *[4]*float32, d *[16]float32)
	rows int
}

// dotKernel is the widest set of dot-product kernels the CPU runs:
// AVX-512F (16 lanes) or AVX2 (8 lanes) on amd64 (dot_amd64.s), else
// dotGoSpec. It depends on the CPU only, never on the product's shape.
var dotKernel = dotGoSpec

var dotGoSpec = dotSpec{name: "go", row: dotRowGo}

// dotRowGo is the portable row kernel: each element one sum in
// increasing p (four sums interleaved, for instruction-level parallelism).
func dotRowGo(k int, x *float32, w *[8]*float32, d *[8]float32) {
	xs := unsafe.Slice(x, k)
	row := func(r int) []float32 { return unsafe.Slice(w[r], k)[:len(xs)] } // the length proves w[r][p] in range
	for h := 0; h < 8; h += 4 {
		w0, w1, w2, w3 := row(h), row(h+1), row(h+2), row(h+3)
		var s0, s1, s2, s3 float32
		for p, v := range xs {
			s0 += v * w0[p]
			s1 += v * w1[p]
			s2 += v * w2[p]
			s3 += v * w3[p]
		}
		d[h], d[h+1], d[h+2], d[h+3] = s0, s1, s2, s3
	}
}

// dotBlockBytes bounds the bytes of B one pass over the rows of A reads,
// so that they stay in L2 while every tile of rows uses them.
const dotBlockBytes = 256 << 10

// gemmNT is C += alpha·A·Bᵀ (A m×k, B n×k, both row-major): tiles of
// ds.rows rows of A by 4 rows of B, then the remaining rows of A one at a
// time against 8 rows of B. A last group narrower than the kernel repeats
// B's last row and drops those results. Each result is added to C as
// c += alpha·d by addScaled, whichever kernel made it.
func gemmNT(ds dotSpec, m, n, k int, alpha float32, a []float32, lda int, b bMat, c []float32, ldc int) {
	buf := bufPool.Get().(*buffers)
	defer bufPool.Put(buf)
	defer clear(buf.ptrs[:]) // do not keep the operands alive
	xs, ws := (*[4]*float32)(buf.ptrs[:4]), (*[8]*float32)(buf.ptrs[4:12])
	tw := (*[4]*float32)(buf.ptrs[4:8])
	d := &buf.dot
	aRow := func(i int) *float32 { return &a[i*lda : i*lda+k][0] }
	nb := max(8, dotBlockBytes/(4*k)/8*8) // rows of B per block
	for j0 := 0; j0 < n; j0 += nb {
		j1 := min(n, j0+nb)
		bRow := func(j int) *float32 { return &b.row(min(j, j1-1), k)[0] }
		i := 0
		for ; ds.rows > 0 && i+ds.rows <= m; i += ds.rows {
			for r := 0; r < ds.rows; r++ {
				xs[r] = aRow(i + r)
			}
			for j := j0; j < j1; j += 4 {
				for q := range tw {
					tw[q] = bRow(j + q)
				}
				ds.tile(k, xs, tw, d)
				w := min(4, j1-j)
				for r := 0; r < ds.rows; r++ {
					addScaled(c[(i+r)*ldc+j:(i+r)*ldc+j+w], alpha, d[4*r:4*r+w])
				}
			}
		}
		for ; i < m; i++ {
			x := aRow(i)
			for j := j0; j < j1; j += 8 {
				for q := range ws {
					ws[q] = bRow(j + q)
				}
				ds.row(k, x, ws, (*[8]float32)(d[:8]))
				w := min(8, j1-j)
				addScaled(c[i*ldc+j:i*ldc+j+w], alpha, d[:w])
			}
		}
	}
}

// addScaled is c[q] += alpha·d[q], the one epilogue of gemmNT.
func addScaled(c []float32, alpha float32, d []float32) {
	d = d[:len(c)]
	for q := range c {
		c[q] += alpha * d[q]
	}
}
