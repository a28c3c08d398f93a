package serve

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/gokernel/gokernel/mlstd/display"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// scrape fetches /metrics and parses it with Prometheus' own text parser.
func scrape(t *testing.T, s *Server) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(s.URL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics: %d", resp.StatusCode)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parsing /metrics: %v", err)
	}
	return fams
}

// value returns the value of the family's series whose labels include want.
func value(t *testing.T, fams map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	t.Helper()
	f, ok := fams[name]
	if !ok {
		t.Fatalf("metric %s missing", name)
	}
next:
	for _, m := range f.Metric {
		for k, v := range want {
			found := false
			for _, l := range m.Label {
				if l.GetName() == k && l.GetValue() == v {
					found = true
				}
			}
			if !found {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	t.Fatalf("metric %s has no series with labels %v", name, want)
	return 0
}

func TestMetricsScrape(t *testing.T) {
	s := start(t, newPicker(4, 3), Options{Name: "pick", Version: "3"})
	for i := 0; i < 5; i++ {
		row := []float32{0, 0, 0, 0}
		row[i%2] = 1 // classes 0,1,0,1,0
		if code, body := do(t, "POST", s.InferURL(), inferBody("", []int{1, 4}, row)); code != 200 {
			t.Fatalf("infer: %d %s", code, body)
		}
	}
	do(t, "POST", s.InferURL(), `{"inputs":[]}`)
	do(t, "POST", s.URL()+"/v2/models/nope/infer", `{}`)
	do(t, "GET", s.URL()+"/v2/health/live", "")

	fams := scrape(t, s)
	checks := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"gokernel_serve_requests_total", map[string]string{"model": "pick", "endpoint": "infer", "code": "200"}, 5},
		{"gokernel_serve_requests_total", map[string]string{"endpoint": "infer", "code": "400"}, 1},
		{"gokernel_serve_requests_total", map[string]string{"endpoint": "infer", "code": "404"}, 1},
		{"gokernel_serve_requests_total", map[string]string{"endpoint": "live", "code": "200"}, 1},
		{"gokernel_serve_request_duration_seconds", map[string]string{"endpoint": "infer"}, 7},
		{"gokernel_serve_batch_size", nil, 5},
		{"gokernel_serve_inference_rows_total", nil, 5},
		{"gokernel_serve_predictions_total", map[string]string{"class": "0"}, 3},
		{"gokernel_serve_predictions_total", map[string]string{"class": "1"}, 2},
		{"gokernel_serve_model_info", map[string]string{"model": "pick", "version": "3", "platform": "gokernel_mlstd"}, 1},
		{"gokernel_serve_inflight_requests", nil, 1}, // the scrape itself
		{"gokernel_serve_queue_depth", nil, 0},
	}
	for _, c := range checks {
		if got := value(t, fams, c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v; want %v", c.name, c.labels, got, c.want)
		}
	}
	if v := value(t, fams, "gokernel_serve_model_load_seconds", nil); v <= 0 || v > 5 {
		t.Errorf("model_load_seconds = %v", v)
	}
	if v := value(t, fams, "gokernel_serve_feedback_accuracy", nil); !math.IsNaN(v) {
		t.Errorf("accuracy before feedback = %v; want NaN", v)
	}
	for _, name := range []string{"go_goroutines", "go_memstats_heap_alloc_bytes", "process_resident_memory_bytes", "process_cpu_seconds_total"} {
		if _, ok := fams[name]; !ok {
			t.Errorf("metric %s missing (process/Go collectors)", name)
		}
	}
	// Two servers in one process keep separate registries.
	s2 := start(t, newPicker(4, 3), Options{Name: "pick"})
	if v := value(t, scrape(t, s2), "gokernel_serve_batch_size", nil); v != 0 {
		t.Errorf("second server's batch count = %v; want 0 (registries shared?)", v)
	}
}

func TestFeedback(t *testing.T) {
	s := start(t, newPicker(4, 3), Options{Name: "pick", FeedbackCapacity: 3})
	// Predictions: id a → [0 1], b → [2], c → [1], d → [0]; capacity 3 evicts a.
	send := func(id string, rows [][]float32) {
		var data []float32
		for _, r := range rows {
			data = append(data, r...)
		}
		if code, body := do(t, "POST", s.InferURL(), inferBody(id, []int{len(rows), 4}, data)); code != 200 {
			t.Fatalf("infer %s: %d %s", id, code, body)
		}
	}
	send("a", [][]float32{{1, 0, 0, 0}, {0, 1, 0, 0}})
	send("b", [][]float32{{0, 0, 1, 0}})
	send("c", [][]float32{{0, 1, 0, 0}})
	send("d", [][]float32{{1, 0, 0, 0}})
	fb := func(body string) (int, string) { return do(t, "POST", s.URL()+"/v2/models/pick/feedback", body) }
	tests := []struct {
		body string
		code int
		msg  string
	}{
		{`{"id":"a","labels":[0,1]}`, 404, "no recent prediction"}, // evicted
		{`{"id":"b","labels":[2,2]}`, 400, "has 2 labels"},
		{`{"id":"b","label":7}`, 400, "outside"},
		{`{"id":"b"}`, 400, `feedback needs`},
		{`{"labels":[1]}`, 400, `needs the prediction`},
		{`{"id":`, 400, "invalid feedback"},
		{`{"id":"b","label":2}`, 200, `"predicted":[2]`},    // correct
		{`{"id":"b","label":2}`, 404, "already labelled"},   // used once
		{`{"id":"c","labels":[2]}`, 200, `"predicted":[1]`}, // wrong: true 2, predicted 1
		{`{"id":"d","label":0}`, 200, `"labelled_total":3`}, // correct
	}
	for _, tt := range tests {
		code, body := fb(tt.body)
		if code != tt.code || !strings.Contains(body, tt.msg) {
			t.Errorf("feedback %s: %d %s; want %d containing %q", tt.body, code, body, tt.code, tt.msg)
		}
	}
	// Truth [2 2 0], predicted [2 1 0]: accuracy 2/3; classes 0,1,2:
	// precision (1 + 0 + 1)/3, recall (1 + 0 + 0.5)/3, F1 (1 + 0 + 2/3)/3.
	q := s.Stats().Quality
	want := Quality{Labelled: 3, Accuracy: 2. / 3, Precision: 2. / 3, Recall: 0.5, F1: (1 + 2./3) / 3}
	if q.Labelled != want.Labelled || !near(q.Accuracy, want.Accuracy) || !near(q.Precision, want.Precision) ||
		!near(q.Recall, want.Recall) || !near(q.F1, want.F1) {
		t.Errorf("quality = %+v; want %+v", q, want)
	}
	fams := scrape(t, s)
	if v := value(t, fams, "gokernel_serve_feedback_accuracy", nil); !near(v, 2./3) {
		t.Errorf("accuracy gauge = %v; want 0.667", v)
	}
	if v := value(t, fams, "gokernel_serve_feedback_f1", nil); !near(v, want.F1) {
		t.Errorf("f1 gauge = %v; want %v", v, want.F1)
	}
	if v := value(t, fams, "gokernel_serve_feedback_labels_total", nil); v != 3 {
		t.Errorf("feedback_labels_total = %v; want 3", v)
	}
	// The client helpers round-trip the same flow.
	p, err := Infer(s.URL(), "pick", "e", tensor.New([]float32{0, 0, 5, 1}, 1, 4))
	if err != nil || p.ID != "e" || !slices.Equal(p.Classes, []int{2}) || p.Output.Dim(1) != 3 {
		t.Fatalf("Infer = %+v, %v", p, err)
	}
	if err := Feedback(s.URL(), "pick", "e", []int{2}); err != nil {
		t.Fatal(err)
	}
	if err := Feedback(s.URL(), "pick", "e", []int{2}); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("second Feedback for one id: %v; want a 404 error", err)
	} else if n := strings.Count(err.Error(), "serve: "); n != 1 {
		t.Errorf("second Feedback for one id: %q says \"serve: \" %d times; want once", err, n)
	}
	if n := s.Stats().Quality.Labelled; n != 4 {
		t.Errorf("labelled = %d; want 4", n)
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestDriftRisesOnShiftedInputs(t *testing.T) {
	const feat, window = 8, 64
	rng := rand.New(rand.NewPCG(1, 2))
	gen := func(n int, shift float64) []float32 {
		x := make([]float32, n*feat)
		for i := range x {
			x[i] = float32(rng.NormFloat64()*2 + 3 + shift) // training: mean 3, std 2
		}
		return x
	}
	mean, std := ReferenceStats(tensor.New(gen(5000, 0), 5000, feat))
	if math.Abs(mean[0]-3) > 0.1 || math.Abs(std[0]-2) > 0.1 {
		t.Fatalf("ReferenceStats: mean %v std %v; want about 3 and 2", mean[0], std[0])
	}
	s := start(t, newPicker(feat, 3), Options{RefMean: mean, RefStd: std, DriftWindow: window})
	if d := s.Stats().Drift; !math.IsNaN(d) {
		t.Errorf("drift before any window = %v; want NaN", d)
	}
	post := func(shift float64) float64 {
		for i := 0; i < window/16; i++ {
			if code, body := do(t, "POST", s.InferURL(), inferBody("", []int{16, feat}, gen(16, shift))); code != 200 {
				t.Fatalf("infer: %d %s", code, body)
			}
		}
		return s.Stats().Drift
	}
	calm := post(0)
	shifted := post(2) // one training standard deviation
	// Expected: about sqrt(2/(π·64)) = 0.1 without drift, about 1 with it.
	if calm > 0.35 || shifted < 0.7 || shifted > 1.3 {
		t.Errorf("drift: %.3f on training-like inputs, %.3f on inputs shifted by 1 std; want < 0.35 and ≈ 1", calm, shifted)
	}
	st := s.Stats()
	if len(st.DriftHistory) != 2 || !slices.Equal(st.DriftScores(), []float64{calm, shifted}) {
		t.Errorf("drift history = %v; want [%v %v]", st.DriftScores(), calm, shifted)
	}
	if v := value(t, scrape(t, s), "gokernel_serve_input_drift_score", nil); v != shifted {
		t.Errorf("drift gauge = %v; want %v", v, shifted)
	}
	t.Logf("drift score: %.3f (training-like) → %.3f (shifted by 1 std)", calm, shifted)
}

func TestStatsText(t *testing.T) {
	s := start(t, newPicker(4, 3), Options{Name: "pick", Classes: []string{"cat", "dog", "owl"}})
	do(t, "POST", s.InferURL(), inferBody("", []int{2, 4}, []float32{0, 1, 0, 0, 0, 1, 0, 0}))
	st := s.Stats()
	if st.Requests != 1 || st.Errors != 0 || st.Rows != 2 || !slices.Equal(st.ClassCounts, []int64{0, 2, 0}) {
		t.Errorf("stats = %+v", st)
	}
	txt := st.String()
	for _, want := range []string{"pick v1 at http://127.0.0.1:", "(ready)", "cat:0 dog:2 owl:0", "1 (0 errors), 2 rows in 1 batches", "accuracy n/a"} {
		if !strings.Contains(txt, want) {
			t.Errorf("String() = %q; want it to contain %q", txt, want)
		}
	}
	if h := st.HTML(); !strings.HasPrefix(h, "<table>") || !strings.Contains(h, "dog:2") {
		t.Errorf("HTML() = %q", h)
	}
	// A notebook shows a Stats value as its HTML table, with the text form beside it.
	b := display.MIME(st)
	if h, _ := b["text/html"].(string); !strings.Contains(h, "dog:2") || !strings.Contains(fmt.Sprint(b["text/plain"]), "cat:0 dog:2 owl:0") {
		t.Errorf("display.MIME(stats) = %v", b)
	}
	if value(t, scrape(t, s), "gokernel_serve_predictions_total", map[string]string{"class": "dog"}) != 2 {
		t.Error("predictions_total{class=dog} != 2")
	}
}

// TestLoad drives 2,000 requests (one 784-feature row each) from 8
// goroutines and reports latency percentiles and throughput.
func TestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	const n, workers, feat = 2000, 8, 784
	s := start(t, newPicker(feat, 10), Options{})
	rng := rand.New(rand.NewPCG(3, 4))
	bodies := make([]string, 16)
	for i := range bodies {
		x := make([]float32, feat)
		for j := range x {
			x[j] = float32(rng.Float64())
		}
		bodies[i] = inferBody("", []int{1, feat}, x)
	}
	tr := &http.Transport{MaxIdleConnsPerHost: workers}
	defer tr.CloseIdleConnections()
	cl := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	lat := make([]time.Duration, n)
	var wg sync.WaitGroup
	var errs sync.Map
	next := make(chan int, n)
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	t0 := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				ts := time.Now()
				resp, err := cl.Post(s.InferURL(), "application/json", strings.NewReader(bodies[i%len(bodies)]))
				if err != nil {
					errs.Store(i, err)
					continue
				}
				var b [4096]byte
				for {
					if _, err := resp.Body.Read(b[:]); err != nil {
						break
					}
				}
				resp.Body.Close()
				lat[i] = time.Since(ts)
				if resp.StatusCode != 200 {
					errs.Store(i, fmt.Errorf("status %d", resp.StatusCode))
				}
			}
		}()
	}
	wg.Wait()
	el := time.Since(t0)
	nerr := 0
	errs.Range(func(k, v any) bool { nerr++; t.Errorf("request %v: %v", k, v); return nerr < 5 })
	st := s.Stats()
	if st.Requests != n || st.Errors != 0 {
		t.Errorf("server counted %d requests, %d errors; want %d, 0", st.Requests, st.Errors, n)
	}
	slices.Sort(lat)
	t.Logf("load: %d requests (B=1, 784 FP32 features), %d client goroutines: %.0f req/s, client p50 %v p99 %v max %v; server p50 %v p99 %v; mean batch %.2f",
		n, workers, float64(n)/el.Seconds(), lat[n/2], lat[n*99/100], lat[n-1], st.LatencyP50, st.LatencyP99, st.MeanBatch)
}
