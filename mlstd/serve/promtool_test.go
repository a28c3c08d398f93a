package serve

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestPromtoolCheckMetrics runs `promtool check metrics` (Debian package
// prometheus) on a scrape of a server that has served and had feedback.
func TestPromtoolCheckMetrics(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool not installed (apt-get install prometheus)")
	}
	s := start(t, newPicker(4, 3), Options{Name: "pick", RefMean: []float64{0, 0, 0, 0}, RefStd: []float64{1, 1, 1, 1}, DriftWindow: 2})
	do(t, "POST", s.InferURL(), inferBody("a", []int{2, 4}, []float32{1, 0, 0, 0, 0, 1, 0, 0}))
	do(t, "POST", s.URL()+"/v2/models/pick/feedback", `{"id":"a","labels":[0,0]}`)
	_, body := do(t, "GET", s.URL()+"/metrics", "")
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(body)
	out, err := cmd.CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

// TestPrometheusScrapes runs a real Prometheus against the server and asks
// it, in PromQL, how many inference requests it saw.
func TestPrometheusScrapes(t *testing.T) {
	bin, err := exec.LookPath("prometheus")
	if err != nil || testing.Short() {
		t.Skip("prometheus not installed (apt-get install prometheus) or -short")
	}
	s := start(t, newPicker(4, 3), Options{Name: "pick"})
	const n = 17
	for i := 0; i < n; i++ {
		if code, _ := do(t, "POST", s.InferURL(), inferBody("", []int{1, 4}, []float32{0, 0, 1, 0})); code != 200 {
			t.Fatal(code)
		}
	}
	dir := t.TempDir()
	cfg := fmt.Sprintf("global: {scrape_interval: 1s}\nscrape_configs:\n  - job_name: gk\n    static_configs: [{targets: [%q]}]\n", s.Addr())
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "--config.file="+filepath.Join(dir, "prometheus.yml"), "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr, "--log.level=warn")
	var log strings.Builder
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	q := url.QueryEscape(`sum(gokernel_serve_requests_total{job="gk",endpoint="infer",code="200"})`)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		time.Sleep(500 * time.Millisecond)
		resp, err := http.Get("http://" + addr + "/api/v1/query?query=" + q)
		if err != nil {
			continue
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var r struct {
			Data struct {
				Result []struct {
					Value [2]any `json:"value"`
				} `json:"result"`
			} `json:"data"`
		}
		if json.Unmarshal(b, &r) != nil || len(r.Data.Result) == 0 {
			continue
		}
		if v := r.Data.Result[0].Value[1]; v != fmt.Sprint(n) {
			t.Fatalf("PromQL request count = %v; want %d", v, n)
		}
		return
	}
	t.Fatalf("Prometheus never returned the series within 20 s; its log:\n%s", log.String())
}
