// Command predict is a plain Go program (no kernel, no notebook) that loads
// a model exported from a notebook and classifies MNIST test images with it.
//
//	go run ./notebooks/predict notebooks/mnist_mlp.safetensors
//
// It is the last step of notebooks/export.ipynb, which writes
// mnist_mlp.safetensors and mnist_mlp.onnx: a model trained in a notebook
// leaves it as a file that any Go program can use by importing mlstd,
// with no interpreter and no Jupyter linked in. export.Load reads either
// format (ONNX by the .onnx extension or by content); data.MNIST finds the test set
// (see mlstd/data); metrics.Predict runs the model over it in batches of
// 1,000 rows. It prints the first ten predictions beside the true labels
// and the accuracy on the 10,000 test images.
//
// The images are fed as data.MNIST returns them, pixels in [0, 1] without
// normalisation, which is how export.ipynb trains its model; a model
// trained on normalised pixels (mnist.ipynb normalises) would need the
// same Normalize first. A wrong argument count exits with status 2 and the
// usage line; a file that does not load, or MNIST not being found, exits
// with status 1 and the error.
package main
