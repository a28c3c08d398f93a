package serve

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/prep"
	"github.com/prometheus/client_golang/prometheus"
)

// Server serves one model over the Open Inference Protocol v2 (REST) and
// exposes its metrics. Start one with Start; stop it with Stop (graceful)
// or Close (immediate). A Server is safe for concurrent use.
type Server struct {
	opts     Options
	url      string
	ln       net.Listener
	front    *front // accepts connections; hands some to http
	http     *http.Server
	batch    *batcher
	metrics  *metricSet
	drift    *drift
	preds    *predictions
	outShape []int // model output shape without the batch dimension
	classes  int   // output width, the number of classes for argmax

	// pipe is the preprocessing of a model that takes raw rows
	// (Options.Pipeline; replaced by reloads), nil otherwise; driftCols
	// are the indexes of its number columns among its inputs, whose
	// values the drift score watches.
	pipe      atomic.Pointer[prep.Pipeline]
	driftCols atomic.Pointer[[]int]
	// pairMu keeps a raw-row request's pipeline and model one pair: the
	// request holds it for reading from its transform to its answer, a
	// reload for writing while it swaps the model and the pipeline.
	pairMu sync.RWMutex

	// versionIsHash: Options.Version was empty and FileHash set, so
	// reloads report the new file's hash as the version.
	versionIsHash bool

	version  atomic.Pointer[string]
	started  time.Time
	loadTime time.Duration
	draining atomic.Bool
	served   chan error    // Serve's return value
	done     chan struct{} // closed when the server stops
	stopOnce sync.Once
	stopErr  error

	classCount []atomic.Int64
	classCtr   []prometheus.Counter // nil entries beyond maxClassLabels
	nextID     atomic.Uint64
	stats      statsCollector

	endpointsMu sync.Mutex
	endpoints   map[string]*endpoint // by name; see endpoint
}

// Start checks the model with one warm-up forward pass, binds opts.Addr and
// serves in the background until Stop or Close. The listening address is
// known when Start returns (see URL), so a client may connect at once.
func Start(model nn.Module, opts Options) (*Server, error) {
	t0 := time.Now()
	if model == nil {
		return nil, errors.New("serve: model is nil")
	}
	o, err := opts.withDefaults(model)
	if err != nil {
		return nil, err
	}
	s := &Server{opts: o, started: time.Now(), served: make(chan error, 1), done: make(chan struct{})}
	s.version.Store(&o.Version)
	s.versionIsHash = opts.Version == "" && opts.FileHash != ""
	if s.batch, err = newBatcher(model, o.InputShape, o.MaxBatch, o.QueueSize, o.MaxDelay); err != nil {
		return nil, err
	}
	s.classes = s.batch.outWidth
	s.outShape = s.batch.outShape
	s.drift = newDrift(o.RefMean, o.RefStd, o.DriftWindow)
	s.driftCols.Store(new([]int))
	if o.Pipeline != nil {
		if err := checkPipeline(o.Pipeline, s.batch.width); err != nil {
			return nil, err
		}
		s.setPipeline(o.Pipeline)
	}
	s.preds = newPredictions(o.FeedbackCapacity, s.classes)
	s.metrics = newMetricSet(o.Name, o.Version, o.Platform, func() float64 { return float64(s.batch.depth()) })
	s.classCount = make([]atomic.Int64, s.classes)
	s.classCtr = make([]prometheus.Counter, s.classes)
	for c := 0; c < s.classes && c < maxClassLabels; c++ {
		s.classCtr[c] = s.metrics.classes.WithLabelValues(o.Name, classLabel(o.Classes, c))
	}
	s.batch.onBatch = s.observeBatch

	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return nil, fmt.Errorf("serve: listen on %s: %w", o.Addr, err)
	}
	s.ln = ln
	s.url = "http://" + ln.Addr().String()
	s.http = &http.Server{
		Handler:           s.routes(),
		ReadHeaderTimeout: o.ReadHeaderTimeout,
		ReadTimeout:       o.ReadTimeout,
		WriteTimeout:      o.WriteTimeout,
		IdleTimeout:       o.IdleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          nil,
	}
	s.front = newFront(s, ln)
	go s.batch.run()
	s.loadTime = o.LoadTime + time.Since(t0)
	s.metrics.loadTime.Set(s.loadTime.Seconds())
	go s.http.Serve(s.front.handoff) // returns ErrServerClosed after Shutdown or Close
	go func() { s.served <- s.front.serve() }()
	return s, nil
}

