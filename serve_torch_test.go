package main

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gokernel/gokernel/internal/pyref"
)

// TestServeTorchONNX is the PyTorch user's path: the seed's Net (Flatten,
// Linear 784→128, ReLU, Linear 128→10) exported by torch.onnx.export with
// a dynamic batch, served by the gokernel binary, answering 100 MNIST-like
// rows (flattened to [100, 784]) with PyTorch's outputs within float32
// rounding and the same classes.
func TestServeTorchONNX(t *testing.T) {
	pyref.Require(t, "torch", "onnx", "numpy")
	const py = pyref.Python
	dir := t.TempDir()
	if out, err := exec.Command(py, "testdata/torch_net.py", dir).CombinedOutput(); err != nil {
		t.Fatalf("torch_net.py: %v\n%s", err, out)
	} else {
		t.Logf("%s", strings.TrimSpace(string(out)))
	}
	x, y := readF32(t, filepath.Join(dir, "x.f32")), readF32(t, filepath.Join(dir, "y.f32"))
	rows := len(x) / 784
	if rows == 0 || len(x) != rows*784 || len(y) != rows*10 {
		t.Fatalf("test data: %d inputs, %d outputs", len(x), len(y))
	}

	url := startServe(t, filepath.Join(dir, "net.onnx"), "--name", "net")

	var body strings.Builder
	fmt.Fprintf(&body, `{"inputs":[{"name":"input","shape":[%d,784],"datatype":"FP32","data":[`, rows)
	for i, v := range x {
		if i > 0 {
			body.WriteByte(',')
		}
		body.WriteString(strconv.FormatFloat(float64(v), 'g', -1, 32))
	}
	body.WriteString(`]}],"outputs":[{"name":"output"},{"name":"predicted_class"}]}`)
	resp, err := http.Post(url, "application/json", strings.NewReader(body.String()))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct {
		Outputs []struct {
			Name  string
			Shape []int
			Data  []float64
		}
		Error string
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || resp.StatusCode != 200 {
		t.Fatalf("infer: %d %v %s", resp.StatusCode, err, r.Error)
	}
	if len(r.Outputs) != 2 || len(r.Outputs[0].Data) != len(y) || len(r.Outputs[1].Data) != rows {
		t.Fatalf("infer outputs: %+v", r.Outputs)
	}
	// float32 rounding: each output is a sum of 784 and then 128 products,
	// reduced in another order than PyTorch's; allow a few ulps of the
	// magnitudes summed (measured: max difference below 1e-6).
	maxDiff := 0.0
	for i, v := range r.Outputs[0].Data {
		d := math.Abs(v - float64(y[i]))
		maxDiff = max(maxDiff, d)
		if d > 1e-5*max(1, math.Abs(float64(y[i]))) {
			t.Errorf("output %d (row %d): served %g, PyTorch %g", i, i/10, v, y[i])
		}
	}
	for row, c := range r.Outputs[1].Data {
		if want := argmax(y[row*10 : row*10+10]); int(c) != want {
			t.Errorf("row %d: served class %v, PyTorch's %d", row, c, want)
		}
	}
	t.Logf("%d rows: max |served - PyTorch| = %.3g", rows, maxDiff)
}

func readF32(t *testing.T, path string) []float32 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v
}

func argmax(v []float32) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}
