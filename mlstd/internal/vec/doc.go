// Package vec holds compiled float32 element-wise kernels for mlstd's
// tensor ops, with AVX2 assembly on amd64 and portable Go elsewhere (build
// tag purego forces Go).
//
// ReLU and its backward pass are the first: the obvious Go loops branch on
// the sign of every element, which a CPU mispredicts about half the time on
// activations (9 ns per element here, BenchmarkReLUGo); the assembly is
// branch-free (VMAXPS and a compare mask) and moves 16 elements per
// iteration (0.3 ns per element).
package vec
