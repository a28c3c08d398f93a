// Package sgemm is mlstd's single-precision matrix multiply: the one hot
// loop under tensor.MatMul and the Linear layer's forward and backward.
//
// Gemm computes C = alpha·op(A)·op(B) + beta·C on row-major float32 slices
// with BLAS sgemm semantics (op(X) is X or Xᵀ, lda/ldb/ldc are row strides).
// When beta is zero, C is overwritten without being read, so NaNs already in
// C do not propagate (as in reference BLAS).
//
// # Design
//
// It follows GotoBLAS/BLIS. C is first scaled by beta (with beta = 0 the
// blocked loop does not clear C: the kernels' set form stores the first
// block of k's tiles, with the bits of a cleared C added to; clearing took
// 1.1 ms of CPU per 51 ms training step of the MNIST CNN); then, for blocks of
// up to 256 steps of k (balanced, so k = 784 runs as 4×196) and up to 2048
// columns, op(B) is packed into panels of NR columns (zero-padded), each
// panel kc rows of NR consecutive floats, so a micro-kernel streams one
// panel from L1. A row-major B whose row stride is an odd number of cache
// lines (784 floats = 49 lines) is read in place instead, since its rows
// already fall in distinct L1 sets; only a last narrow panel is packed.
// Rows of op(A) are not packed: the micro-kernel takes A's strides (row-major, transposed, or a packed zero-padded edge panel when
// fewer than MR rows remain) and broadcasts its elements directly. alpha is
// applied when the tile is added to C. Bᵀ (in Aᵀ·Bᵀ) is packed by an AVX2
// 8×8 transpose (pack_amd64.s).
//
// Micro-kernels, chosen once from the CPU (golang.org/x/sys/cpu):
//   - AVX-512F 8×32 (kernel512_amd64.s): 16 zmm accumulators, used when
//     n ≥ 24 and 8-row tiles leave no more rows empty than 6-row ones;
//   - AVX2+FMA 6×16 (kernel_amd64.s): 12 ymm accumulators, for narrow
//     products (n = 10 for MNIST's output layer), for m = 6, 10, 12, 84, …
//     (LeNet-5's 6 filters and 6 input channels: 1.6–1.75× faster than
//     8-row tiles, see cpuSpec) and CPUs without AVX-512. The two give the
//     same bits (TestAVX2AndAVX512Agree), so choosing by m keeps a row's
//     result independent of its batch;
//   - portable Go 6×16 (kernel_generic.go), for other CPUs and
//     architectures and under the purego build tag.
//
// GemmRows is Gemm with B given by the offset of each of its rows in one
// slice instead of a row stride, rows that may overlap: a convolution's
// patch matrix over a sample's (padded) planes, whose row for kernel tap
// (ci, ki, kj) is the plane of ci from ki·width + kj on (an implicit
// im2col; see mlstd/tensor's convolution). The blocked loop reads such
// rows in place with the kernels' rows forms (kernel8x32RowsAVX512,
// kernel6x16RowsAVX2: the same FMAs in the same order, B's next row taken
// from a table of offsets instead of a stride further), the portable
// kernel from packed panels; the x·Bᵀ path below takes row pointers
// anyway. So GemmRows gives the bits of Gemm on the rows copied out
// (TestGemmRows) without the copy: for the MNIST CNN's 32→64 3×3 layer
// that copy was a 288×624 matrix (719 KB, more than half of L2) written
// per sample and per pass, and its gradient one added back.
//
// Products x·Bᵀ (A not transposed, B transposed: the Linear layer's
// forward pass, weights stored (out, in)) skip the blocked loop at every
// size: both operands run along k, so each element is a dot product of two
// rows read in place and nothing is packed (packing all of B for a served
// request of one row cost more than the product). Register tiles of 4
// rows of A by 4 rows of B (AVX-512F, 16 lanes; AVX2 2×4, 8 lanes;
// dot_amd64.s) cover the batch, and the rows left over, or a batch of one,
// run against 8 rows of B at a time (the portable Go kernel, dotRowGo,
// always does); B is walked in blocks that stay in L2.
//
// Other products with fewer than 1024 multiply-adds per row (n·k) run a
// plain loop. Products of at least 2²⁴ multiply-adds (not MNIST's, which stay on the calling
// goroutine; see parallelMin) are cut into 2·GOMAXPROCS stripes of columns
// (rows when m > n) that the caller and GOMAXPROCS−1 helper goroutines take
// from a shared counter (mlstd/internal/parallel.Run); the caller waits for the stripes, never for a
// helper the OS has not scheduled, which matters on two shared cores.
// Packing buffers come from a sync.Pool, so steady-state calls do not
// allocate. No cgo.
//
// GOKERNEL_SGEMM=avx2 or GOKERNEL_SGEMM=go in the environment limits the
// kernels (for measurements). Backend reports the kernels in use.
//
// Measured on this project's 2.8 GHz Xeon with go test -bench MNIST, one
// goroutine, GFLOP/s by CPU time (the machine was shared and loaded; wall
// figures were up to 2× lower): x·Wᵀ 64×784·(128×784)ᵀ 85–95, the same with
// W stored (in, out) 72–81, dW = dYᵀ·X 70–82, square 512 76–86, the
// 64×128·128×10 layer's products 14–39; gonum's blas32 on the same shapes
// 5–11 (a 7–15× speed-up on the large shapes).
//
// The MNIST CNN's 32→64 3×3 layer, one sample (go test -bench Conv,
// GFLOP/s by CPU time, one goroutine, load average 7, AMD EPYC Zen 4):
// forward 106 with the patch rows read by offset (GemmRows) against 104
// for the same product on a built patch matrix, weight gradient 92
// against 91, input gradient as the transposed convolution 102 (8 % more
// multiply-adds) against 98 for Wᵀ·dY before col2im; square 512 98 in
// the same run. So the rows forms cost nothing, and what they save is
// the patch matrix's copies.
//
// # Batch invariance
//
// A row of C gets the same bits whatever the number of rows m of the
// product, the row's position among them, and whether the product is split
// across goroutines: each element's reduction over k is done in one order
// that depends on k, n and the CPU only. On the x·Bᵀ path every kernel
// (tile or row, full or with a repeated last row of B) sums an element
// lane by lane with one FMA chain per lane, a last partial step loaded
// zero-filled, then the lanes by one fixed tree, and adds alpha times the
// sum to C in one Go function (addScaled). The blocked loop's order is
// already per element (one FMA chain per kc block, blocks fixed by k, the
// kernel fixed by n); a partial tile of C runs on a copy of C's
// elements, so it gets the same operations as a full one, and the plain
// loop for the smallest products is chosen by n·k, not m·n·k. The
// kernels are chosen by the CPU (and n), never by m. TestBatchInvariant
// checks batches of 1…64 rows at several offsets against the 64-row
// product, bitwise, for every kernel and transpose. The orders of
// different CPUs (AVX-512 against AVX2 or portable Go) differ, within
// float32 rounding.
//
// BenchmarkLinear and BenchmarkSmallM (the x·Wᵀ path against the blocked
// loop for the same product, interleaved) measured on this project's AMD
// EPYC (Zen 4), by CPU time, at load average 7–19, for 784→128: 4.4–4.6 µs
// per one-row call (4.4–4.8 with the previous dot4 kernels, which were not
// batch-invariant), 8.5 µs for 4 rows (17.2–17.8 before), 33 for 16
// (41–43) and 137–138 for 64 (129–139 blocked; BenchmarkSmallM: the
// blocked loop 6.3–6.6× slower at 1 row, 1.8× at 7, 1.2× at 16, 0.95–0.99×
// at 64); the 64×784·(128×784)ᵀ product 92–93 GFLOP/s against 89–99
// blocked, the 64×128·(10×128)ᵀ one 39–41 against 29–29.4. Training the
// MNIST MLP (mnistbench, 3 epochs, five runs each interleaved) took
// 0.340–0.357 CPU s/epoch against 0.327–0.350 before.
package sgemm
