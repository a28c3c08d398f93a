package notebooks_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// browserRun is what testdata/browser/run_notebook.js reports about the
// live page after running every cell.
type browserRun struct {
	Imgs []struct {
		Cls          string `json:"cls"`
		NaturalWidth int    `json:"naturalWidth"`
		NaturalHight int    `json:"naturalHeight"`
		PNG          bool   `json:"png"`
	} `json:"imgs"`
	Bars []struct {
		Value float64 `json:"value"`
		Max   float64 `json:"max"`
	} `json:"bars"`
	Seen          []float64 `json:"seen"`
	Errors        []string  `json:"errors"`
	Cells         []any     `json:"cells"`
	HTML          string    `json:"html"`
	ReadyMs       int       `json:"readyMs"`
	RanMs         int       `json:"ranMs"`
	ConsoleErrors []string  `json:"consoleErrors"`
}

// browserRunNotebook is browserNotebook with more batches (15000, about
// 1.5 s of training here), so the live display, throttled by train to one
// update per 200 ms, updates several times while the browser watches.
func browserRunNotebook() []string {
	cells := append([]string{}, browserNotebook...)
	cells[1] = strings.Replace(cells[1], "data.Blobs(6000,", "data.Blobs(80000,", 1)
	cells[1] = strings.Replace(cells[1], "BatchSize: 32,", "BatchSize: 16,", 1)
	return cells
}

// TestNotebookRunsInBrowser opens an unexecuted notebook (a training cell
// with train.Fit's live display, a chart cell, Markdown) in classic
// Notebook served with the gokernel kernelspec, runs all cells from
// headless Chromium driven by playwright-core, and asserts on the live
// DOM: every code cell ran, a chart img decoded (naturalWidth > 0), the
// progress bar reached its max, no error or stderr output. The full-page
// screenshot goes to the test's temp dir (and GOKERNEL_SCREENSHOT_DIR).
func TestNotebookRunsInBrowser(t *testing.T) {
	got, logs := runInBrowser(t, "run", makeNotebook(t, "go", browserRunNotebook()...), 2*time.Minute)

	if strings.Count(browserRunNotebook()[1], "80000") != 1 {
		t.Fatal("browserRunNotebook did not enlarge the training cell")
	}
	if len(got.Cells) != len(browserNotebook) {
		t.Errorf("%d code cells in the page, want %d", len(got.Cells), len(browserNotebook))
	}
	for i, n := range got.Cells {
		if f, ok := n.(float64); !ok || f != float64(i+1) {
			t.Errorf("code cell %d has prompt %v, want In [%d]", i, n, i+1)
		}
	}
	decoded := 0
	for _, img := range got.Imgs {
		t.Logf("img class=%q png=%v %dx%d", img.Cls, img.PNG, img.NaturalWidth, img.NaturalHight)
		if img.PNG && img.NaturalWidth > 0 && img.NaturalHight > 0 {
			decoded++
		}
	}
	// Two charts: the live loss chart of the progress display and the
	// chart cell's result.
	if decoded < 2 {
		t.Errorf("%d decoded PNG images in the outputs, want >= 2 (live loss chart and chart cell)", decoded)
	}
	if len(got.Bars) == 0 {
		t.Error("no <progress> bar in the outputs")
	}
	for _, b := range got.Bars {
		t.Logf("progress bar value=%v max=%v", b.Value, b.Max)
		if b.Max <= 0 || b.Value != b.Max {
			t.Errorf("progress bar at %v of %v, want 100%%", b.Value, b.Max)
		}
	}
	// The live display updated in place: the page showed the bar part
	// way (strictly between 0 and 100 %) before it showed it full.
	t.Logf("progress values the page showed while running (%%): %v", got.Seen)
	partial := false
	for _, v := range got.Seen {
		if v > 0 && v < 100 {
			partial = true
		}
	}
	if !partial {
		t.Errorf("the page never showed the progress bar below 100%% while training (values seen %v): the live display did not update", got.Seen)
	}
	for _, e := range got.Errors {
		t.Errorf("error output in the page: %s", e)
	}
	if !strings.Contains(got.HTML, "gokernel-progress") {
		t.Error("the page lacks the progress display (.gokernel-progress)")
	}
	if !strings.Contains(got.HTML, "rendered markdown") {
		t.Error("the page lacks the Markdown cell's output")
	}
	if len(got.ConsoleErrors) > 0 {
		t.Logf("browser console errors (not asserted): %q", got.ConsoleErrors)
	}
	if !strings.Contains(logs.String(), "name: gokernel") {
		t.Errorf("the Notebook server never started a gokernel kernel; its log:\n%s", tail(logs.String(), 3000))
	}
}

