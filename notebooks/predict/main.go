package main

import (
	"fmt"
	"log"
	"os"

	"github.com/gokernel/gokernel/mlstd/data"
	"github.com/gokernel/gokernel/mlstd/export"
	"github.com/gokernel/gokernel/mlstd/metrics"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: predict MODEL.safetensors|MODEL.onnx")
		os.Exit(2)
	}
	model, err := export.Load(os.Args[1])
	if err != nil {
		log.Fatal(err)
	}
	_, test, err := data.MNIST()
	if err != nil {
		log.Fatal(err)
	}
	pred := metrics.Predict(model, test.X, 1000)
	fmt.Println("first ten predictions:", pred[:10])
	fmt.Println("true labels:          ", test.Y[:10])
	fmt.Printf("test accuracy: %.2f%%\n", 100*metrics.LabelAccuracy(pred, test.Y))
}
