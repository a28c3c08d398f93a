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
// The others serve the convolutions' and other layers' loops, which Go
// compiles to one scalar operation per element: Add (col2im's adds and
// gradient accumulation), Mul (element-wise products: tensor's Mul and
// dropout's backward, which took dropout on 590k elements, forward and
// backward, from 1.29–1.49 to 1.07–1.20 ms of CPU; BenchmarkDropoutCNN in
// mlstd/tensor), Dropout (tensor.Dropout's mask and product: SplitMix64
// four draws at a time, each 64-bit multiply made of three 32×32-bit
// VPMULUDQ, two decisions per draw compared as integers; 0.20 ms for
// 64×9216 elements against 0.81 for the Go loop, BenchmarkDropout[Go]),
// AddScalarRows (a conv channel's output rows, taken from the product's
// wider rows, plus the bias, in one call), Sum (the bias gradient; 32
// lanes reduced in a fixed order, so the bits do not depend on the
// kernel; the AVX2 kernel reduces them in registers, which took the MNIST
// CNN's 4096 sums of 576 from 167–224 µs to 107–148, BenchmarkSum) and MaxPool2x2, 2×2 stride-2 max pooling of
// whole planes with its argmax, eight windows per iteration: VSHUFPS
// splits each row into the windows' left and right columns, compares and
// blends replace the portable loop's integer-key arithmetic, and a row's
// last block runs over into the next row's windows (rewritten after)
// rather than taking a scalar tail; only the end of the output takes
// masked loads and stores. On LeNet-5's first activations (64×6 planes of
// 28×28) that is 0.76–1.06 ns per window against 14.5–15.5 for the
// portable loop (go test -bench MaxPool2x2 -count 3, load 8; a row at a
// time with masked tails it was 3.0). MaxUnpool2x2 is its backward into a
// gradient not yet written: eight windows' gradients spread over their
// 2×2 elements by four compares of the maximum's offset and two
// interleaves, every element written once (the ReLU's mask of
// MaxPool2dReLU on the way); a row's last block moves back to end at the
// row's end rather than using masked stores, which are slow on AMD (with
// them it lost to clearing and scattering). On the MNIST CNN's 64×64
// planes of 24×24, forward and backward (mlstd/tensor's
// BenchmarkMaxPoolReLUCNNStep, -cpu 1, six alternated runs, loaded
// machine) took 1.74–2.32 ms of CPU against 2.36–3.22 clearing the
// gradient, masking and scattering; the store of 9.4 MB bounds it. Rows
// narrower than a block (LeNet-5's second pooling) keep the portable
// clear-and-scatter loop. Each kernel's result is the same bits as its
// portable loop (vec_test.go), NaN handling included.
package vec
