package sgemm

import (
	"runtime"
	"sync"

	"github.com/gokernel/gokernel/mlstd/internal/parallel"
)

// Blocking parameters. An MC×KC block of A stays in L2 and a packed KC×NR
// micro-panel of B in L1 while the micro-kernel computes MR×NR tiles of C in
// registers (MR and NR belong to the kernel, see kernelSpec).
const (
	kcMax = 256
	mcMax = 120
	ncMax = 2048
)

// parallelMin is the number of multiply-adds (m·n·k) from which a product is
// split across goroutines. It is high on purpose: on two cores shared with
// other processes a helper thread is often descheduled in the middle of its
// stripe, and the caller then waits for it; BenchmarkMNIST measured the
// 64×784·784×128 product at 75 GFLOP/s on one goroutine and 8–20 split in
// two under load. Products this large (≥ 2²⁴, e.g. 256×256×256) take
// milliseconds, long enough for the split to pay even so.
const parallelMin = 1 << 24

// smallMin is the number of multiply-adds per row of C (n·k) below which
// a plain loop beats packing. It does not depend on m, so that a row of A
// takes the same path, and gets the same bits, in any batch. x·Bᵀ takes
// the dot-product kernels at any size (they pack nothing): LeNet-5's
// 84→10 layer forward ran 5 % of its step in the plain loop's scalar
// strided reads (BenchmarkLeNet5Step -cpu 1, 4 alternated runs:
// 2.99–3.11 ms against 3.15–3.27).
const smallMin = 1024

// Gemm computes C = alpha·op(A)·op(B) + beta·C, where op(A) is m×k, op(B) is
// k×n and C is m×n, all row-major with row strides lda, ldb and ldc. op(X) is
// Xᵀ when the corresponding trans flag is set (then A is stored k×m, B n×k).
// When beta is zero C is not read. It panics when a dimension is negative or
// a slice or stride is too short.
func Gemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	ar, ac, br, bc := storedShapes(transA, transB, m, n, k)
	checkMat("a", a, ar, ac, lda)
	checkMat("b", b, br, bc, ldb)
	checkMat("c", c, m, n, ldc)
	gemm(transA, transB, m, n, k, alpha, a, lda, bMat{s: b, ld: ldb}, beta, c, ldc)
}

// GemmPacked is Gemm on one goroutine with B always packed into the
// kernel's panels, also for x·Bᵀ (transB without transA), which Gemm runs
// as dot products of rows. Packing pays for such a product when k is long
// and m and n are not thin: Winograd's filter gradient, 64×32 over 288
// tiles, ran at 93 GFLOP/s packed and 65 as dot products. The two paths
// round differently, so a caller must not rely on a row of the result
// having the same bits as Gemm's.
func GemmPacked(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	ar, ac, br, bc := storedShapes(transA, transB, m, n, k)
	checkMat("a", a, ar, ac, lda)
	checkMat("b", b, br, bc, ldb)
	checkMat("c", c, m, n, ldc)
	if m == 0 || n == 0 {
		return
	}
	if alpha == 0 || k == 0 || beta != 0 {
		scaleC(m, n, beta, c, ldc)
		if alpha == 0 || k == 0 {
			return
		}
	}
	blocked(pickSpec(m, n), transA, transB, m, n, k, alpha, a, lda, bMat{s: b, ld: ldb}, beta == 0, c, ldc)
}

// storedShapes checks the dimensions of op(A)·op(B) and returns the
// shapes A and B are stored in (rows, columns).
func storedShapes(transA, transB bool, m, n, k int) (ar, ac, br, bc int) {
	if m < 0 || n < 0 || k < 0 {
		panic("sgemm: negative dimension")
	}
	ar, ac = m, k
	if transA {
		ar, ac = k, m
	}
	br, bc = k, n
	if transB {
		br, bc = n, k
	}
	return ar, ac, br, bc
}

