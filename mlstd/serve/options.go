package serve

import (
	"fmt"
	"time"

	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/prep"
)

// Options configures a Server. The zero value serves on a free loopback
// port under the model name "model"; every field has a working default.
type Options struct {
	// Name is the model name in URLs (/v2/models/{Name}/infer). Default "model".
	Name string
	// Version is reported in model metadata and the model_info metric;
	// clients may also address /v2/models/{Name}/versions/{Version}/...
	// It stays across hot reloads (Watch, Swap with an empty version).
	// Default: FileHash, which Watch then replaces by each new file's hash;
	// without FileHash, "1".
	Version string
	// FileHash is the content hash of the model file the model was loaded
	// from (LoadModel's second result), if any: Watch reloads the file when
	// its hash differs from this one.
	FileHash string
	// Addr is the TCP address to listen on. Default "127.0.0.1:0" (a free
	// port; read it back with URL). Use ":8080" to accept remote clients.
	Addr string

	// InputShape is the shape of one example without the batch dimension,
	// e.g. [784], or [1, 28, 28] for a CNN on MNIST (requests then may send
	// [batch, 1, 28, 28] or flat [batch, 784] rows; `gokernel serve` takes
	// it from the model file, export.ReadInputShape). Default: the input
	// width of the model's first parameter when it is a 2-D (out, in)
	// weight, as nn.Linear stores it.
	InputShape []int
	// InputName is the name of the single model input. Default "input".
	InputName string
	// Classes optionally names the output classes (for Stats and metric
	// labels); by default the Pipeline's classes, else "0", "1", ...
	Classes []string
	// Pipeline, if set, is the fitted preprocessing that makes the model's
	// input from raw table rows (export.ReadPipeline reads it from a model
	// file saved with export.WithPipeline). The server then takes raw rows
	// instead of the feature tensor: one input per raw column (see the
	// package doc), applies the pipeline, and scores drift on the raw
	// number columns against the pipeline's training statistics, so
	// RefMean and RefStd must be left unset.
	Pipeline *prep.Pipeline

	// MaxBatch is the most rows the dynamic batcher merges into one forward
	// pass (Triton's max_batch_size). Default 64. A single request may carry
	// up to MaxRequestRows rows regardless.
	MaxBatch int
	// MaxDelay is how long the batcher waits for more requests to join a
	// batch that is not full (Triton's max_queue_delay). Default 0: merge
	// only the requests already queued, never add latency.
	MaxDelay time.Duration
	// QueueSize bounds the requests waiting for the model; beyond it the
	// server answers 503. Default 1024.
	QueueSize int
	// MaxRequestRows bounds the batch dimension of one request (413 beyond).
	// Default 4096.
	MaxRequestRows int
	// MaxBodyBytes bounds a request body (413 beyond). Default 64 MiB.
	MaxBodyBytes int64

	// ReadHeaderTimeout, ReadTimeout, WriteTimeout and IdleTimeout are
	// passed to http.Server; they stop slow clients from holding
	// connections. Defaults 5 s, 30 s, 30 s, 120 s.
	ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	// DrainTimeout bounds how long Stop waits for in-flight requests.
	// Default 10 s.
	DrainTimeout time.Duration
	// DrainDelay is how long Stop keeps serving as usual, new connections
	// included, with readiness already false, before it closes the
	// listener and drains: time for load balancers (a Kubernetes Service's
	// endpoints) to stop sending new requests. Responses meanwhile carry
	// Connection: close, so clients' keep-alive connections end cleanly
	// and reconnect. Default 0.
	DrainDelay time.Duration

	// RefMean and RefStd are the training data's per-feature mean and
	// standard deviation; with them the server scores input drift. Set them
	// with LoadReference, ReferenceStats or directly.
	RefMean, RefStd []float64
	// RefFromModelFile says RefMean and RefStd are those recorded in the
	// model file (export.WithData; LoadReference of the file Watch
	// watches), as `gokernel serve` has them without --reference: a
	// reloaded file's statistics then replace them (a file without any
	// leaves them as they are).
	RefFromModelFile bool
	// DriftWindow is the number of input rows per drift score. Default 256.
	DriftWindow int
	// FeedbackCapacity is how many recent predictions the feedback endpoint
	// can still match by id (least recently used are dropped). Default 10000.
	FeedbackCapacity int
	// LoadTime is the time it took to load the model, reported as
	// model_load_seconds; Start adds its own warm-up time to it.
	LoadTime time.Duration
	// Platform is reported in model metadata. Default "gokernel_mlstd".
	Platform string
	// Log, if set, receives one line per notable event (hot reloads and
	// rejected model files). Requests are not logged; see /metrics.
	Log func(line string)
}

func (o Options) withDefaults(m nn.Module) (Options, error) {
	if o.Name == "" {
		o.Name = "model"
	}
	if o.Version == "" {
		o.Version = o.FileHash
	}
	if o.Version == "" {
		o.Version = "1"
	}
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	if o.InputName == "" {
		o.InputName = "input"
	}
	if o.Platform == "" {
		o.Platform = "gokernel_mlstd"
	}
	if len(o.InputShape) == 0 {
		ps := m.Parameters()
		if o.Pipeline != nil && o.Pipeline.Features() != nil {
			o.InputShape = []int{len(o.Pipeline.Features())}
		} else if len(ps) == 0 || ps[0].Dims() != 2 {
			return o, fmt.Errorf("serve: cannot infer the input shape of %T; set Options.InputShape", m)
		} else {
			o.InputShape = []int{ps[0].Dim(1)}
		}
	}
	for _, d := range o.InputShape {
		if d <= 0 {
			return o, fmt.Errorf("serve: input shape %v has a non-positive dimension", o.InputShape)
		}
	}
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.MaxBatch, 64)
	def(&o.QueueSize, 1024)
	def(&o.MaxRequestRows, 4096)
	def(&o.DriftWindow, 256)
	def(&o.FeedbackCapacity, 10000)
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = 64 << 20
	}
	dur := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	dur(&o.ReadHeaderTimeout, 5*time.Second)
	dur(&o.ReadTimeout, 30*time.Second)
	dur(&o.WriteTimeout, 30*time.Second)
	dur(&o.IdleTimeout, 120*time.Second)
	dur(&o.DrainTimeout, 10*time.Second)
	if o.MaxDelay < 0 {
		o.MaxDelay = 0
	}
	if o.Pipeline != nil {
		if o.RefMean != nil {
			return o, fmt.Errorf("serve: with a Pipeline, drift is scored on the raw number columns against the pipeline's training statistics; leave RefMean and RefStd unset")
		}
		if len(o.Classes) == 0 {
			o.Classes = o.Pipeline.Classes()
		}
	}
	if (o.RefMean == nil) != (o.RefStd == nil) || len(o.RefMean) != len(o.RefStd) {
		return o, fmt.Errorf("serve: RefMean and RefStd must both be set with equal lengths (%d, %d)", len(o.RefMean), len(o.RefStd))
	}
	if n := numel(o.InputShape); o.RefMean != nil && len(o.RefMean) != n {
		return o, fmt.Errorf("serve: reference statistics have %d features, the input has %d", len(o.RefMean), n)
	}
	return o, nil
}

func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}
