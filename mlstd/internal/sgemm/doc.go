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
// It follows GotoBLAS/BLIS. C is first scaled by beta; then, for blocks of
// up to 256 steps of k (balanced, so k = 784 runs as 4×196) and up to 2048
// columns, op(B) is packed into panels of NR columns (zero-padded), each
// panel kc rows of NR consecutive floats, so a micro-kernel streams one
// panel from L1. A row-major B whose row stride is an odd number of cache
// lines (784 floats = 49 lines) is read in place instead, since its rows
// already fall in distinct L1 sets; only a last narrow panel is packed. Rows of op(A) are not packed: the micro-kernel takes A's
// strides (row-major, transposed, or a packed zero-padded edge panel when
// fewer than MR rows remain) and broadcasts its elements directly. alpha is
// applied when the tile is added to C. Bᵀ is packed by an AVX2 8×8
// transpose (pack_amd64.s), so the PyTorch layout x·Wᵀ is the fastest case.
//
// Micro-kernels, chosen once from the CPU (golang.org/x/sys/cpu):
//   - AVX-512F 8×32 (kernel512_amd64.s): 16 zmm accumulators, used when
//     n ≥ 24;
//   - AVX2+FMA 6×16 (kernel_amd64.s): 12 ymm accumulators, for narrow
//     products (n = 10 for MNIST's output layer) and CPUs without AVX-512;
//   - portable Go 6×16 (kernel_generic.go), for other CPUs and
//     architectures and under the purego build tag.
//
// Products x·Bᵀ of at most 7 rows (gemvMaxM: A not transposed, B
// transposed, the Linear layer's forward pass on a served request or a
// small batch) skip the blocked loop: packing all of B and running a
// 6- or 8-row register tile for one real row cost more than the product.
// Each element is then one dot product of a row of A with a row of B,
// both read in place, four rows of B at a time (dot4 kernels in
// gemv_amd64.s: AVX-512F 16-wide, else AVX2 8-wide; portable Go
// elsewhere). BenchmarkSmallM measured, for 784→128, 4.6–4.9 µs of CPU
// per one-row call against 35–37 µs blocked (×7.6; 6.6 µs with the AVX2
// kernel), ×4.2–4.4 at 2 rows, ×1.9 at 6, ×1.8–1.9 at 7 and ×0.85–0.87 at
// 8, where the AVX-512 tile is full. Summation order differs between the
// two paths, so a row's last bits depend on whether it is multiplied in a
// product of up to 7 rows or more (within the float32 rounding bound the
// tests check); on the dot-product path a row's result does not depend on
// the other rows (TestGemvTMatchesDot).
//
// Other products below 2048 multiply-adds run a plain loop. Products of at
// least 2²⁴ multiply-adds (not MNIST's, which stay on the calling
// goroutine; see parallelMin) are cut into 2·GOMAXPROCS stripes of columns
// (rows when m > n) that the caller and GOMAXPROCS−1 helper goroutines take
// from a shared counter; the caller waits for the stripes, never for a
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
package sgemm