// GemmRows is Gemm with B given by where each of its rows starts in b
// instead of by a row stride: row i of B (k rows of n, or with transB n
// rows of k) is b[boff[i]:], and rows may overlap. A convolution's patch
// matrix is such a B over the input's planes, so a convolution runs as one
// product without the patch matrix being built (an implicit im2col). The
// result has the same bits as Gemm with the rows copied out. It panics
// when a dimension is negative, a row falls outside b, or a slice or
// stride is too short.
func GemmRows(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, boff []int, beta float32, c []float32, ldc int) {
	ar, ac, br, bc := storedShapes(transA, transB, m, n, k)
	checkMat("a", a, ar, ac, lda)
	checkMat("c", c, m, n, ldc)
	if len(boff) < br {
		panic("sgemm: fewer row offsets than rows of b")
	}
	if bc > 0 {
		for _, o := range boff[:br] {
			if o < 0 || o > len(b)-bc {
				panic("sgemm: row of b out of range")
			}
		}
	}
	gemm(transA, transB, m, n, k, alpha, a, lda, bMat{s: b, off: boff}, beta, c, ldc)
}

// bMat is the B operand: row i starts at s[start(i)], at i·ld or at off[i].
type bMat struct {
	s   []float32
	ld  int
	off []int // row offsets (GemmRows), or nil
}

func (b bMat) start(i int) int {
	if b.off != nil {
		return b.off[i]
	}
	return i * b.ld
}

// fromRow is B from row i on.
func (b bMat) fromRow(i int) bMat {
	if b.off != nil {
		b.off = b.off[i:]
	} else {
		b.s = b.s[i*b.ld:]
	}
	return b
}

// fromCol is B from column j on.
func (b bMat) fromCol(j int) bMat {
	b.s = b.s[j:]
	return b
}

// room reports whether rows p0 … p0+kc−1 of b, given by offsets, each
// have n elements in b.s.
func (b bMat) room(p0, kc, n int) bool {
	for _, o := range b.off[p0 : p0+kc] {
		if o+n > len(b.s) {
			return false
		}
	}
	return true
}

// row is B's row i, n long.
func (b bMat) row(i, n int) []float32 {
	o := b.start(i)
	return b.s[o : o+n]
}

// gemm is Gemm after the checks.
func gemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b bMat, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	// When beta is zero the blocked loop sets C with its first block of k
	// instead of adding to a C cleared first; the dot-product path (x·Bᵀ)
	// and the plain loop add.
	set := beta == 0 && (transA || !transB) && n*k >= smallMin
	if alpha == 0 || k == 0 || !set {
		scaleC(m, n, beta, c, ldc)
		if alpha == 0 || k == 0 {
			return
		}
	}
	if n*k < smallMin && (transA || !transB) {
		naive(transA, transB, m, n, k, alpha, a, lda, b, c, ldc)
		return
	}
	ks := pickSpec(m, n)
	workers := runtime.GOMAXPROCS(0)
	if workers < 2 || m*n*k < parallelMin {
		product(ks, transA, transB, m, n, k, alpha, a, lda, b, set, c, ldc)
		return
	}
	splitProduct(ks, workers, transA, transB, m, n, k, alpha, a, lda, b, set, c, ldc)
}

// product is C += alpha·op(A)·op(B) on one goroutine (C = … with set, on
// the blocked loop only): x·Bᵀ on the dot-product path, other products on
// the blocked loop.
func product(ks kernelSpec, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b bMat, set bool, c []float32, ldc int) {
	if !transA && transB {
		gemmNT(dotKernel, m, n, k, alpha, a, lda, b, c, ldc)
		return
	}
	blocked(ks, transA, transB, m, n, k, alpha, a, lda, b, set, c, ldc)
}

func checkMat(name string, x []float32, rows, cols, ld int) {
	if ld < max(1, cols) {
		panic("sgemm: bad ld" + name)
	}
	if rows > 0 && cols > 0 && len(x) < (rows-1)*ld+cols {
		panic("sgemm: " + name + " too short")
	}
}

