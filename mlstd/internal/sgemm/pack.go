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
func packB(trans bool, b bMat, p0, kc, j0, nc, nr int, dst []float32) {
	for jr := 0; jr < nc; jr += nr {
		cols := min(nr, nc-jr)
		d := dst[(jr/nr)*kc*nr : (jr/nr+1)*kc*nr]
		if !trans {
			// op(B)[p][j] = b[p*ldb+j]: each p gives cols contiguous values.
			for p := 0; p < kc; p++ {
				off := b.start(p0+p) + j0 + jr
				dp := d[p*nr : p*nr+nr]
				copy(dp, b.s[off:off+cols])
				clear(dp[cols:])
			}
			continue
		}
		// op(B)[p][j] = b[j*ldb+p]: column j of op(B) is row j of b,
		// transposed 8 columns at a time when rows are evenly spaced.
		c := 0
		for ; b.off == nil && c+8 <= cols; c += 8 {
			pack8Cols(b.s, b.ld, (j0+jr+c)*b.ld+p0, kc, d[c:], nr)
		}
		if c == nr {
			continue
		}
		for p := 0; p < kc; p++ {
			clear(d[p*nr+c : p*nr+nr])
		}
		for ; c < cols; c++ {
			src := b.fromRow(j0+jr+c).fromCol(p0).row(0, kc)
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

// pack8Cols writes 8 columns of op(B) = bᵀ (8 rows of b from off, kc long)
// into d with row stride nr: 8×8 blocks in assembly when available, the
// rest in Go.
func pack8Cols(b []float32, ldb, off, kc int, d []float32, nr int) {
	_ = b[off+7*ldb+kc-1]
	_ = d[(kc-1)*nr+7]
	p0 := 0
	if pack8Trans != nil && kc >= 8 {
		pack8Trans(&b[off], ldb, kc/8, &d[0], nr)
		p0 = kc / 8 * 8
	}
	for r := 0; r < 8; r++ {
		src := b[off+r*ldb+p0 : off+r*ldb+kc]
		for i, v := range src {
			d[(p0+i)*nr+r] = v
		}
	}
}
