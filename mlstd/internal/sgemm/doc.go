// Package sgemm is mlstd's single-precision matrix multiply: the one hot
// loop under tensor.MatMul and the Linear layer's forward and backward.
//
// Gemm computes C = alpha·op(A)·op(B) + beta·C on row-major float32 slices
// with BLAS sgemm semantics (op(X) is X or Xᵀ, lda/ldb/ldc are row strides).
// When beta is zero, C is overwritten without being read, so NaNs already in
// C do not propagate (as in reference BLAS).
package sgemm