// scaleC sets C = beta·C (C = 0 when beta is zero, without reading C).
func scaleC(m, n int, beta float32, c []float32, ldc int) {
	if beta == 1 {
		return
	}
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

// naive is C += alpha·op(A)·op(B) for tiny products.
func naive(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b bMat, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		crow := c[i*ldc : i*ldc+n]
		for p := 0; p < k; p++ {
			var av float32
			if transA {
				av = a[p*lda+i]
			} else {
				av = a[i*lda+p]
			}
			av *= alpha
			if transB {
				for j := range crow {
					crow[j] += av * b.s[b.start(j)+p]
				}
			} else {
				for j, bv := range b.row(p, n) {
					crow[j] += av * bv
				}
			}
		}
	}
}

// chunksPerWorker is how many stripes each goroutine's share is cut into,
// so that the caller can take over the share of a helper the OS has not
// scheduled yet (two shared cores).
const chunksPerWorker = 2

// splitProduct splits C into workers·chunksPerWorker stripes of columns
// (or rows), aligned to the register tile, and computes them on the
// calling goroutine and helpers that take stripes from a shared counter
// (internal/parallel.Run). The caller waits for the stripes, not for the
// helpers: a helper that starts late finds no work left and the product
// never waits on an idle thread. Columns are split
// when m ≤ n (A is read in place, so each stripe packs only its own part of
// B), rows otherwise (each stripe packs all of B, the smaller operand).
func splitProduct(ks kernelSpec, workers int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b bMat, set bool, c []float32, ldc int) {
	splitCols := m <= n
	dim, unit := m, ks.mr
	if splitCols {
		dim, unit = n, ks.nr
	}
	tiles := (dim + unit - 1) / unit
	chunks := min(workers*chunksPerWorker, tiles)
	if workers < 2 || chunks < 2 {
		product(ks, transA, transB, m, n, k, alpha, a, lda, b, set, c, ldc)
		return
	}
	parallel.Run(chunks, func(i int) {
		lo := tiles * i / chunks * unit
		hi := min(dim, tiles*(i+1)/chunks*unit)
		if splitCols {
			bs := b.fromCol(lo)
			if transB {
				bs = b.fromRow(lo)
			}
			product(ks, transA, transB, m, hi-lo, k, alpha, a, lda, bs, set, c[lo:], ldc)
		} else {
			aoff := lo * lda
			if transA {
				aoff = lo
			}
			product(ks, transA, transB, hi-lo, n, k, alpha, a[aoff:], lda, b, set, c[lo*ldc:], ldc)
		}
	})
}

type buffers struct {
	a, b []float32
	// Arrays the kernels write or read through pointers (local arrays
	// would escape through the kernel calls): partial C tiles, the
	// dot-product kernels' results and row pointers.
	edge [maxTile]float32
	dot  [16]float32
	ptrs [12]*float32
}

var bufPool = sync.Pool{New: func() any { return new(buffers) }}

func grow(s []float32, n int) []float32 {
	if cap(s) >= n {
		return s[:n]
	}
	return make([]float32, n)
}

