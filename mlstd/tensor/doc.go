// Package tensor provides float32 n-dimensional arrays with reverse-mode
// automatic differentiation, the base of mlstd.
//
// Tensors are row-major and float32 (as PyTorch's default). Constructors are
// package functions (New, Zeros, ...); ops are methods that return new
// tensors and record, for tensors that require gradients, how to propagate
// gradients back (each op keeps its backward beside its forward).
// Shape misuse panics with a *ShapeError naming the op and both shapes; the
// notebook reports it as the cell's error.
package tensor
