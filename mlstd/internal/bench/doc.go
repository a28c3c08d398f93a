// Package bench measures mlstd end to end against PyTorch: the seed's MNIST
// experiment (MLP 784-128-10 with ReLU, batch 64, SGD lr 0.01 momentum 0.9,
// cross-entropy, float32), trained in this process with mlstd and in a
// /usr/bin/python3 child with PyTorch (one thread), on the same IDX files
// with the same preprocessing and hyperparameters.
//
// The two run interleaved, epoch by epoch (a Go epoch, then a PyTorch
// epoch, ...), so that load from other processes on a shared machine falls
// on both alike. Each side times only its training loop (shuffle, batch
// gather, forward, backward, optimizer step; no data loading), evaluates
// test accuracy after the last epoch and reports its own peak RSS
// (getrusage ru_maxrss). The Go side is written as a notebook user would
// write it, with the public mlstd API (data.Loader, nn.Sequential,
// nn.CrossEntropy, optim.SGD).
//
// Run it with
//
//	go run ./mlstd/internal/bench/cmd/mnistbench          # EPOCHS=2 by default
//	EPOCHS=10 go run ./mlstd/internal/bench/cmd/mnistbench
//
// or as a benchmark: go test -run XXX -bench MNIST -benchtime 1x ./mlstd/internal/bench/
package bench
