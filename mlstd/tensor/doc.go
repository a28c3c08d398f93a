// Package tensor provides float32 n-dimensional arrays with reverse-mode
// automatic differentiation, the base of mlstd.
//
// Tensors are row-major and float32 (PyTorch's default). Constructors are
// package functions (New, Zeros, Ones, Full, Arange, Linspace, Eye,
// FromRows, FromFloat64, FromDense, Rand/Randn with an explicit seed, or an
// *RNG); ops are methods that return new tensors and record, for tensors
// that require gradients, how to propagate gradients back. Each op keeps
// its backward beside its forward as a closure.
//
//	w := tensor.Randn(1, 3, 2).SetRequiresGrad(true)
//	y := tensor.Ones(4, 3).MatMul(w).ReLU().Sum()
//	y.Backward()
//	w.Grad() // dy/dw
//
// # Broadcasting
//
// Add, Sub, Mul and Div broadcast like NumPy and PyTorch (trailing
// dimensions align; size 1 stretches); backward sums the gradient back
// down to each operand's shape. The common case of a full tensor and a
// repeated row (a bias) runs without materialising the row.
//
// # Shapes
//
// Reshape, View, Flatten, Unsqueeze and Slice share storage with their
// input; T, Transpose, Permute, Rows and Cat copy. Reductions come in two
// forms: Sum, Mean and Max reduce everything to a scalar, SumAxis, MeanAxis,
// MaxAxis, MinAxis, VarAxis and StdAxis reduce one axis (keepDim keeps it
// as size 1). Argmax returns Go ints; At reads one element.
//
// # Convolution and pooling
//
// Conv2d (F.conv2d: NCHW input, (out, in, kH, kW) filters, stride, zero
// padding and dilation per axis), MaxPool2d, AvgPool2d and
// AdaptiveAvgPool2d follow PyTorch's definitions, floor rounding and
// defaults (count_include_pad for AvgPool2d). Conv2d multiplies each
// sample's patch matrix by the filters with the sgemm kernel. With stride
// 1 (most CNNs' layers) the patch matrix is the wide form: the sample is
// zero-padded once and the output computed over the full padded width, so
// that each patch row is one contiguous run of the padded planes, which
// the product reads in place (sgemm.GemmRows, an implicit im2col: no patch
// matrix is built); the extra columns are dropped as the output is written
// with its bias (and ReLU, in the fused Conv2dReLU). The weight gradient
// reads the same rows; the input gradient is the transposed convolution,
// one product over the output gradient's planes read the same way, so it
// is summed in registers instead of added back from a patch-matrix
// gradient (col2im). Other strides unfold the patch matrix (im2col) and
// fold its gradient back (col2im).
//
// 3×3 convolutions with stride and dilation 1 and at least 8 channels in
// and out (the MNIST CNN's second layer, VGG's and ResNet's) run in one of
// Winograd's forms instead (winograd.go), for the forward, the input
// gradient and the filters' gradient: F(4×4, 3×3), 36 multiply-adds per
// 4×4 output tile and pair of channels in place of 144, or F(2×2, 3×3),
// 16 per 2×2 tile in place of 36, whichever needs fewer for the output's
// size (F(4×4) for square outputs from 7×7 on). The tile transforms are in
// AVX2 assembly (mlstd/internal/wino). Results differ from the direct form's
// by float32 rounding, F(4×4)'s by up to ~5e-6 of the output's root mean
// square (its points 0, ±1, 2, −½ were chosen for that: Lavin's 0, ±1,
// ±2 gave 2.5× more); conv_test.go holds all forms to PyTorch within
// 1e-5 of the larger of the value and the root mean square. The CNN's
// second layer took 41–45 ms of CPU forward and backward per batch of 64
// in F(2×2), against 55–57 direct (go test -bench ConvCNN2).
//
// The memory beyond input and output is a few per-sample buffers per
// goroutine whatever the batch. Batches with more than 2²¹ multiply-adds
// are cut into 16 fixed ranges of samples that the calling goroutine and
// GOMAXPROCS−1 helpers take in turn; samples are independent, so a sample
// gets the same bits alone or in any batch, and the weight and bias
// gradients are summed per range and the ranges added in order, so they
// get the same bits however the ranges were scheduled and whatever
// GOMAXPROCS.
// MaxPool2d keeps each window's argmax for the backward, only when the
// input needs a gradient; 2×2 windows with stride 2 are found without
// branches. conv_test.go compares every op forward and backward with
// PyTorch's on stride, padding and dilation corners and random shapes;
// conv_bench_test.go times LeNet-5's and the MNIST CNN's layers.
//
// BatchNorm (F.batch_norm over axis 1 of (N, C, …)) accumulates its
// statistics in float64 like PyTorch's CPU kernel and updates the running
// statistics in place in training mode (unbiased variance, as torch).
//
// # Fused ops
//
// Linear (x·wᵀ + b, the bias preloaded into the GEMM's output),
// LinearReLU, Conv2dReLU, MaxPool2dReLU (ReLU commutes with the maximum,
// so it runs on the pooled output), CrossEntropy (log-softmax + NLL,
// keeping the probabilities for the backward), NLLLoss, MSE, BCEWithLogits and Dropout (mask and
// product in one op, the mask from the buffer pool) are single ops with
// hand-written backwards. All matrix products, forward and backward, go
// through the internal sgemm kernel with transposition flags (dW = dYᵀ·X,
// dX = dY·W) accumulating straight into the gradients, never through
// explicit transposes. Element-wise loops run on one core, except max
// pooling on large tensors, which internal/parallel splits by plane among
// goroutines with the same bits on any number of cores; memory-bound
// loops (products, adds) and dropout's vector kernel do not get faster on
// a second core.
//
// Rows do not see their batch: MatMul, Linear and LinearReLU give each row
// of x the same bits whether it is multiplied alone or with any number of
// other rows, at any position (sgemm reduces every element in an order
// fixed by k, the output width and the CPU), and the element-wise and
// per-row ops (softmax, log-softmax over the last axis) never mix rows. So
// a model served with dynamic batching answers a request the same in any
// batch. Results still differ between CPUs with different kernels (AVX-512,
// AVX2, portable Go), within float32 rounding.
//
// # Checks
//
// Every op's backward is compared with finite differences
// (gradcheck_test.go) and every op's forward and backward with PyTorch's on
// the same float32 inputs within 1e-5 relative (torch_test.go, which runs
// testdata/torch_ref.py with Debian's /usr/bin/python3; it skips when torch
// is missing unless GOKERNEL_REQUIRE_CLIENTS=1). String is compared with
// torch's str.
//
// # Gradients
//
// Backward on a scalar accumulates into Grad of every tensor that requires
// gradients and frees the graph (PyTorch's retain_graph=False): going
// through a freed part of a graph again panics, as it raises in PyTorch.
// NoGrad(f) runs f without recording, on the calling goroutine only: the
// convenience for cells (torch.no_grad()). x.Inference() makes an
// inference tensor instead (torch.inference_mode's): every op with one
// among its inputs returns one and records nothing, so a model run on it
// builds no graph with no per-goroutine lookup. mlstd's own evaluation
// runs models that way (nn.Infer). An op asks whether recording is on
// only when some input requires gradients and none is an inference
// tensor; Linear then builds its backward closure, not before.
//
// Memory: the gradients of intermediate tensors (which Backward drops) and
// ops' backward scratch are recycled through per-length sync.Pools
// (pool.go), and so are the hidden activations that nn.Sequential declares
// private (internal/scratch; without a graph they are recycled as soon as
// the next layer has run). A step of the MNIST MLP leaves ~39 KB of
// garbage through the bare ops (BenchmarkMLPStep; 115 KB before) and
// ~6.5 KB through nn.Sequential. That matters because the Go heap grows by
// as much as its live size (a 219 MB data set) before a collection, and
// that headroom was most of a training process's peak RSS. Ops whose
// gradient passes through unchanged (Reshape, AddScalar) or masked (ReLU,
// Dropout) hand their output's gradient to their input, rather than a
// copy, when Backward would drop it; products write a fresh gradient with
// beta 0 rather than clearing it first.
//
// # Errors
//
// Shape misuse panics with a *ShapeError naming the op and both shapes; the
// notebook reports it as the cell's error. String prints like PyTorch,
// including grad_fn/requires_grad and summarisation past 1000 elements.
package tensor