// runInBrowser serves the notebook nb (its JSON) as notebooks/NAME.ipynb
// in classic Notebook with the gokernel kernelspec, runs all its cells from
// headless Chromium driven by playwright-core (waiting up to timeout for
// them) and returns what the live page showed and the server's log. The
// full-page screenshot goes to the test's temp dir (and, as
// notebook-NAME.png with the page's HTML, to GOKERNEL_SCREENSHOT_DIR).
func runInBrowser(t *testing.T, name string, nb []byte, timeout time.Duration) (browserRun, *syncBuffer) {
	t.Helper()
	needFile(t, chromium, "chromium")
	needPython(t, "notebook.notebookapp", "nbformat")
	node, err := exec.LookPath("node")
	if err != nil {
		missing(t, "node is not on PATH (Debian package nodejs)")
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		missing(t, "npm is not on PATH (Debian package npm)")
	}
	script := nodeDeps(t, npm)

	dir := t.TempDir()
	nbDir := filepath.Join(dir, "notebooks")
	if err := os.Mkdir(nbDir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(nbDir, name+".ipynb"), nb)
	base, logs := startNotebookServer(t, nbDir)

	shot := filepath.Join(dir, name+".png")
	start := time.Now()
	r := run(t, dir, timeout+30*time.Second, []string{"CHROMIUM=" + chromium}, node, script,
		base+"/notebooks/"+name+".ipynb?token="+browseToken, shot, fmt.Sprint(timeout.Milliseconds()))
	if r.code != 0 {
		t.Fatalf("run_notebook.js: exit %d after %v\n%s\nserver log:\n%s", r.code, r.elapsed, tail(r.stderr, 3000), tail(logs.String(), 3000))
	}
	var got browserRun
	if err := json.Unmarshal([]byte(lastLine(r.stdout)), &got); err != nil {
		t.Fatalf("run_notebook.js output: %v\n%s", err, tail(r.stdout, 2000))
	}
	t.Logf("kernel ready after %d ms, all cells done after %d ms (whole browser run %v)", got.ReadyMs, got.RanMs, time.Since(start).Round(time.Millisecond))
	// A full-page shot is taller than the 900-pixel window: the #site style worked.
	if size := checkScreenshot(t, shot); size.X != 1280 || size.Y <= 900 {
		t.Errorf("screenshot is %v, want 1280 wide and taller than the 900-pixel window", size)
	}
	if keep := os.Getenv("GOKERNEL_SCREENSHOT_DIR"); keep != "" {
		copyFile(t, shot, filepath.Join(keep, "notebook-"+name+".png"))
		writeFile(t, filepath.Join(keep, "notebook-"+name+".html"), []byte(got.HTML))
	}
	return got, logs
}

