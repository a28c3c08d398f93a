// Package serve puts a model online and watches it there: an HTTP server
// speaking the Open Inference Protocol v2 (the KServe V2 REST protocol, as
// spoken by Triton, MLServer and OpenVINO Model Server), with Prometheus
// metrics that cover the model's behaviour as well as the server's.
//
// # From a cell
//
//	srv, err := serve.Start(model, serve.Options{Name: "mnist"})
//	// next cell: any v2 client works; serve.Infer is a small one
//	p, err := serve.Infer(srv.URL(), "mnist", "", x)   // p.Classes, p.Output
//	srv.Stats()                                        // a table in the notebook
//	srv.Stop()                                         // drains; the port is free again
//
// The command `gokernel serve model.safetensors --name mnist` does the same
// for an exported model (see the root package) and drains on SIGTERM.
//
// # Protocol
//
// The server answers, for Options.Name (and Options.Version where the URL
// has /versions/{v}):
//
//	GET  /v2/health/live             200 {"live":true} while the server runs
//	GET  /v2/health/ready            200 {"ready":true}; 400 {"ready":false} draining ("4xx means false")
//	GET  /v2                         server metadata
//	GET  /v2/models/{name}           model metadata: input "input" FP32 [-1, features...];
//	                                 outputs "output" FP32, "probabilities" FP32, "predicted_class" INT64
//	GET  /v2/models/{name}/ready     as /v2/health/ready with {"name":...,"ready":...}, 404 for another model
//	POST /v2/models/{name}/infer     inference
//	POST /v2/models/{name}/feedback  true labels for a past prediction (an extension)
//	GET  /metrics                    Prometheus text format
//
// An inference request carries one input whose shape includes the batch
// dimension ([batch, features...]) and whose data is flat or nested in
// row-major order: nested data must nest exactly as the shape (arrays of
// shape[k] elements at depth k). Numeric datatypes are converted to FP32
// and must hold values of their type (INT8 in [-128, 127], integers for
// integer types; bounds compared at FP32 precision); BOOL, BYTES,
// non-numbers, NaN and ±Inf are rejected, and so is a key given twice. "outputs" selects outputs by
// name (all three by default); the request "id" is echoed, and generated
// ("gk-N") when absent. Errors are {"error": "..."} with 400 (bad request),
// 404 (unknown model, version or path), 405 with Allow (a path's other
// method, e.g. DELETE …/infer), 413 (body over MaxBodyBytes or
// batch over MaxRequestRows), 503 (queue full or shutting down) or 500 (the
// model failed). Request and tensor "parameters" are accepted and ignored,
// except "binary_data_size": the binary tensor data extension (Triton's,
// also in KServe) is supported for inputs, FP32 or FP64 little-endian
// bytes after a JSON header of Inference-Header-Content-Length bytes,
// which skips number parsing altogether; outputs are always JSON.
//
// # Raw rows for a model with its preprocessing
//
// With Options.Pipeline (a fitted mlstd/prep pipeline; `gokernel serve`
// takes it from a model file saved with export.WithPipeline) the model
// takes raw table rows instead of the feature tensor, in the v2 shape of
// MLServer's pandas codec: one input per raw column, named as the column,
// of shape [batch] or [batch, 1], FP64 (any numeric datatype is accepted;
// values are read as float64, as the table reader reads them) for float
// columns, INT64 for int columns, BOOL, and BYTES holding strings for
// text; null is a missing value, which the pipeline's Imputer fills. A
// JSON object per row is not accepted: the column form is the v2 one.
//
//	{"inputs":[{"name":"island","datatype":"BYTES","shape":[2],"data":["Biscoe","Dream"]},
//	           {"name":"bill_length_mm","datatype":"FP64","shape":[2],"data":[46.1,null]}, …]}
//
// The server builds a table of the rows with the columns' training kinds,
// runs the pipeline's Transform on it and the model on the features: the
// same code on the same learnt values as in the notebook, so a served
// row's outputs are bitwise the in-process model's on the same row
// (TestRawRowsExact, and TestServeCommandRawRows through the command).
// Model metadata lists the raw columns as the inputs; InferRows is a
// client for a table's rows. Every column must be sent, and nothing else;
// a missing column, a wrong datatype, a value of the wrong type, or a row
// the pipeline refuses (an unknown category when the encoder errs, a gap
// no step fills) is a 400 naming the column. Raw rows are parsed with
// encoding/json (they are small; the binary extension does not apply),
// beside the feature-tensor path, which stays as below. Drift then
// watches the raw number columns, against the training mean and standard
// deviation the pipeline recorded at Fit (a missing value counts as the
// mean), each column scaled by its own deviation.
//
// # Design
//
// The server accepts connections itself (front.go) and serves the
// requests that carry the traffic — POST /v2/models/{name}/infer and the
// health probes, plain HTTP/1.1 with a Content-Length — with its own
// connection loop: the request is read into a per-connection buffer, the
// tensor data is parsed from there, and the status line, headers and body
// leave in one write. Anything else (other endpoints, chunked bodies,
// Expect, HTTP/1.0, malformed or oversized heads and bodies, bare LF line
// endings, a Host value with more than letters, digits and ".-:[]_") is
// handed to net/http at once, together with the bytes read so far, and
// net/http serves that connection from then on, so the protocol's corners
// keep net/http's behaviour (a differential fuzz test checks that what the
// loop serves, http.ReadRequest reads the same way). The loop skips net/http's per-request header maps, background
// read goroutine, deadline changes and writer flushes: about half the CPU
// of an empty request here. A connection that is the only one open waits
// for its next request in a blocking read on its own thread, outside the
// Go network poller (Linux): a lone client then costs one thread wake-up
// per request instead of the poller's wake-up, hand-off and sleep (about
// half again). Timeouts are net/http's (Options), applied per phase of a
// request.
//
// Stop loses no request it has read: readiness turns false (after
// Options.DrainDelay the listener closes), and a connection closes only
// between requests. Responses from then on carry Connection: close, so
// keep-alive connections end at a request boundary, where closing is
// safe, rather than idle. Idle connections are shut down for reading only, so a
// request that reached the socket just before is still read and answered
// (with Connection: close) while an empty socket reads end of file, and
// a connection that turns idle while draining does the same itself; busy
// connections answer the request they are serving with Connection: close
// and close. Requests read while draining are
// served as usual, not refused: the batcher runs until every connection
// has closed. A request counted in the metrics is one whose response was
// written.
//
// Decoding JSON numbers dominates the cost of a large request, so infer
// bodies are parsed by a small one-pass reader (decode.go) that writes
// numbers straight into a []float32 through an exact fast path
// (decode_number.go): a decimal such as 0.6980392156862745 is read as
// fixed point from 8-byte words with no loop per digit, runs of bare zeros
// up to eight per step, other forms by a word-at-a-time scanner, the rest
// by strconv; responses are written with strconv into pooled buffers, and
// tensor data buffers are pooled too. One forward pass runs at a time, so
// a Module needs no locking: a request that finds nothing queued or
// running runs the model on its own goroutine (no hand-off), and requests
// queued while a pass runs are merged by the batcher goroutine into the
// next pass (up to MaxBatch rows, waiting at most MaxDelay for more;
// Triton's dynamic batcher), which the batch-size histogram shows. The
// model runs without recording a graph through nn.Infer: an
// nn.Sequential runs its nn.Plan, the compiled form Sequential.Forward
// runs too, so an answer is bitwise the in-process Forward's by
// construction (TestServedIsForward walks the MNIST MLP, LeNet-5 and the
// pytorch/examples CNN through both). The common served model, Linear and
// ReLU layers on flat rows, runs as Plan.InferRows: the same kernels
// without building tensors, into activation buffers the plan recycles,
// one allocation per pass (the output). Nothing is looked up per
// goroutine (tensor.NoGrad's bookkeeping, a locked map lookup per op while
// any NoGrad is active, is for cells). The Linear layers take sgemm's
// dot-product path for x·Wᵀ, which reads the weights in place: 4.4–4.6 µs
// of CPU for a one-row 784→128 layer, 8.5 µs for 4 rows (sgemm's
// BenchmarkLinear). When the plan keeps nothing of its input (no module it
// does not know: Plan.KeepsInput) the request's buffers are recycled.
//
// Answers do not depend on the batch: a row's outputs are bitwise the same
// whether it ran alone or was merged with other requests, whatever the
// batch size and its position in it (Triton and TorchServe do not promise
// this). sgemm reduces each element of a product in one order that depends
// on the layer's shape and the CPU only, never on the number of rows
// (sgemm's doc), and the other ops of mlstd's layers work row by row or
// element by element. TestBatchInvariantInProcess checks batches of 1…64
// rows through Forward and through the batcher, TestBatchInvariantServed
// 16 concurrent clients over sockets, for models loaded from safetensors
// and ONNX files. A model's own Forward that mixes rows (batch statistics,
// for example) is its own affair.
//
// Convolutional networks are served through Forward (Conv2d is im2col and
// the same sgemm; pooling and an evaluation-mode BatchNorm work per
// example and channel). Their example shape is multi-dimensional
// (Options.InputShape [1, 28, 28]; `gokernel serve` reads it from the
// model file: export.WithInputShape, or the ONNX graph's input), the
// metadata shows [-1, 1, 28, 28], and a request may send [batch, 1, 28,
// 28] or flat rows [batch, 784] (the same row-major data). TestServeCNN
// checks, over sockets, for a CNN loaded from safetensors and from ONNX:
// logits bitwise the in-process ones for both forms, and each row sent
// alone bitwise the same as within a batch of 7.
//
// Swap replaces the model between passes after a
// warm-up check; Watch polls a model file and swaps in one whose content
// changed (LoadModel reads it through mlstd/export): a poll is a stat
// (size, mtime, ctime, inode, device), and the file's SHA-256 is computed
// when the stat changes and every 30th poll, so a same-size same-mtime
// copy is noticed too. Corrupt or mismatched files are rejected while the
// old model keeps serving. A version named in Options.Version stays across
// reloads; without one the version is the file's SHA-256 prefix and
// follows the file. Stop uses http.Server.Shutdown, then lets the batcher
// finish.
//
// A model that is not a Sequential runs its Forward on an inference tensor
// (nn.Infer), so it builds no backward graph either; the switch travels
// with the data, so a server running beside a training cell neither turns
// off the cell's gradients nor slows its ops.
//
// # Monitoring
//
// Each Server has its own Prometheus registry (several servers in one
// kernel do not collide) with request counts by model/endpoint/code, a
// latency histogram, a batch-size histogram, in-flight requests, queue
// depth, model load time and version info, Go and process collectors, and
// model-quality signals:
//
//   - gokernel_serve_predictions_total{class}: the predicted-class mix.
//   - gokernel_serve_input_drift_score: per window of DriftWindow rows, the
//     mean absolute z-shift of the feature means against the training
//     data's (Options.RefMean/RefStd). About 0.05 for in-distribution
//     windows of 256 rows, about 1 when every feature has moved by one
//     training standard deviation. The statistics come with the model file
//     when it was saved with export.WithData(trainSet) (`gokernel serve`
//     reads them at start), or from LoadReference (a stats file, an IDX
//     images file, a training CSV: `--reference`), or from ReferenceStats.
//   - gokernel_serve_feedback_{accuracy,precision,recall,f1}: computed with
//     mlstd/metrics (macro averages) from true labels POSTed to the
//     feedback endpoint as {"id": "...", "labels": [..]} (or "label": n)
//     for a recent prediction id; ids live in a bounded LRU
//     (FeedbackCapacity) and are matched once.
//
// Stats returns the same figures as a value (with String and HTML, plus
// DriftScores and the confusion matrix for charts) for a cell to show.
package serve
