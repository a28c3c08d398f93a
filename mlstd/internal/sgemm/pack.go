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
		if cols == nr {
			packBTransFull(b, ldb, (j0+jr)*ldb+p0, kc, d)
			continue
		}
		clear(d)
		for c := 0; c < cols; c++ {
			src := b[(j0+jr+c)*ldb+p0 : (j0+jr+c)*ldb+p0+kc]
			for p, v := range src {
				d[p*nr+c] = v
			}
		}
	}
}

// packBTransFull packs one full panel of nr columns of op(B) = bᵀ: it reads
// nr rows of b in step and writes each packed row of nr values at once.
func packBTransFull(b []float32, ldb, off, kc int, d []float32) {
	r0 := b[off : off+kc]
	r1 := b[off+1*ldb : off+1*ldb+kc]
	r2 := b[off+2*ldb : off+2*ldb+kc]
	r3 := b[off+3*ldb : off+3*ldb+kc]
	r4 := b[off+4*ldb : off+4*ldb+kc]
	r5 := b[off+5*ldb : off+5*ldb+kc]
	r6 := b[off+6*ldb : off+6*ldb+kc]
	r7 := b[off+7*ldb : off+7*ldb+kc]
	r8 := b[off+8*ldb : off+8*ldb+kc]
	r9 := b[off+9*ldb : off+9*ldb+kc]
	r10 := b[off+10*ldb : off+10*ldb+kc]
	r11 := b[off+11*ldb : off+11*ldb+kc]
	r12 := b[off+12*ldb : off+12*ldb+kc]
	r13 := b[off+13*ldb : off+13*ldb+kc]
	r14 := b[off+14*ldb : off+14*ldb+kc]
	r15 := b[off+15*ldb : off+15*ldb+kc]
	d = d[:kc*nr]
	for p := 0; p < kc; p++ {
		dp := (*[nr]float32)(d[p*nr : p*nr+nr])
		dp[0] = r0[p]
		dp[1] = r1[p]
		dp[2] = r2[p]
		dp[3] = r3[p]
		dp[4] = r4[p]
		dp[5] = r5[p]
		dp[6] = r6[p]
		dp[7] = r7[p]
		dp[8] = r8[p]
		dp[9] = r9[p]
		dp[10] = r10[p]
		dp[11] = r11[p]
		dp[12] = r12[p]
		dp[13] = r13[p]
		dp[14] = r14[p]
		dp[15] = r15[p]
	}
}
