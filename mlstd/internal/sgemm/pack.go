package sgemm

// packAEdge copies the rows×kc block op(A)[i0:i0+rows, p0:p0+kc] (rows < mr)
// into dst as kc groups of mr values, zero-padded, the layout the kernel
// reads with aRow 1 and aStep mr. Full panels of A are not packed: the
// kernel reads them in place.
func packAEdge(trans bool, a []float32, lda, i0, rows, p0, kc, mr int, dst []float32) {
	d := dst[:kc*mr]
	clear(d)
	for r := 0; r < rows; r++ {
		for p := 0; p < kc; p++ {
			if trans {
				d[p*mr+r] = a[(p0+p)*lda+i0+r]
			} else {
				d[p*mr+r] = a[(i0+r)*lda+p0+p]
			}
		}
	}
}

// packB copies op(B)[p0:p0+kc, j0:j0+nc] into dst as ⌈nc/nr⌉ panels, each
// kc rows of nr consecutive columns (zero-padded), so the kernel streams
// one panel from L1 per tile.
func packB(trans bool, b []float32, ldb, p0, kc, j0, nc, nr int, dst []float32) {
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
		c := 0
		for ; c+16 <= cols; c += 16 {
			pack16Trans(b, ldb, (j0+jr+c)*ldb+p0, kc, d[c:], nr)
		}
		if c == cols {
			continue
		}
		for p := 0; p < kc; p++ {
			clear(d[p*nr+c : p*nr+nr])
		}
		for ; c < cols; c++ {
			src := b[(j0+jr+c)*ldb+p0 : (j0+jr+c)*ldb+p0+kc]
			for p, v := range src {
				d[p*nr+c] = v
			}
		}
	}
}

// pack8Trans, when set (amd64 with AVX2), transposes blocks 8×8 tiles: 8
// rows of b from src (stride ldb) into 8·blocks rows of 8 values at dst
// (stride nr).
var pack8Trans func(src *float32, ldb, blocks int, dst *float32, nr int)

// pack16Trans writes 16 columns of op(B) = bᵀ (16 rows of b from off, kc
// long) into d with row stride nr.
func pack16Trans(b []float32, ldb, off, kc int, d []float32, nr int) {
	_ = b[off+15*ldb+kc-1]
	_ = d[(kc-1)*nr+15]
	p0 := 0
	if pack8Trans != nil && kc >= 8 {
		pack8Trans(&b[off], ldb, kc/8, &d[0], nr)
		pack8Trans(&b[off+8*ldb], ldb, kc/8, &d[8], nr)
		p0 = kc / 8 * 8
	}
	if p0 == kc {
		return
	}
	// The rest in Go: read the 16 rows in step, write 16 values at once.
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
	for p := p0; p < kc; p++ {
		dp := (*[16]float32)(d[p*nr : p*nr+16])
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
