//go:build ignore

// mnist.go trains the MNIST MLP of mnist.ipynb from the terminal, on the
// same engine and mlstd as the notebook:
//
//	gokernel run notebooks/mnist.go -epochs 3
//	gokernel run -i notebooks/mnist.go -epochs 1   # then explore model, history… in the REPL
//
// Training progress is a bar redrawn in place on a terminal and plain lines
// when stderr is piped; results go to stdout. The build tag keeps `go build
// ./...` from compiling it as part of the module.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/gokernel/gokernel/mlstd/data"
	"github.com/gokernel/gokernel/mlstd/export"
	"github.com/gokernel/gokernel/mlstd/host"
	"github.com/gokernel/gokernel/mlstd/metrics"
	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/optim"
	"github.com/gokernel/gokernel/mlstd/train"
)

var (
	epochs = flag.Int("epochs", 3, "passes over the training set")
	batch  = flag.Int("batch", 64, "examples per optimizer step")
	lr     = flag.Float64("lr", 0.01, "SGD learning rate (momentum 0.9)")
	limit  = flag.Int("limit", 0, "train on the first `n` training images only (0: all 60,000)")
	save   = flag.String("save", "", "write the trained weights to this .safetensors `file` (the model takes normalised pixels, (x−0.1307)/0.3081)")
)

func main() {
	flag.Parse()
	trainSet, testSet, err := data.MNIST()
	if err != nil {
		fmt.Fprintln(os.Stderr, "mnist:", err)
		os.Exit(1)
	}
	// torchvision's Normalize((0.1307,), (0.3081,)), as PyTorch's MNIST
	// example and the benchmark do.
	trainSet.Normalize(data.MNISTMean, data.MNISTStd)
	testSet.Normalize(data.MNISTMean, data.MNISTStd)
	if *limit > 0 && *limit < trainSet.Len() {
		trainSet = trainSet.Slice(0, *limit)
	}
	fmt.Printf("train: %d images, test: %d images\n", trainSet.Len(), testSet.Len())

	nn.Seed(1)
	model := nn.NewSequential(nn.NewLinear(784, 128), nn.NewReLU(), nn.NewLinear(128, 10))
	opt := optim.NewSGD(model.Parameters(), optim.SGDConfig{LR: *lr, Momentum: 0.9})
	history, err := train.Fit(model, opt, nn.CrossEntropy, trainSet, train.Config{
		Epochs: *epochs, BatchSize: *batch, Seed: 1, Val: testSet,
	}) // progress: gokernel's terminal (stderr), a bar in place on a TTY
	if errors.Is(err, host.ErrInterrupted) {
		// Ctrl-C stopped training between two steps. Take the interrupt as
		// handled and evaluate the model as it is (a second Ctrl-C quits).
		host.Reset()
		fmt.Fprintf(os.Stderr, "interrupted after %d epochs; evaluating the model as it is\n", history.Epochs())
	} else if err != nil {
		fmt.Fprintln(os.Stderr, "mnist:", err)
		os.Exit(1)
	}
	fmt.Println(history)

	pred := metrics.Predict(model, testSet.X, 1000)
	fmt.Printf("test accuracy: %.2f%%\n", 100*metrics.LabelAccuracy(pred, testSet.Y))
	if *save != "" {
		// The training set's statistics go into the file too: `gokernel
		// serve` scores input drift against them.
		if err := export.Save(*save, model, export.WithData(trainSet)); err != nil {
			fmt.Fprintln(os.Stderr, "mnist:", err)
			os.Exit(1)
		}
		fmt.Println("weights written to", *save)
	}
}
