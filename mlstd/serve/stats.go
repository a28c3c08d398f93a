package serve

import (
	"fmt"
	"html"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gokernel/gokernel/mlstd/metrics"
)

// latencyWindow is how many recent inference latencies Stats keeps.
const latencyWindow = 4096

// statsCollector keeps the figures Stats reports that Prometheus
// histograms cannot give back exactly (percentiles of recent requests).
type statsCollector struct {
	mu        sync.Mutex
	requests  int64
	errors    int64
	lat       []time.Duration // ring of recent successful latencies
	latNext   int
	batches   int64
	batchRows int64
}

func (c *statsCollector) request(d time.Duration, code int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.requests++
	if code != 200 {
		c.errors++
		return
	}
	if len(c.lat) < latencyWindow {
		c.lat = append(c.lat, d)
	} else {
		c.lat[c.latNext] = d
		c.latNext = (c.latNext + 1) % latencyWindow
	}
}

func (c *statsCollector) batch(rows int) {
	c.mu.Lock()
	c.batches++
	c.batchRows += int64(rows)
	c.mu.Unlock()
}

// Stats is a snapshot of a server's serving and model-quality figures, for
// a cell to show or plot. Take one with (*Server).Stats.
type Stats struct {
	Model    string
	Version  string
	URL      string
	Ready    bool
	Uptime   time.Duration
	LoadTime time.Duration

	Requests   int64         // inference requests answered, any status
	Errors     int64         // of which not 200
	Rows       int64         // examples run through the model
	Batches    int64         // forward passes
	MeanBatch  float64       // Rows / Batches: > request size shows dynamic batching
	LatencyP50 time.Duration // over the last 4096 successful requests
	LatencyP99 time.Duration

	Classes     []string // class names
	ClassCounts []int64  // predictions per class

	Drift        float64      // last completed window's drift score; NaN without reference or before a window
	DriftHistory []DriftPoint // recent window scores, oldest first

	Quality   Quality                  // accuracy etc. from feedback labels
	Confusion *metrics.ConfusionMatrix // of the predictions with feedback
}

// Stats returns a snapshot of the server's figures.
func (s *Server) Stats() Stats {
	st := Stats{
		Model: s.opts.Name, Version: s.Version(), URL: s.url, Ready: s.Ready(),
		Uptime: time.Since(s.started), LoadTime: s.loadTime,
	}
	c := &s.stats
	c.mu.Lock()
	st.Requests, st.Errors, st.Batches, st.Rows = c.requests, c.errors, c.batches, c.batchRows
	lat := slices.Clone(c.lat)
	c.mu.Unlock()
	if st.Batches > 0 {
		st.MeanBatch = float64(st.Rows) / float64(st.Batches)
	}
	st.LatencyP50, st.LatencyP99 = percentile(lat, 0.50), percentile(lat, 0.99)
	st.ClassCounts = make([]int64, s.classes)
	st.Classes = make([]string, s.classes)
	for i := range st.ClassCounts {
		st.ClassCounts[i] = s.classCount[i].Load()
		st.Classes[i] = classLabel(s.opts.Classes, i)
	}
	st.Drift, st.DriftHistory = s.drift.snapshot()
	st.Quality = s.preds.quality()
	st.Confusion = s.preds.confusion(s.opts.Classes)
	return st
}

// percentile returns the nearest-rank q-quantile of d (0 when empty); it
// sorts d.
func percentile(d []time.Duration, q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	i := int(math.Ceil(q*float64(len(d)))) - 1
	return d[max(0, min(i, len(d)-1))]
}

// DriftScores returns the drift history's scores, oldest first, for
// plotting.
func (st Stats) DriftScores() []float64 {
	out := make([]float64, len(st.DriftHistory))
	for i, p := range st.DriftHistory {
		out[i] = p.Score
	}
	return out
}

func fmtFloat(v float64) string {
	if math.IsNaN(v) {
		return "n/a"
	}
	return fmt.Sprintf("%.3f", v)
}

// rows returns the figures as label/value pairs, shared by String and HTML.
func (st Stats) rows() [][2]string {
	state := "ready"
	if !st.Ready {
		state = "stopped"
	}
	var cls strings.Builder
	for i, n := range st.ClassCounts {
		if i > 0 {
			cls.WriteString(" ")
		}
		fmt.Fprintf(&cls, "%s:%d", st.Classes[i], n)
	}
	q := st.Quality
	return [][2]string{
		{"model", fmt.Sprintf("%s v%s at %s (%s)", st.Model, st.Version, st.URL, state)},
		{"uptime / load", fmt.Sprintf("%v / %v", st.Uptime.Round(time.Millisecond), st.LoadTime.Round(time.Microsecond))},
		{"requests", fmt.Sprintf("%d (%d errors), %d rows in %d batches (mean %.1f)", st.Requests, st.Errors, st.Rows, st.Batches, st.MeanBatch)},
		{"latency", fmt.Sprintf("p50 %v  p99 %v", st.LatencyP50, st.LatencyP99)},
		{"predicted classes", cls.String()},
		{"input drift", fmt.Sprintf("%s (%d windows)", fmtFloat(st.Drift), len(st.DriftHistory))},
		{"feedback", fmt.Sprintf("%d labelled: accuracy %s precision %s recall %s F1 %s",
			q.Labelled, fmtFloat(q.Accuracy), fmtFloat(q.Precision), fmtFloat(q.Recall), fmtFloat(q.F1))},
	}
}

// String formats the snapshot as a few aligned lines.
func (st Stats) String() string {
	var b strings.Builder
	for _, r := range st.rows() {
		fmt.Fprintf(&b, "%-18s %s\n", r[0], r[1])
	}
	return strings.TrimRight(b.String(), "\n")
}

// HTML formats the snapshot as a table for a notebook.
func (st Stats) HTML() string {
	var b strings.Builder
	b.WriteString("<table>")
	for _, r := range st.rows() {
		fmt.Fprintf(&b, "<tr><th style=\"text-align:left\">%s</th><td style=\"text-align:left\">%s</td></tr>", html.EscapeString(r[0]), html.EscapeString(r[1]))
	}
	b.WriteString("</table>")
	return b.String()
}
