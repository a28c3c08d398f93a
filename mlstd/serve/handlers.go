package serve

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// httpError is an error with the HTTP status it maps to.
type httpError struct {
	code int
	msg  string
}

func (e *httpError) Error() string { return e.msg }

// errorf makes a 400 Bad Request error.
func errorf(format string, args ...any) error {
	return &httpError{code: http.StatusBadRequest, msg: "serve: " + fmt.Sprintf(format, args...)}
}

func codeOf(err error) int {
	var he *httpError
	var se *syntaxError
	switch {
	case errors.As(err, &he):
		return he.code
	case errors.As(err, &se):
		return http.StatusBadRequest
	case errors.Is(err, errQueueFull), errors.Is(err, errStopped):
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// statusWriter records the status code for metrics.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

// routes builds the v2 REST routes plus /metrics and feedback.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	h := func(pattern, endpoint string, f func(http.ResponseWriter, *http.Request) error) {
		mux.Handle(pattern, s.instrument(s.endpoint(endpoint), f))
	}
	h("GET /v2/health/live", "live", func(w http.ResponseWriter, r *http.Request) error {
		w.Header()["Content-Type"] = jsonContentType
		w.Write(liveBody)
		return nil
	})
	h("GET /v2/health/ready", "ready", s.handleReady)
	h("GET /v2", "server_metadata", s.handleServerMetadata)
	for _, prefix := range []string{"/v2/models/{name}", "/v2/models/{name}/versions/{version}"} {
		h("GET "+prefix, "model_metadata", s.handleModelMetadata)
		h("GET "+prefix+"/ready", "model_ready", s.handleModelReady)
		h("POST "+prefix+"/infer", "infer", s.handleInfer)
		h("POST "+prefix+"/feedback", "feedback", s.handleFeedback)
	}
	prom := promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{Registry: s.metrics.reg})
	h("GET /metrics", "metrics", func(w http.ResponseWriter, r *http.Request) error {
		prom.ServeHTTP(w, r)
		return nil
	})
	h("/", "other", func(w http.ResponseWriter, r *http.Request) error {
		if allow := allowed(mux, r); allow != "" {
			w.Header().Set("Allow", allow)
			return &httpError{code: http.StatusMethodNotAllowed, msg: fmt.Sprintf("serve: %s takes %s, not %s", r.URL.Path, allow, r.Method)}
		}
		return &httpError{code: http.StatusNotFound, msg: fmt.Sprintf("serve: no endpoint %s %s", r.Method, r.URL.Path)}
	})
	return mux
}

// allowed returns the methods mux has a route for at r's path other than
// the catch-all, comma-separated ("GET, HEAD"), for a 405's Allow header.
func allowed(mux *http.ServeMux, r *http.Request) string {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost} {
		r2 := *r
		r2.Method = m
		if _, pattern := mux.Handler(&r2); pattern != "/" && pattern != "" {
			allow = append(allow, m)
		}
	}
	return strings.Join(allow, ", ")
}

// Health response bodies (KServe v2: $live_server_response,
// $ready_server_response).
var (
	liveBody     = []byte(`{"live":true}`)
	readyBody    = []byte(`{"ready":true}`)
	notReadyBody = []byte(`{"ready":false}`)
)

// endpoint is one endpoint's metrics. The net/http routes and the
// connection loop's own fast path (front.go) count into the same series.
type endpoint struct {
	s    *Server
	name string
	lat  prometheus.Observer
	// The 200 series is looked up once, on the first success (creating it
	// earlier would export a zero series for endpoints never called).
	ok atomic.Pointer[prometheus.Counter]
}

// endpoint returns the metrics of the named endpoint, made on first use.
func (s *Server) endpoint(name string) *endpoint {
	s.endpointsMu.Lock()
	defer s.endpointsMu.Unlock()
	if s.endpoints == nil {
		s.endpoints = map[string]*endpoint{}
	}
	ep := s.endpoints[name]
	if ep == nil {
		ep = &endpoint{s: s, name: name, lat: s.metrics.latency.WithLabelValues(s.opts.Name, name)}
		s.endpoints[name] = ep
	}
	return ep
}

// done records a finished request: its latency and status code.
func (ep *endpoint) done(code int, d time.Duration) {
	s := ep.s
	ep.lat.Observe(d.Seconds())
	if code == http.StatusOK {
		c := ep.ok.Load()
		if c == nil {
			cc := s.metrics.requests.WithLabelValues(s.opts.Name, ep.name, "200")
			c = &cc
			ep.ok.Store(c)
		}
		(*c).Inc()
	} else {
		s.metrics.requests.WithLabelValues(s.opts.Name, ep.name, strconv.Itoa(code)).Inc()
	}
	if ep.name == "infer" {
		s.stats.request(d, code)
	}
}

