package serve

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// maxClassLabels bounds the class label's cardinality: models with more
// outputs than this count predictions only in total.
const maxClassLabels = 100

// metricSet is one server's Prometheus metrics, registered on its own
// registry so several servers in one process do not collide.
type metricSet struct {
	reg          *prometheus.Registry
	requests     *prometheus.CounterVec   // model, endpoint, code
	latency      *prometheus.HistogramVec // model, endpoint
	batchSize    prometheus.Histogram
	inflight     prometheus.Gauge
	queue        prometheus.GaugeFunc
	loadTime     prometheus.Gauge
	info         *prometheus.GaugeVec
	rows         prometheus.Counter
	classes      *prometheus.CounterVec // model, class
	drift        prometheus.Gauge
	feedback     prometheus.Counter
	accuracy     prometheus.Gauge
	precision    prometheus.Gauge
	recall       prometheus.Gauge
	f1           prometheus.Gauge
	swaps        prometheus.Counter
	reloadErrors prometheus.Counter
}

func newMetricSet(model, version, platform string, queueDepth func() float64) *metricSet {
	reg := prometheus.NewRegistry()
	f := func(c prometheus.Collector) { reg.MustRegister(c) }
	ml := prometheus.Labels{"model": model}
	m := &metricSet{reg: reg}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "gokernel_serve_requests_total", Help: "HTTP requests by model, endpoint and status code.",
	}, []string{"model", "endpoint", "code"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "gokernel_serve_request_duration_seconds", Help: "Request latency from the first byte read to the last byte written.",
		Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"model", "endpoint"})
	m.batchSize = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "gokernel_serve_batch_size", Help: "Rows per model forward pass after dynamic batching.",
		Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024}, ConstLabels: ml,
	})
	m.inflight = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "gokernel_serve_inflight_requests", Help: "Requests being handled now.", ConstLabels: ml,
	})
	m.queue = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "gokernel_serve_queue_depth", Help: "Requests waiting for the model.", ConstLabels: ml,
	}, queueDepth)
	m.loadTime = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "gokernel_serve_model_load_seconds", Help: "Time to load and warm up the model.", ConstLabels: ml,
	})
	m.info = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "gokernel_serve_model_info", Help: "Always 1; labels carry the served model's version and platform.",
	}, []string{"model", "version", "platform"})
	m.rows = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "gokernel_serve_inference_rows_total", Help: "Examples (batch rows) run through the model.", ConstLabels: ml,
	})
	m.classes = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "gokernel_serve_predictions_total", Help: "Predicted classes (argmax of the model output).",
	}, []string{"model", "class"})
	m.drift = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "gokernel_serve_input_drift_score", ConstLabels: ml,
		Help: "Mean absolute z-shift of the last input window's feature means against the training reference (NaN until the first window).",
	})
	m.feedback = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "gokernel_serve_feedback_labels_total", Help: "True labels received and matched to predictions.", ConstLabels: ml,
	})
	gauge := func(name, help string) prometheus.Gauge {
		return prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help, ConstLabels: ml})
	}
	m.accuracy = gauge("gokernel_serve_feedback_accuracy", "Accuracy over all predictions with feedback (NaN before any).")
	m.precision = gauge("gokernel_serve_feedback_precision", "Macro-averaged precision over predictions with feedback.")
	m.recall = gauge("gokernel_serve_feedback_recall", "Macro-averaged recall over predictions with feedback.")
	m.f1 = gauge("gokernel_serve_feedback_f1", "Macro-averaged F1 over predictions with feedback.")
	m.swaps = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "gokernel_serve_model_reloads_total", Help: "Models swapped in while serving (hot reloads).", ConstLabels: ml,
	})
	m.reloadErrors = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "gokernel_serve_model_reload_errors_total", Help: "Replaced model files rejected (corrupt or not fitting); the old model kept serving.", ConstLabels: ml,
	})
	for _, c := range []prometheus.Collector{m.swaps, m.reloadErrors, m.requests, m.latency, m.batchSize, m.inflight, m.queue, m.loadTime,
		m.info, m.rows, m.classes, m.drift, m.feedback, m.accuracy, m.precision, m.recall, m.f1,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})} {
		f(c)
	}
	m.info.WithLabelValues(model, version, platform).Set(1)
	nan := func(g prometheus.Gauge) { g.Set(nanValue()) }
	nan(m.drift)
	nan(m.accuracy)
	nan(m.precision)
	nan(m.recall)
	nan(m.f1)
	return m
}

// classLabel names class c for the predictions metric.
func classLabel(names []string, c int) string {
	if c < len(names) {
		return names[c]
	}
	return strconv.Itoa(c)
}