// TestCNNNotebookRunsInBrowser runs notebooks/cnn.ipynb, its outputs
// removed, in classic Notebook from headless Chromium, training one epoch:
// the server runs with the tests' GOKERNEL_EPOCHS=1 (clientEnv), Jupyter
// starts the kernel with the server's environment, and the training cell
// reads the variable as it does under gokernel run. Every code cell ran in
// order, the live training display reached its end after one epoch
// ("epoch 1/1", so the variable reached the kernel), the charts (shifted
// digits, loss, confusion matrix, predictions, filters, the digit and its
// two layers of feature maps) decoded as images, the served prediction
// matched, and no cell failed.
func TestCNNNotebookRunsInBrowser(t *testing.T) {
	nb := readNotebook(t, "cnn.ipynb")
	code := 0
	for i := range nb.Cells {
		if nb.Cells[i].CellType == "code" {
			code++
		}
	}
	var raw map[string]any
	b, err := os.ReadFile("cnn.ipynb")
	if err == nil {
		err = json.Unmarshal(b, &raw)
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range raw["cells"].([]any) {
		if c := c.(map[string]any); c["cell_type"] == "code" {
			c["outputs"], c["execution_count"] = []any{}, nil
		}
	}
	if b, err = json.Marshal(raw); err != nil {
		t.Fatal(err)
	}
	got, _ := runInBrowser(t, "cnn", b, cnnTimeout)
	if len(got.Cells) != code {
		t.Errorf("%d code cells in the page, want %d", len(got.Cells), code)
	}
	for i, n := range got.Cells {
		if f, ok := n.(float64); !ok || f != float64(i+1) {
			t.Errorf("code cell %d has prompt %v, want In [%d]", i, n, i+1)
		}
	}
	decoded := 0
	for _, img := range got.Imgs {
		if img.PNG && img.NaturalWidth > 0 && img.NaturalHight > 0 {
			decoded++
		}
	}
	if decoded < 8 {
		t.Errorf("%d decoded PNG images in the outputs, want >= 8", decoded)
	}
	if len(got.Bars) != 1 || got.Bars[0].Max <= 0 || got.Bars[0].Value != got.Bars[0].Max {
		t.Errorf("progress bars %v, want one at 100%%", got.Bars)
	}
	for _, e := range got.Errors {
		t.Errorf("error output in the page: %s", e)
	}
	if !strings.Contains(got.HTML, "epoch 1/1") {
		t.Error(`the page lacks the finished display of one epoch ("epoch 1/1")`)
	}
	if m := accuracyRE.FindStringSubmatch(got.HTML); m == nil {
		t.Error(`the page lacks the "test accuracy: NN.NN%" line`)
	} else {
		t.Logf("test accuracy after 1 epoch in the browser: %s %%", m[1])
	}
	if !strings.Contains(got.HTML, "largest logit difference: 0") {
		t.Error("the served logits differ from the notebook's (no \"largest logit difference: 0\")")
	}
}

// nodeDeps installs testdata/browser's locked node modules (playwright-core,
// which drives Debian's Chromium: no browser is downloaded) with `npm ci`
// into a cache dir keyed by the lock file's digest, and returns the path
// of run_notebook.js there. npm failing (offline) skips, or fails under
// GOKERNEL_REQUIRE_CLIENTS=1.
func nodeDeps(t *testing.T, npm string) string {
	t.Helper()
	src, err := filepath.Abs(filepath.Join("testdata", "browser"))
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	for _, name := range []string{"package.json", "package-lock.json", "run_notebook.js"} {
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		h.Write([]byte(name))
		h.Write(b)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dst := filepath.Join(cache, "gokernel-browser-test", hex.EncodeToString(h.Sum(nil))[:16])
	script := filepath.Join(dst, "run_notebook.js")
	if _, err := os.Stat(filepath.Join(dst, "node_modules", "playwright-core", "package.json")); err == nil {
		return script
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	// Install into a fresh sibling dir, then rename: a half-installed
	// copy is never taken for a good one.
	tmp, err := os.MkdirTemp(filepath.Dir(dst), "install-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	for _, name := range []string{"package.json", "package-lock.json", "run_notebook.js"} {
		copyFile(t, filepath.Join(src, name), filepath.Join(tmp, name))
	}
	r := run(t, tmp, 3*time.Minute, []string{"PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1"}, npm,
		"ci", "--prefix", tmp, "--ignore-scripts", "--no-audit", "--no-fund")
	if r.code != 0 {
		missing(t, "npm ci of testdata/browser (playwright-core) failed: exit %d\n%s", r.code, tail(r.stderr, 2000))
	}
	t.Logf("npm ci (playwright-core) into %s took %v", dst, r.elapsed.Round(time.Millisecond))
	if err := os.Rename(tmp, dst); err != nil {
		if _, serr := os.Stat(script); serr != nil {
			t.Fatal(err)
		}
	}
	return script
}
