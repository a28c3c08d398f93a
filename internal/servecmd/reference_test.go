package servecmd

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/gokernel/gokernel/mlstd/data"
	"github.com/gokernel/gokernel/mlstd/export"
	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// serving is a serve command running in this process on a free port.
type serving struct {
	url  string // the server's base URL
	log  string // stderr up to the ready line
	stop func() // cancels Run and waits for it
}

// runInProcess runs the serve command with args until the test ends (or
// stop), and returns once it is ready.
func runInProcess(t *testing.T, args ...string) *serving {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, "gokernel serve", append(args, "--addr", "127.0.0.1:0", "--watch", "0"), pw)
		pw.Close()
	}()
	s := &serving{}
	lines := bufio.NewScanner(pr)
	for lines.Scan() {
		s.log += lines.Text() + "\n"
		if m := regexp.MustCompile(`ready at (http://[^/\s]+)`).FindStringSubmatch(lines.Text()); m != nil {
			s.url = m[1]
			break
		}
	}
	go io.Copy(io.Discard, pr)
	stopped := false
	s.stop = func() {
		if !stopped {
			stopped = true
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve: %v", err)
			}
		}
	}
	t.Cleanup(s.stop)
	if s.url == "" {
		cancel()
		t.Fatalf("serve %q never became ready: %v\n%s", args, <-done, s.log)
	}
	return s
}

// drift posts rows (n×784) to the model "m" and returns the drift score
// /metrics then shows.
func (s *serving) drift(t *testing.T, x []float32, n int) float64 {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, `{"inputs":[{"name":"input","shape":[%d,784],"datatype":"FP32","data":[`, n)
	for i, v := range x[:n*784] {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatFloat(float64(v), 'g', -1, 32))
	}
	b.WriteString(`]}]}`)
	resp, err := http.Post(s.url+"/v2/models/m/infer", "application/json", strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("infer: %s", resp.Status)
	}
	resp, err = http.Get(s.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(`(?m)^gokernel_serve_input_drift_score\{[^}]*\} (\S+)$`).FindSubmatch(body)
	if m == nil {
		t.Fatalf("no drift score in /metrics:\n%s", body)
	}
	v, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestServeDriftByDefault serves a model saved with export.WithData: drift
// is scored from the first window, low for inputs like the training data
// and high for shifted ones, with no flag. A model saved without it says so
// at start and scores nothing, until --reference names an IDX file of the
// training images.
func TestServeDriftByDefault(t *testing.T) {
	dir := t.TempDir()
	// Training images: 256 of 28×28 bytes, 80 % zeros, as in MNIST.
	g := tensor.NewRNG(5)
	pix := make([]byte, 256*784)
	for i := range pix {
		if g.Intn(5) == 0 {
			pix[i] = byte(g.Intn(256))
		}
	}
	var idx bytes.Buffer
	binary.Write(&idx, binary.BigEndian, []uint32{0x803, 256, 28, 28})
	idx.Write(pix)
	images := filepath.Join(dir, "train-images-idx3-ubyte")
	if err := os.WriteFile(images, idx.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	x, err := data.ReadIDXImages(images)
	if err != nil {
		t.Fatal(err)
	}
	train := data.NewDataset(x, make([]int, 256))
	shifted := x.Clone().Data()
	for i := range shifted {
		shifted[i] = min(shifted[i]+0.3, 1)
	}
	m := nn.NewSequential(nn.NewLinear(784, 10))
	withRef, plain := filepath.Join(dir, "m.safetensors"), filepath.Join(dir, "plain.safetensors")
	if err := export.Save(withRef, m, export.WithData(train)); err != nil {
		t.Fatal(err)
	}
	if err := export.Save(plain, m); err != nil {
		t.Fatal(err)
	}

	check := func(s *serving) {
		t.Helper()
		if d := s.drift(t, x.Data(), 64); !(d < 0.3) {
			t.Errorf("drift of 64 training rows = %v; want < 0.3", d)
		}
		if d := s.drift(t, shifted, 64); !(d > 1) {
			t.Errorf("drift of 64 shifted rows = %v; want > 1", d)
		}
	}
	s := runInProcess(t, withRef, "--name", "m", "--drift-window", "64")
	if !strings.Contains(s.log, "drift scored against the statistics of 784 features from "+withRef) {
		t.Errorf("start-up log does not name the reference:\n%s", s.log)
	}
	check(s)
	s.stop()

	s = runInProcess(t, plain, "--name", "m", "--drift-window", "64")
	if !strings.Contains(s.log, "no drift reference") {
		t.Errorf("start-up log does not say drift is off:\n%s", s.log)
	}
	if d := s.drift(t, x.Data(), 64); !math.IsNaN(d) {
		t.Errorf("drift without a reference = %v; want NaN", d)
	}
	s.stop()

	s = runInProcess(t, plain, "--name", "m", "--drift-window", "64", "--reference", images)
	check(s)
	s.stop()

	if err := Run(context.Background(), "gokernel serve", []string{plain, "--reference", plain}, io.Discard); err == nil ||
		!strings.Contains(err.Error(), "no training-data statistics") {
		t.Errorf("--reference naming a model without statistics: %v", err)
	}
}