// blocked is C += alpha·op(A)·op(B) on one goroutine: the GotoBLAS/BLIS loop
// nest over packed blocks of A and B. With set it is C = alpha·op(A)·op(B),
// C not read: the first block of k sets C's tiles (the kernels' set form)
// where a C cleared first would be added to, with the same bits.
func blocked(ks kernelSpec, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b bMat, set bool, c []float32, ldc int) {
	buf := bufPool.Get().(*buffers)
	defer bufPool.Put(buf)

	// Balanced block sizes: 784 splits as 4×196, not 3×256+16.
	kBlocks := (k + kcMax - 1) / kcMax
	kcStep := (k + kBlocks - 1) / kBlocks
	mBlocks := (m + mcMax - 1) / mcMax
	mr, nr := ks.mr, ks.nr
	mcStep := roundUp((m+mBlocks-1)/mBlocks, mr)
	ncStep := min(roundUp(n, nr), ncMax)

	buf.a = grow(buf.a, mr*kcStep)
	buf.b = grow(buf.b, ncStep*kcStep)
	edge := buf.edge[:mr*nr]

	// Full row panels of A are read in place (the kernel takes A's strides);
	// only a last panel of fewer than mr rows is copied, zero-padded.
	aRow, aStep := lda, 1
	if transA {
		aRow, aStep = 1, lda
	}
	// A row-major B whose row stride is an odd number of cache lines (or
	// not a whole number) is read in place too: its rows then fall in
	// distinct L1 sets. So are rows given by offsets (GemmRows), by the
	// kernel's rows form when it has one. Otherwise B is packed, all of it
	// or only a last panel narrower than nr.
	table := !transB && b.off != nil && ks.rows != nil
	direct := table || !transB && b.off == nil && (b.ld%16 != 0 || (b.ld/16)%2 == 1)
	for jc := 0; jc < n; jc += ncStep {
		nc := min(ncStep, n-jc)
		fullCols := 0
		if direct {
			fullCols = nc / nr * nr
		}
		for pc := 0; pc < k; pc += kcStep {
			kc := min(kcStep, k-pc)
			// Rows given by offsets are read in place in a last panel
			// narrower than nr too when each has nr columns of room in b
			// (the kernel's extra columns fall in the edge tile, dropped);
			// otherwise that panel is packed.
			inPlace := fullCols
			if fullCols < nc && table && b.room(pc, kc, jc+fullCols+nr) {
				inPlace = nc
			}
			if inPlace < nc {
				packB(transB, b, pc, kc, jc+fullCols, nc-fullCols, nr, buf.b)
			}
			for ic := 0; ic < m; ic += mcStep {
				mc := min(mcStep, m-ic)
				full := mc / mr * mr
				if full < mc {
					packAEdge(transA, a, lda, ic+full, mc-full, pc, kc, mr, buf.a)
				}
				for jr := 0; jr < nc; jr += nr {
					cols := min(nr, nc-jr)
					var bp *float32
					bs := nr
					var boff *int // B's rows at offsets from bp (table)
					switch {
					case jr >= inPlace:
						bp = &buf.b[((jr-fullCols)/nr)*kc*nr]
					case table:
						bp, boff = &b.s[jc+jr], &b.off[pc]
					default:
						bp, bs = &b.s[pc*b.ld+jc+jr], b.ld
					}
					first := set && pc == 0
					fn, w := ks.fn, nr // the kernel and its width
					if ks.half != nil && boff == nil && cols <= nr/2 {
						fn, w = ks.half, nr/2
					}
					kernel := func(ap *float32, ar, as int, cp *float32, ldc int) {
						if boff != nil {
							ks.rows(kc, ap, ar, as, bp, boff, cp, ldc, alpha, first)
						} else {
							fn(kc, ap, ar, as, bp, bs, cp, ldc, alpha, first)
						}
					}
					for ir := 0; ir < mc; ir += mr {
						rows := min(mr, mc-ir)
						coff := (ic+ir)*ldc + jc + jr
						ap, ar, as := &buf.a[0], 1, mr
						if rows == mr {
							ap, ar, as = &a[(ic+ir)*aRow+pc*aStep], aRow, aStep
						}
						if rows == mr && cols == w {
							kernel(ap, ar, as, &c[coff], ldc)
							continue
						}
						// A partial tile runs on a copy of its part of C,
						// so its elements get the same operations as in a
						// full tile (none is read for the first block when
						// setting).
						for r := 0; r < rows && !first; r++ {
							copy(edge[r*nr:r*nr+cols], c[coff+r*ldc:coff+r*ldc+cols])
						}
						kernel(ap, ar, as, &edge[0], nr)
						for r := 0; r < rows; r++ {
							copy(c[coff+r*ldc:coff+r*ldc+cols], edge[r*nr:r*nr+cols])
						}
					}
				}
			}
		}
	}
}

func roundUp(x, unit int) int { return (x + unit - 1) / unit * unit }