// URL returns the server's base URL, e.g. "http://127.0.0.1:43117".
func (s *Server) URL() string { return s.url }

// Addr returns the address the server listens on, e.g. "127.0.0.1:43117".
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Name returns the model name used in URLs.
func (s *Server) Name() string { return s.opts.Name }

// InferURL returns the model's inference endpoint.
func (s *Server) InferURL() string { return s.url + "/v2/models/" + s.opts.Name + "/infer" }

// Handler returns the server's HTTP handler, for mounting it in another
// http.Server; Start already serves it on its own listener.
func (s *Server) Handler() http.Handler { return s.http.Handler }

// Stop drains the server: readiness turns false, and after
// Options.DrainDelay the listener closes; every request a connection has
// sent by then is answered, each connection closing after its last
// response (Connection: close), bounded by Options.DrainTimeout. The port
// is free afterwards. Stop is idempotent.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		s.draining.Store(true)
		time.Sleep(s.opts.DrainDelay)
		ctx, cancel := context.WithTimeout(context.Background(), s.opts.DrainTimeout)
		defer cancel()
		err := s.front.shutdown(ctx.Done())
		if herr := s.http.Shutdown(ctx); err == nil {
			err = herr
		}
		if err != nil {
			s.http.Close()
			err = fmt.Errorf("serve: drain did not finish in %v: %w", s.opts.DrainTimeout, err)
		}
		s.finish()
		s.stopErr = err
	})
	return s.stopErr
}

// Close stops the server at once, dropping in-flight requests. It is
// idempotent, and a no-op after Stop.
func (s *Server) Close() error {
	s.stopOnce.Do(func() {
		s.draining.Store(true)
		s.front.close()
		s.stopErr = s.http.Close()
		s.finish()
	})
	return s.stopErr
}

// finish stops the batcher after the HTTP server is down.
func (s *Server) finish() {
	close(s.done)
	s.batch.close()
	<-s.batch.stopped
	if err := <-s.served; err != nil && s.stopErr == nil {
		s.stopErr = fmt.Errorf("serve: %w", err)
	}
}

// Version returns the version of the model being served.
func (s *Server) Version() string { return *s.version.Load() }

// Swap replaces the served model without dropping requests: m gets a
// warm-up pass first, and is rejected (the old model keeps serving) if it
// fails or its output width differs. Requests already batched finish on
// the old model. version becomes the reported model version; empty keeps
// the current one.
func (s *Server) Swap(m nn.Module, version string) error {
	if m == nil {
		return errors.New("serve: model is nil")
	}
	if err := s.batch.swap(m); err != nil {
		return err
	}
	if version != "" && version != s.Version() {
		old := s.Version()
		s.version.Store(&version)
		s.metrics.info.DeleteLabelValues(s.opts.Name, old, s.opts.Platform)
		s.metrics.info.WithLabelValues(s.opts.Name, version, s.opts.Platform).Set(1)
	}
	s.metrics.swaps.Inc()
	return nil
}

// Ready reports whether the server accepts inference requests.
func (s *Server) Ready() bool { return !s.draining.Load() }

// observeBatch runs on the batcher goroutine after each forward pass.
func (s *Server) observeBatch(rows int, x, out []float32) {
	s.metrics.batchSize.Observe(float64(rows))
	s.metrics.rows.Add(float64(rows))
	s.stats.batch(rows)
	if s.pipe.Load() != nil {
		return // drift watches the raw columns (transformRows)
	}
	for _, score := range s.drift.observe(x, rows) {
		s.metrics.drift.Set(score)
	}
}

// setPipeline serves p and scores drift on its number columns against
// their training statistics.
func (s *Server) setPipeline(p *prep.Pipeline) {
	mean, std, cols := pipelineReference(p)
	s.drift.setReference(mean, std, true)
	s.driftCols.Store(&cols)
	s.pipe.Store(p)
}

func nanValue() float64 { return math.NaN() }
