package sgemm

// packA copies alpha·op(A)[i0:i0+mc, p0:p0+kc] into dst as ⌈mc/mr⌉ panels,
// each kc groups of mr consecutive rows (zero-padded), so the micro-kernel
// reads A sequentially.
func packA(trans bool, a []float32, lda, i0, mc, p0, kc int, alpha float32, dst []float32) {
	for ir := 0; ir < mc; ir += mr {
		rows := min(mr, mc-ir)
		d := dst[(ir/mr)*kc*mr : (ir/mr+1)*kc*mr]
		if trans {
			// op(A)[i][p] = a[p*lda+i]: each p gives rows contiguous values.
			for p := 0; p < kc; p++ {
				src := a[(p0+p)*lda+i0+ir : (p0+p)*lda+i0+ir+rows]
				dp := d[p*mr : p*mr+mr]
				for r, v := range src {
					dp[r] = alpha * v
				}
				clear(dp[rows:])
			}
			continue
		}
		if rows == mr {
			r0 := a[(i0+ir)*lda+p0 : (i0+ir)*lda+p0+kc]
			r1 := a[(i0+ir+1)*lda+p0 : (i0+ir+1)*lda+p0+kc]
			r2 := a[(i0+ir+2)*lda+p0 : (i0+ir+2)*lda+p0+kc]
			r3 := a[(i0+ir+3)*lda+p0 : (i0+ir+3)*lda+p0+kc]
			r4 := a[(i0+ir+4)*lda+p0 : (i0+ir+4)*lda+p0+kc]
			r5 := a[(i0+ir+5)*lda+p0 : (i0+ir+5)*lda+p0+kc]
			for p := range r0 {
				dp := d[p*mr : p*mr+mr : p*mr+mr]
				dp[0] = alpha * r0[p]
				dp[1] = alpha * r1[p]
				dp[2] = alpha * r2[p]
				dp[3] = alpha * r3[p]
				dp[4] = alpha * r4[p]
				dp[5] = alpha * r5[p]
			}
			continue
		}
		clear(d)
		for r := 0; r < rows; r++ {
			src := a[(i0+ir+r)*lda+p0 : (i0+ir+r)*lda+p0+kc]
			for p, v := range src {
				d[p*mr+r] = alpha * v
			}
		}
	}
}

// packB copies op(B)[p0:p0+kc, j0:j0+nc] into dst as ⌈nc/nr⌉ panels, each
// kc rows of nr consecutive columns (zero-padded).
func packB(trans bool, b []float32, ldb, p0, kc, j0, nc int, dst []float32) {
	for jr := 0; jr < nc; jr += nr {
		cols := min(nr, nc-jr)
		d := dst[(jr/nr)*kc*nr : (jr/nr+1)*kc*nr]
		if !trans {
			// op(B)[p][j] = b[p*ldb+j]: each p gives cols contiguous values.
			for p := 0; p < kc; p++ {
				off := (p0+p)*ldb + j0 + jr
				dp := d[p*nr : p*nr+nr]
				copy(dp, b[off:off+cols])
				clear(dp[cols:])
			}
			continue
		}
		// op(B)[p][j] = b[j*ldb+p]: column j of op(B) is row j of b.
		if cols < nr {
			clear(d)
		}
		for c := 0; c < cols; c++ {
			src := b[(j0+jr+c)*ldb+p0 : (j0+jr+c)*ldb+p0+kc]
			for p, v := range src {
				d[p*nr+c] = v
			}
		}
	}
}
