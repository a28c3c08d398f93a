// Package dense holds the forward kernel of a fully connected layer on
// row-major float32 slices. It is the one implementation behind
// tensor.Linear and tensor.LinearReLU and behind nn.Plan's InferRows,
// which runs a model of Linear and ReLU layers without building tensors,
// so the two give the same bits by construction rather than by
// convention: the bias is written into each output row, the GEMM
// (mlstd/internal/sgemm) accumulates x·wᵀ onto it, and a fused ReLU runs
// in place (mlstd/internal/vec).
package dense
