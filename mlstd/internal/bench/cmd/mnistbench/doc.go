// Command mnistbench trains a model on MNIST with mlstd and with PyTorch,
// interleaved epoch by epoch, and prints s/epoch, the ratio, test accuracy,
// peak RSS and the cores each side used. -model picks the seed's MLP (the
// default), LeNet-5 or pytorch/examples' CNN; EPOCHS or -epochs sets the
// number of epochs (default 2), -batches limits each epoch to its first N
// mini-batches, MNIST_DIR the data directory; -torch-threads fixes
// PyTorch's threads (by default 1 and 2 are timed and the faster kept);
// -python "" skips PyTorch; -cpuprofile writes a CPU profile, -memprofile
// an allocation profile.
package main
