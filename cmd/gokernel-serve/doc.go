// Command gokernel-serve is `gokernel serve` on its own: the same flags
// and behaviour (it runs the same code, internal/servecmd), in a binary
// without the interpreter and the kernel, for container images.
//
//	gokernel-serve model.safetensors --name mnist --addr :8080
//
// It serves one model file (a .safetensors file from export.Save or a .onnx
// file from export.ExportONNX) over the Open Inference Protocol v2 (KServe
// V2 REST), with Prometheus metrics at /metrics, hot-reloads the file when
// its content changes and drains on SIGTERM or Ctrl-C. `gokernel-serve -h`
// lists the flags.
//
// main is one call, servecmd.Main under the program name "gokernel-serve",
// whose result is the exit status: 0 after a drain or -h, 2 for bad
// arguments (with the usage line), 1 for any other error, printed as
// "gokernel-serve: ...". All behaviour lives in internal/servecmd, so the
// two commands cannot drift apart; this package exists only so that a
// binary can link the server (mlstd/serve, mlstd/export, mlstd/prep) and
// nothing of the notebook side. install/serving/Dockerfile builds it.
package main