// instrument wraps a handler with in-flight, latency and request metrics
// and turns its error into a {"error": "..."} response.
func (s *Server) instrument(ep *endpoint, f func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t0 := time.Now()
		s.metrics.inflight.Inc()
		defer s.metrics.inflight.Dec()
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		if !s.Ready() { // draining: close at this request boundary (see conn.respond)
			w.Header().Set("Connection", "close")
		}
		if err := f(sw, r); err != nil {
			writeError(sw, err)
		}
		ep.done(sw.code, time.Since(t0))
	})
}

// errorJSON is the body of an error response: {"error": "..."}.
func errorJSON(err error) []byte {
	b, _ := json.Marshal(map[string]string{"error": err.Error()})
	return b
}

func writeError(w http.ResponseWriter, err error) {
	b := errorJSON(err)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(codeOf(err))
	w.Write(b)
}

func writeJSON(w http.ResponseWriter, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
	return nil
}

// checkModel returns a 404 error unless the URL names this model (and, when
// given, its version).
func (s *Server) checkModel(r *http.Request) error {
	if name := r.PathValue("name"); name != s.opts.Name {
		return &httpError{code: http.StatusNotFound, msg: fmt.Sprintf("serve: model %q not found (this server has %q)", name, s.opts.Name)}
	}
	if v := r.PathValue("version"); v != "" && v != s.Version() {
		return &httpError{code: http.StatusNotFound, msg: fmt.Sprintf("serve: model %q has no version %q (it has %q)", s.opts.Name, v, s.Version())}
	}
	return nil
}

func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) error {
	w.Header()["Content-Type"] = jsonContentType
	if !s.Ready() {
		w.WriteHeader(http.StatusBadRequest) // the spec: 4xx means false
		w.Write(notReadyBody)
		return nil
	}
	w.Write(readyBody)
	return nil
}

// handleModelReady answers $ready_model_response: {"name": ..., "ready": ...}.
func (s *Server) handleModelReady(w http.ResponseWriter, r *http.Request) error {
	if err := s.checkModel(r); err != nil {
		return err
	}
	if !s.Ready() {
		w.Header()["Content-Type"] = jsonContentType
		w.WriteHeader(http.StatusBadRequest)
		b, _ := json.Marshal(map[string]any{"name": s.opts.Name, "ready": false})
		w.Write(b)
		return nil
	}
	return writeJSON(w, map[string]any{"name": s.opts.Name, "ready": true})
}

type metadataTensor struct {
	Name     string `json:"name"`
	Datatype string `json:"datatype"`
	Shape    []int  `json:"shape"`
}

func (s *Server) handleServerMetadata(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, map[string]any{"name": "gokernel", "version": ServerVersion(), "extensions": []string{"binary_tensor_data", "gokernel_feedback"}})
}

func (s *Server) handleModelMetadata(w http.ResponseWriter, r *http.Request) error {
	if err := s.checkModel(r); err != nil {
		return err
	}
	inputs := []metadataTensor{{s.opts.InputName, "FP32", append([]int{-1}, s.opts.InputShape...)}}
	if p := s.pipe.Load(); p != nil {
		inputs = inputs[:0]
		for _, in := range p.Inputs() {
			inputs = append(inputs, metadataTensor{in.Name, datatypeOf(in.Kind), []int{-1}})
		}
	}
	return writeJSON(w, map[string]any{
		"name":     s.opts.Name,
		"versions": []string{s.Version()},
		"platform": s.opts.Platform,
		"inputs":   inputs,
		"outputs": []metadataTensor{
			{outputLogits, "FP32", append([]int{-1}, s.outShape...)},
			{outputProbabilities, "FP32", append([]int{-1}, s.outShape...)},
			{outputClass, "INT64", []int{-1}},
		},
	})
}

// Output tensor names.
const (
	outputLogits        = "output"
	outputProbabilities = "probabilities"
	outputClass         = "predicted_class"
)

var bodyPool = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

// readBody reads the request body within Options.MaxBodyBytes into a pooled
// buffer; the caller returns it with bodyPool.Put.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) (*[]byte, error) {
	if r.ContentLength > s.opts.MaxBodyBytes {
		return nil, &httpError{code: http.StatusRequestEntityTooLarge,
			msg: fmt.Sprintf("serve: request body of %d bytes exceeds the limit of %d", r.ContentLength, s.opts.MaxBodyBytes)}
	}
	bp := bodyPool.Get().(*[]byte)
	buf := (*bp)[:0]
	if n := r.ContentLength; n > 0 && int64(cap(buf)) < n {
		buf = make([]byte, 0, n)
	}
	body := http.MaxBytesReader(w, r.Body, s.opts.MaxBodyBytes)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			*bp = buf
			bodyPool.Put(bp)
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, &httpError{code: http.StatusRequestEntityTooLarge,
					msg: fmt.Sprintf("serve: request body exceeds the limit of %d bytes", s.opts.MaxBodyBytes)}
			}
			return nil, errorf("reading the request body: %v", err)
		}
	}
	*bp = buf
	return bp, nil
}

// ServerVersion returns the gokernel serve version reported by GET /v2.
func ServerVersion() string { return "0.1.0" }
