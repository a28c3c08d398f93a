// Package data holds labelled datasets and the loaders that feed them to a
// model in mini-batches, with MNIST, CSV files and synthetic problems as
// sources. It plays the part of torch.utils.data and torchvision.datasets.
//
// # Datasets
//
// A Dataset is two exported fields, X (a *tensor.Tensor of shape
// [n, features...], float32) and Y (the []int class of each row), plus
// optional class names. Cells may use the fields directly:
//
//	train, test, err := data.MNIST()
//	metrics.Accuracy(model.Forward(test.X), test.Y)
//
// A regression dataset (NewRegression) has float Targets of shape [n,
// outputs] instead of Y; loaders hand them out as T() beside X(), and
// train.Fit trains on them with a regression loss (nn.MSE by default).
// Package prep builds either kind from a table.
//
// View gives the examples another shape over the same storage, with no
// copy: MNIST's [n, 784] rows become [n, 1, 28, 28] images for a
// convolutional network with train.View(1, 28, 28).
//
// Subset, Slice and Split copy the selected rows into a new dataset;
// Normalize, NormalizeFeatures and Standardize transform X in place and
// return the dataset, so the usual preprocessing is one line:
//
//	train.Normalize(data.MNISTMean, data.MNISTStd)
//	mean, std := train.Standardize()      // then test.NormalizeFeatures(mean, std)
//
// # Loaders
//
// Loaders follow bufio.Scanner rather than a Python iterator:
//
//	for b := train.Batches(64, true); b.Next(); {
//		opt.ZeroGrad()
//		loss := nn.CrossEntropy(model.Forward(b.X()), b.Y())
//		...
//	}
//
// Batches(size, shuffle) keeps the last partial batch; Loader(LoaderConfig)
// adds DropLast, a Seed and Shift, a random-translation augmentation of
// image batches (torchvision's RandomCrop with padding, edge-filled).
// Randomness is deterministic: the order and shifts of a loader depend on
// the seed and on how many shuffled or augmenting loaders the dataset has
// made, so each epoch differs and re-running a notebook from the top
// reproduces every epoch. Like Scanner.Bytes, a batch is valid only until
// the next Next: a plain unshuffled batch is a view into the dataset (no
// copy) and a shuffled or shifted one reuses a buffer, so an epoch
// allocates nothing per batch. Clone a batch to keep it.
//
// Next calls host.Check, so pressing the notebook's stop button ends a
// training loop between two batches, leaving the model as the last
// completed step made it.
//
// # MNIST
//
// MNIST returns the standard 60,000/10,000 split as [n, 784] float32 pixels
// in [0, 1] (torchvision's ToTensor scaling, not yet normalised: call
// Normalize(MNISTMean, MNISTStd) as PyTorch's examples do); View(1, 28, 28)
// sees them as images. The four
// IDX files come from the Go module MNISTModule, so the only network
// access is the Go module proxy, which a Go installation already trusts.
// They are looked up in the user cache directory, then in the Go module
// cache, and only then downloaded with `go mod download`; every file is
// checked against a SHA-256 fixed in the source, and a missing or corrupt
// file gives an error that names it and says how to fix it. Pixels are
// converted while the files are decompressed and no decoded copy is kept
// (it would stay resident and, as live heap, double its cost through the
// collector's headroom), so each call takes about half a second and
// returns fresh datasets that may be modified. LoadMNIST reads the files
// from a directory of your choice; LoadIDX reads any IDX pair unchecked.
//
// # Other sources
//
// ReadCSV reads numeric feature columns and one label column (integers, or
// strings numbered in sorted order). Blobs and Moons make small seeded
// problems, like sklearn's make_blobs and make_moons, for experiments that
// should run in a second.
//
// Shape misuse (a label count that does not match X, a bad index) panics
// with *tensor.ShapeError; problems with files return errors.
package data
