// Command predict is a plain Go program (no kernel, no notebook) that loads
// a model exported from a notebook and classifies MNIST test images with it.
//
//	go run ./notebooks/predict notebooks/mnist_mlp.safetensors
package main
