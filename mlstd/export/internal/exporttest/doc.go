// Package exporttest holds the models that mlstd/export's tests and its
// ONNX conformance module (mlstd/export/onnxconformance, a separate module
// so that gonnx and gorgonia stay out of gokernel's go.mod) both export and
// check. Only tests import it.
package exporttest
