package notebooks_test

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

const chromium = "/usr/bin/chromium"

// browserNotebook has a live training display (train.Fit), a chart as a
// cell result and Markdown: what the screenshot test looks for.
var browserNotebook = []string{
	`import (
	"github.com/gokernel/gokernel/mlstd/chart"
	"github.com/gokernel/gokernel/mlstd/data"
	"github.com/gokernel/gokernel/mlstd/display"
	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/optim"
	"github.com/gokernel/gokernel/mlstd/train"
)`,
	`blobs := data.Blobs(6000, 8, 3, 2.0, 1)
nn.Seed(1)
net := nn.NewSequential(nn.NewLinear(8, 32), nn.NewReLU(), nn.NewLinear(32, 3))
sgd := optim.NewSGD(net.Parameters(), optim.SGDConfig{LR: 0.05, Momentum: 0.9})
hist, err := train.Fit(net, sgd, nn.CrossEntropy, blobs, train.Config{Epochs: 3, BatchSize: 32, Seed: 1})
if err != nil {
	panic(err)
}`,
	`chart.Lines("training loss", []string{"train"}, [][]float64{hist.Loss}).EpochAxis()`,
	`display.Markdown("**rendered markdown** from a Go cell")`,
}

// TestNotebookInBrowser opens a notebook executed by `gokernel run` in the
// classic Notebook server (with the gokernel kernelspec) in headless
// Chromium, screenshots it and checks the page DOM holds the rendered
// outputs: the progress display with its bar and loss chart, the chart
// result as a decoded PNG, the Markdown. It runs twice: as the executed
// file is (untrusted: the Notebook sanitizes its HTML) and after signing
// it (trusted). GOKERNEL_SCREENSHOT_DIR keeps the PNGs.
func TestNotebookInBrowser(t *testing.T) {
	needFile(t, chromium, "chromium")
	needPython(t, "notebook.notebookapp", "nbformat")
	dir := t.TempDir()
	nbDir := filepath.Join(dir, "notebooks")
	if err := os.Mkdir(nbDir, 0o755); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(dir, "browser.ipynb")
	writeFile(t, src, makeNotebook(t, "go", browserNotebook...))
	untrusted := filepath.Join(nbDir, "untrusted.ipynb")
	if r := run(t, dir, 2*time.Minute, nil, binary, "run", src, "-o", untrusted); r.code != 0 {
		t.Fatalf("gokernel run: exit %d\n%s", r.code, r.stderr)
	}
	// The trusted copy must differ from the untrusted one: Jupyter trusts
	// by content digest, not by file name.
	trusted := filepath.Join(nbDir, "trusted.ipynb")
	b, err := os.ReadFile(untrusted)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	raw["metadata"].(map[string]any)["title"] = "trusted copy"
	if b, err = json.Marshal(raw); err != nil {
		t.Fatal(err)
	}
	writeFile(t, trusted, b)
	if r := run(t, dir, time.Minute, nil, python, "-m", "nbformat.sign", trusted); r.code != 0 {
		t.Fatalf("nbformat.sign: exit %d\n%s", r.code, r.stderr)
	}

	base, logs := startNotebookServer(t, nbDir)
	for _, name := range []string{"trusted", "untrusted"} {
		t.Run(name, func(t *testing.T) {
			shot := filepath.Join(dir, name+".png")
			dom := browse(t, base+"/notebooks/"+name+".ipynb", shot)
			if size := checkScreenshot(t, shot); size != image.Pt(1280, 1600) {
				t.Errorf("screenshot is %v, want 1280x1600", size)
			}
			if keep := os.Getenv("GOKERNEL_SCREENSHOT_DIR"); keep != "" {
				copyFile(t, shot, filepath.Join(keep, "notebook-"+name+".png"))
				writeFile(t, filepath.Join(keep, "notebook-"+name+".html"), []byte(dom))
			}
			checkDOM(t, dom, name == "trusted")
		})
	}
	// Opening the notebook made the server start the kernel from the
	// installed kernelspec.
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(logs.String(), "name: gokernel") && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	if !strings.Contains(logs.String(), "name: gokernel") {
		t.Errorf("the Notebook server never started a gokernel kernel; its log:\n%s", tail(logs.String(), 3000))
	}
}

