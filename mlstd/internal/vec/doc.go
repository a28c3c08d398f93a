// Package vec holds compiled float32 element-wise kernels for mlstd's
// tensor ops, with AVX2 assembly on amd64 and portable Go elsewhere (build
// tag purego forces Go).
//
// ReLU and its backward pass are the first: the obvious Go loops branch on
// the sign of every element, which a CPU mispredicts about half the time on
// activations (9 ns per element here, BenchmarkReLUGo); the assembly is
// branch-free (VMAXPS and a compare mask) and moves 16 elements per
// iteration (0.3 ns per element).
//
// The others serve the convolutions' non-GEMM loops, which Go compiles to
// one scalar operation per element: Add (col2im's adds and gradient
// accumulation), AddScalar (a conv output row plus its bias), Sum (the
// bias gradient; 32 lanes reduced in a fixed order, so the bits do not
// depend on the kernel) and MaxPool2x2, 2×2 stride-2 max pooling with its
// argmax, eight windows per iteration: VSHUFPS splits each row into the
// windows' left and right columns, compares and blends replace the
// portable loop's integer-key arithmetic (3.0 against 11.3 ns per window
// on LeNet-5's 28-wide rows, BenchmarkMaxPool2x2 and
// BenchmarkMaxPool2x2Go), and the row's last windows use masked loads and
// stores rather than a scalar tail. Each kernel's result is the same bits
// as its portable loop (vec_test.go), NaN handling included.
package vec
