// Package export moves trained models out of a notebook and back: a native
// format (safetensors with the architecture in its header), training
// checkpoints, a compact format for pruned models, and ONNX.
//
// # Native format
//
// Save writes a model's state dict — its parameters and buffers (BatchNorm's
// running_mean, running_var and num_batches_tracked) under PyTorch's
// state_dict names ("0.weight", "0.bias", "1.running_mean", …; see
// nn.StateDict) — in the safetensors format: an
// 8-byte little-endian header length, a JSON header mapping each name to
// {"dtype":"F32","shape":[…],"data_offsets":[begin,end]}, then the raw
// little-endian float32 data. The header's "__metadata__" (string values
// only) holds "mlstd.arch", a JSON description of the layers such as
//
//	{"version":1,"model":{"kind":"Sequential","layers":[
//	  {"kind":"Linear","in":784,"out":128,"bias":true},{"kind":"ReLU"},
//	  {"kind":"Linear","in":128,"out":10,"bias":true}]}}
//
// so Load rebuilds a working model with no code from the notebook.
// Save(path, m, WithData(train)) also records the training inputs'
// per-feature mean and standard deviation under "mlstd.reference" (JSON,
// float32 precision, about 16 kB for 784 features; ReadReference reads it),
// the reference mlstd/serve scores input drift against, so a served model
// has drift scores with no other file; the tensors are unchanged.
// Save(path, m, WithInputShape([]int{1, 28, 28})) records the shape of one
// example under "mlstd.input_shape" (checked against every layer;
// ReadInputShape reads it, or an ONNX file's input), which a served CNN
// needs.
// Save(path, m, WithPipeline(p)) records the fitted mlstd/prep pipeline
// that makes m's input from raw table rows (imputing, encoding, scaling)
// under "mlstd.pipeline", as the JSON of p.MarshalJSON; ReadPipeline
// restores it, fitted, so the file holds everything from a raw row to a
// prediction and `gokernel serve` accepts raw rows (no training/serving
// skew: the server runs the same code on the same learnt values, and a
// test checks that loaded pipeline and model predict held-out rows bit
// for bit as the originals). Layers
// Load knows: Sequential (nested too), Linear, Conv2d, MaxPool2d,
// AvgPool2d, AdaptiveAvgPool2d, BatchNorm1d, BatchNorm2d, ReLU, Sigmoid,
// Tanh, Softmax, LogSoftmax, Flatten, Dropout, Dropout2d (convolutional
// sizes as (height, width) pairs: {"kind":"Conv2d","in":1,"out":6,
// "bias":true,"kernel":[5,5],"stride":[1,1],"padding":[2,2],
// "dilation":[1,1]}). PyTorch's load_state_dict(strict=True) takes the
// tensors of a saved CNN as they are (TestCNNStateDictTorch builds the
// torch model from "mlstd.arch" and compares outputs), and LoadState takes
// torch's back, its int64 num_batches_tracked included. A model with other modules can
// still be saved with SaveTensors and restored into code-built modules with
// LoadState. Python reads these files with the safetensors package or with
// a dozen lines of json + numpy; LoadState reads PyTorch's safetensors files.
//
// # Checkpoints
//
// SaveCheckpoint stores the model's state dict ("model.<name>", buffers
// included, so batch-norm statistics resume too), the optimizer state
// ("optim.<name>", from its StateDict) and the epoch; LoadCheckpoint puts
// them back into a freshly built model and optimizer, copying into the
// existing parameter tensors so the optimizer's references stay valid. A
// run resumed this way computes the same losses, bit for bit, as one that
// never stopped (with the same data order: the Dropout and loader random
// streams are not part of a checkpoint).
//
// # Compact export of pruned models
//
// SaveCompact stores tensors that are mostly zero as a bitmask plus the
// non-zero values (exact), optionally in float16 (lossy), and reports the
// size against Save's: measured on a 784-128-10 MLP, 90 % pruned, 408 kB
// become 55 kB (float32) or 34 kB (float16). Load reads it.
//
// # ONNX
//
// ExportONNX writes opset-13 ONNX: Linear becomes Gemm with transB=1
// (weights keep their (out, in) layout and names), Conv2d Conv, MaxPool2d
// MaxPool, AvgPool2d AveragePool (count_include_pad=1, torch's default),
// AdaptiveAvgPool2d GlobalAveragePool (to 1×1; AveragePool when the windows
// are equal), BatchNorm1d/2d BatchNormalization in its inference form
// (running statistics as initializers under their state-dict names; not
// folded into the convolution, so the file keeps the model's layers),
// activations Relu/Sigmoid/Tanh/Softmax/LogSoftmax/Flatten; Dropout and
// Dropout2d are dropped (inference graph). The input is "input" with a
// dynamic "batch" first dimension (NCHW for images), the output "output".
// The shape of one example comes from the first Linear when the model
// starts with one; any other model (one starting with Flatten or a
// convolution) needs ONNXOptions.InputShape, and ExportONNX refuses it
// without rather than guess: a [batch, 784] graph for Flatten, Linear would
// reject the images the model took. The shape is followed through every
// layer, so a model that cannot take it is refused naming the layer.
// LoadONNX (and Load on a ".onnx" path) reads such a graph back into an
// nn.Sequential, so a server can take either file; it also reads what
// torch.onnx.export writes for a Sequential CNN (LeNet-5 with Conv, MaxPool,
// AveragePool behind a Pad of zeros, Flatten or Reshape, Gemm;
// TestCNNONNX: same predicted class as the mlstd model on 1,000 MNIST test
// images, outputs within 3.8e-6). ExportONNXOptions with Data set records the training data's
// statistics in the model's metadata_props, as WithData does for Save;
// with Pipeline set, the graph is the numeric part only (the model, whose
// input is the pipeline's features: ONNX's float32 Sub/Div and OneHot would
// not reproduce the pipeline's float64 arithmetic bit for bit), the
// pipeline goes to metadata_props as "mlstd.pipeline" (ReadPipeline reads
// it), and "mlstd.pipeline_note" says in words what the graph leaves out
// and which features its input takes. The
// tests check the files with python3-onnx's checker (full_check), run them
// in PyTorch rebuilt from the initializers and (in the test module
// onnxconformance, which keeps gonnx and gorgonia out of gokernel's go.mod)
// in gonnx, an independent Go runtime, and compare with mlstd on 1,000 MNIST
// test images (max difference under 4e-6; for the CNNs, PyTorch only:
// gonnx's MLP check is the MLP's).
//
// The protobuf messages are encoded and decoded by internal/onnxpb, a
// small codec on google.golang.org/protobuf/encoding/protowire for just the
// ONNX fields used here, not by code generated from onnx.proto. The reason
// is what a program importing this package links: mlstd is a library for
// compiled Go programs too, and a generated schema needs protobuf's
// reflection runtime. Measured with go1.26 on a program that loads a model
// and writes it as ONNX: 4.09 MB with the hand codec, 6.62 MB with a
// generated onnx.proto3.pb.go (gonnx v1.1.0's, alone) linked in. The
// gokernel binary links that runtime anyway (through Prometheus's client),
// so there the generated file would cost only 154 kB (47.81 → 47.96 MB) and
// 0.08 ms of start-up; gonnx's own onnx package would bring far more, since
// it imports gorgonia/tensor and through it Arrow and flatbuffers. The hand
// codec also decodes without copying: a tensor's RawData shares the input,
// so decoding the 407 kB file of a 784-128-10 MLP allocates 3 kB against
// protobuf's 412 kB, in about 10 µs against 0.4–0.7 ms
// (BenchmarkDecodeHandCodec and BenchmarkDecodeGenerated in
// onnxconformance). Its encoding is byte for byte that of protobuf's
// deterministic Marshal under the ONNX schema, and it decodes what
// protobuf decodes (packed or unpacked numbers as ONNX's proto2 and proto3
// writers emit them, merged repeated messages, unknown fields skipped);
// onnxconformance's tests and fuzz target compare it with protobuf driving
// gonnx's generated types.
//
// # Safety
//
// Every write goes to a temporary file in the destination directory, is
// fsynced, and is renamed over the target, so a crash or a full disk
// leaves the old file intact; the temporary file of a crashed save is
// removed by the next save of the same file (internal/atomicfile). Every load validates before it builds: header
// length within the file and under 100 MB, well-formed JSON, known dtypes,
// shapes that match their byte ranges, byte ranges that tile the data
// section exactly, names and shapes that match the architecture, no
// missing or extra tensors, known layer kinds; files written here also
// carry "mlstd.sha256", a checksum of names, shapes, metadata and data, so
// a flipped byte anywhere is detected (the tests flip every bit of a small
// model file: all 4,864 flips are refused); ONNX files carry a checksum of
// their whole graph (the SHA-256 of its canonical encoding: LoadONNX
// re-encodes the graph it decoded, so the checksum covers every field the
// model is built from and survives a re-serialization by another ONNX
// tool; a graph changed by an edit in another tool fails it, and
// LoadONNXOptions with AllowModified loads such a file). Errors name the file and the problem; loading never panics on bad
// input (FuzzLoad, FuzzLoadONNX, onnxpb's FuzzUnmarshal).
package export
