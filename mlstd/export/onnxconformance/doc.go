// Package onnxconformance checks mlstd/export's ONNX files against
// independent implementations written in Go: gonnx runs them on 1,000
// MNIST test images and must agree with mlstd (for a LeNet-5, whose
// BatchNormalization, MaxPool and AveragePool nodes gonnx v1.1.0 lacks,
// gonnx runs every other node of the file and mlstd those three; see
// TestONNXGonnxLeNet5), and google.golang.org/protobuf
// driving gonnx's generated ONNX types must decode them to the same
// messages, re-encode them to the same bytes (protobuf's deterministic
// encoding) and decode whatever the hand codec internal/onnxpb decodes.
//
// It is a module of its own, holding only tests, so that gonnx and what it
// brings (gorgonia/tensor, a 2021 Apache Arrow, flatbuffers, gogo/protobuf,
// golang/protobuf, chewxy/hm, pkg/errors) stay out of gokernel's go.mod:
// gokernel links none of them. Its go.mod replaces gokernel with this
// checkout (../../..). Run it from this directory:
//
//	cd mlstd/export/onnxconformance && go test ./...
//
// .ci/test does. The Python side (python3-onnx's checker, PyTorch) stays in
// mlstd/export's own tests.
package onnxconformance