// syncBuffer is a bytes.Buffer safe for a subprocess to write while the
// test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startNotebookServer starts classic Notebook on a free 127.0.0.1 port with
// a random token, serving dir; it is stopped (with its kernels) when the
// test ends. It returns the base URL (with the token added by browse) and
// the server's log.
func startNotebookServer(t *testing.T, dir string) (string, *syncBuffer) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	var tok [16]byte
	rand.Read(tok[:])
	token := hex.EncodeToString(tok[:])
	cmd := exec.Command(python, "-m", "notebook", "--no-browser", "--ip=127.0.0.1",
		fmt.Sprintf("--port=%d", port), "--port-retries=0", "--NotebookApp.token="+token,
		"--notebook-dir="+dir, "--allow-root")
	cmd.Env = clientEnv
	setProcessGroup(cmd)
	logs := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		stopGroup(cmd, done, 10*time.Second)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Errorf("notebook server %d did not exit", cmd.Process.Pid)
		}
	})
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	browseToken = token
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(base + "/api/status?token=" + token)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return base, logs
			}
		}
		select {
		case <-done:
			t.Fatalf("notebook server exited:\n%s", tail(logs.String(), 3000))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("notebook server not ready after 60s (%v):\n%s", err, tail(logs.String(), 3000))
		}
		time.Sleep(250 * time.Millisecond)
	}
}

var browseToken string

// browse loads url in headless Chromium, writes a screenshot to shot and
// returns the DOM after the page's scripts rendered the notebook.
func browse(t *testing.T, url, shot string) string {
	t.Helper()
	profile := t.TempDir()
	r := run(t, profile, 2*time.Minute, nil, chromium,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--hide-scrollbars", "--user-data-dir="+profile, "--window-size=1280,1600",
		"--virtual-time-budget=20000", "--screenshot="+shot, "--dump-dom", url+"?token="+browseToken)
	if r.code != 0 || !strings.Contains(r.stdout, "</html>") {
		t.Fatalf("chromium: exit %d, %d bytes of DOM\n%s", r.code, len(r.stdout), tail(r.stderr, 2000))
	}
	return r.stdout
}

// checkScreenshot asserts the screenshot is a PNG that is not blank (many
// colours, a good share of non-white pixels) and returns its size.
func checkScreenshot(t *testing.T, path string) image.Point {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot %s: %v", path, err)
	}
	b := img.Bounds()
	colours := map[uint32]bool{}
	ink := 0
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			colours[(r>>11)<<10|(g>>11)<<5|bl>>11] = true
			if r < 0xe000 || g < 0xe000 || bl < 0xe000 {
				ink++
			}
		}
	}
	share := float64(ink) / float64((b.Dx()/2)*(b.Dy()/2))
	t.Logf("screenshot %s: %dx%d, %d colours, %.1f%% non-white", path, b.Dx(), b.Dy(), len(colours), 100*share)
	if len(colours) < 20 || share < 0.03 {
		t.Errorf("screenshot looks blank: %d colours, %.1f%% non-white", len(colours), 100*share)
	}
	return b.Size()
}

var (
	outputPNG = regexp.MustCompile(`(?s)class="output_subarea output_png[^"]*"[^>]*>\s*<img src="data:image/png;base64,`)
	chartImg  = regexp.MustCompile(`<img class="gokernel-chart"[^>]*src="data:image/png;base64,`)
)

// checkDOM asserts the rendered notebook holds the outputs.
func checkDOM(t *testing.T, dom string, trusted bool) {
	t.Helper()
	want := map[string]bool{
		"the progress display (.gokernel-progress)":  strings.Contains(dom, `class="gokernel-progress"`),
		"the live loss chart (img.gokernel-chart)":   chartImg.MatchString(dom),
		"the chart result (output_png with a PNG)":   outputPNG.MatchString(dom),
		"the gokernel kernelspec logo":               strings.Contains(dom, "/kernelspecs/gokernel/logo-64x64.png"),
		"the finished progress bar":                  fullBar(dom[max(0, strings.Index(dom, "gokernel-progress")):]),
		"the epoch table in the progress display":    strings.Contains(dom[max(0, strings.Index(dom, "gokernel-progress")):], "<table"),
		"no error output (.output_error is missing)": !strings.Contains(dom, "output_error"),
	}
	// Classic Notebook shows text/markdown only in trusted notebooks
	// (untrusted ones fall back to text/plain).
	if trusted {
		want["the Markdown output"] = strings.Contains(dom, "<strong>rendered markdown</strong>")
	} else {
		want["the Markdown text"] = strings.Contains(dom, "**rendered markdown** from a Go cell</pre>")
	}
	for what, ok := range want {
		if !ok {
			msg := ""
			if !trusted && what == "the finished progress bar" {
				msg = " (classic Notebook sanitizes untrusted HTML: style, role and aria-* attributes are removed, so a div bar disappears; a <progress value max> element survives)"
			}
			t.Errorf("page DOM lacks %s%s", what, msg)
		}
	}
	if i := strings.Index(dom, `class="gokernel-progress"`); i >= 0 {
		t.Logf("progress display in the DOM: %.400s", dom[i:])
	}
}
