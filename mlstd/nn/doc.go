// Package nn holds neural-network layers, containers and losses built on
// package tensor, named after PyTorch's torch.nn.
//
// A Module maps a batch to a batch (Forward) and owns parameters
// (Parameters); layers that name their parameters implement Named, which
// export and checkpoints use for PyTorch state-dict keys ("0.weight").
// Layers with buffers — state saved with the model but not trained, such
// as BatchNorm's running_mean, running_var and num_batches_tracked —
// implement Buffered; StateDict lists parameters and buffers together in
// torch's state_dict order and names, so a torch state dict maps one to
// one.
//
//	nn.Seed(42)                                   // reproducible initial weights
//	model := nn.NewSequential(nn.NewLinear(784, 128), nn.NewReLU(), nn.NewLinear(128, 10))
//	loss := nn.CrossEntropy(model.Forward(x), labels)
//
// Layers: Linear (Weight (out, in) and Bias (out), initialised like
// torch.nn.Linear: U(−1/√in, 1/√in) for both), ReLU, Sigmoid, Tanh,
// Softmax, LogSoftmax, Dropout, Flatten; convolutional layers on NCHW
// batches: Conv2d (initialised like torch.nn.Conv2d: U(−1/√fanIn, 1/√fanIn)
// with fanIn = in·k², for weight and bias), MaxPool2d, AvgPool2d and
// AdaptiveAvgPool2d; BatchNorm1d and BatchNorm2d (running statistics,
// momentum, eps and train/eval behaviour as torch's; the running
// statistics are buffers, not Parameters), Dropout2d (whole channels);
// containers: Sequential (with the slice form NewSequentialFrom, and its
// Plan) and NewMLP. Train and Eval switch modes (the dropouts and the batch norms
// care). Losses are functions returning scalar tensors: CrossEntropy
// (fused log-softmax), NLLLoss, BCEWithLogits, the regression
// losses MSE, L1 and Huber (checked against torch.nn.functional), and the
// explicit penalties L2Penalty (λ/2m Σθ²) and L1Penalty. Summary returns a
// per-layer parameter table that prints as text and renders as HTML.
//
// PyTorch's keyword arguments become an options struct whose zero value is
// torch's default: nn.NewConv2d(1, 6, 5, nn.Conv2dOptions{Padding: 2}) is
// nn.Conv2d(1, 6, 5, padding=2), nn.NewMaxPool2d(2, nn.Pool2dOptions{}) is
// nn.MaxPool2d(2). A layer given an input of the wrong shape panics with an
// error naming the layer and the shape ("nn.Conv2d(1→32, 3×3): input
// [64 784] is not NCHW …"), not the tensor op underneath.
//
// Custom layers: any type with Forward and Parameters is a Module, also one
// defined in a notebook cell; put it in a model with
// NewSequentialFrom([]nn.Module{...}) or Add (the interpreter cannot pass
// cell-defined values through NewSequential's variadic parameter).
//
// Randomness: NewLinear, NewConv2d and Dropout draw from one package generator, reset
// by Seed; NewLinearRNG and Conv2dOptions.RNG take an explicit *tensor.RNG
// instead. There are no
// exported variables.
//
// Inference: a Sequential compiles its layers into a Plan when it is made
// and at each Add (a Linear or Conv2d followed by a ReLU fused into one
// step, Flatten a view, an evaluation-mode Dropout passed over, other
// modules run as they are). Forward runs the plan, recording the graph as
// the ops do; Infer(m, x) runs a model without recording anything by
// handing it x.Inference() (tensor's inference tensors: the switch travels
// with the data, no per-goroutine lookup as tensor.NoGrad needs), and a
// plan of Linear and ReLU layers runs on plain rows (Plan.InferRows,
// through the same kernels, mlstd/internal/dense and vec, with recycled
// activation buffers). mlstd's evaluation (train, metrics), export's
// checks and serve's answers all go through Infer, so a served answer is
// bitwise Forward's: there is one matching of layers to ops. NoGrad
// remains the cell's way to evaluate.
//
// Performance: Linear's forward is one fused GEMM with the bias preloaded
// into the output, and its backward two GEMMs with transposition flags
// accumulating straight into the gradients; Sequential runs a Linear
// followed by a ReLU as one op (tensor.LinearReLU), likewise a Conv2d
// (tensor.Conv2dReLU), and a ReLU next to a MaxPool2d with the pooling
// (tensor.MaxPool2dReLU: the ReLU on the pooled output, a quarter of the
// convolution's); Conv2d runs as tensor.Conv2d (im2col and the same GEMM
// kernel); CrossEntropy keeps the
// softmax of the forward pass for its backward. BenchmarkLeNet5Step times
// a LeNet-5 training step and prints its ratio to PyTorch's (one thread)
// in the same run. ZeroGrad (here and in
// optim) zeroes gradients in place so that their memory is reused.
//
// Also here: ClipGradNorm (torch.nn.utils.clip_grad_norm_), Weights,
// NumParams, NamedParameters for any Module.
package nn
