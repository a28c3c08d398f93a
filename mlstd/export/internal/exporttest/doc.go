// Package exporttest holds the models that mlstd/export's tests and its
// ONNX conformance module (mlstd/export/onnxconformance, a separate module
// so that gonnx and gorgonia stay out of gokernel's go.mod) both export and
// check. Only tests import it.
//
// Keeping the models here rather than in each test file means the export
// tests and the conformance tests check the same architectures, and a
// layer kind added to export is added to the shared models once. It holds:
//
//   - Model, a small fully connected model: Flatten, Linear with and
//     without bias, ReLU, Tanh, Sigmoid, Dropout, LogSoftmax and a nested
//     Sequential;
//   - MLP, the MNIST example's 784-hidden-10 shape, optionally with a last
//     layer appended;
//   - CNN, a small convolutional model on [N 1 16 16] with every
//     convolutional layer kind and option export supports (padding,
//     stride, dilation, no bias, both batch norms, max and average
//     pooling, Dropout2d, adaptive pooling), and LeNet5, as in
//     notebooks/cnn.ipynb but with a BatchNorm2d and an average pooling;
//   - helpers: Prune (zeroes each Linear weight's smallest magnitudes, a
//     stand-in for mlstd/prune), WarmUp (a few SGD steps on random batches,
//     so batch-norm statistics and weights leave their initial values, then
//     evaluation mode) and MaxDiff (largest |a−b| of two outputs);
//   - fixtures trained on real MNIST: TrainedMNIST (MLP, one pass over
//     12,000 images, pruned by half) and TrainedCNN (LeNet5, one pass over
//     6,000 images), each with the first 1,000 test images and the
//     accuracy on them.
//
// The models are built from a fixed seed, so every run checks the same
// weights. A fixture trains once per test binary (sync.Once) and is shared:
// callers must not modify it. When MNIST cannot be found a fixture skips
// the calling test. The package imports testing, which is why only tests
// may link it.
package exporttest
