package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/gokernel/gokernel/internal/pyref"
	"github.com/gokernel/gokernel/mlstd/export"
	"github.com/gokernel/gokernel/mlstd/nn"
)

// startServe runs `gokernel serve MODEL args...` on a free port and returns
// its infer URL once it is ready; the process is killed when the test ends.
func startServe(t *testing.T, model string, args ...string) string {
	t.Helper()
	cmd := exec.Command(gokernelBinary(t), append([]string{"serve", model, "--addr", "127.0.0.1:0", "--watch", "0"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := bufio.NewScanner(stderr)
	url, log := "", ""
	for url == "" && lines.Scan() {
		log += lines.Text() + "\n"
		if m := regexp.MustCompile(` at (http://[^\s,]+)`).FindStringSubmatch(lines.Text()); m != nil {
			url = m[1]
		}
	}
	if url == "" {
		t.Fatalf("gokernel serve %s never became ready:\n%s", model, log)
	}
	go func() { // keep the pipe drained
		for lines.Scan() {
		}
	}()
	return url
}

// inferRows posts rows of 784 features and returns the "output" rows.
func inferRows(url string, x []float32) ([][]float32, error) {
	rows := len(x) / 784
	var body strings.Builder
	fmt.Fprintf(&body, `{"inputs":[{"name":"input","shape":[%d,784],"datatype":"FP32","data":[`, rows)
	for i, v := range x {
		if i > 0 {
			body.WriteByte(',')
		}
		body.WriteString(strconv.FormatFloat(float64(v), 'g', -1, 32))
	}
	body.WriteString(`]}],"outputs":[{"name":"output"}]}`)
	resp, err := http.Post(url, "application/json", strings.NewReader(body.String()))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var r struct {
		Outputs []struct{ Data []float64 }
		Error   string
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || resp.StatusCode != 200 {
		return nil, fmt.Errorf("infer: %d %v %s", resp.StatusCode, err, r.Error)
	}
	if len(r.Outputs) != 1 || len(r.Outputs[0].Data)%rows != 0 {
		return nil, fmt.Errorf("infer outputs: %+v", r.Outputs)
	}
	w := len(r.Outputs[0].Data) / rows
	out := make([][]float32, rows)
	for i := range out {
		out[i] = make([]float32, w)
		for j := range out[i] {
			out[i][j] = float32(r.Outputs[0].Data[i*w+j])
		}
	}
	return out, nil
}

// TestServeBatchInvariant runs `gokernel serve` on the MNIST MLP saved by
// mlstd as safetensors and as ONNX, and on the seed's PyTorch Net exported
// by torch.onnx.export: every row's outputs must be bitwise the row's
// answer alone, in requests of B = 1…64 rows at varying offsets and when
// the dynamic batcher merges 16 clients' concurrent requests.
func TestServeBatchInvariant(t *testing.T) {
	dir := t.TempDir()
	models := map[string]string{}
	mlp := nn.NewSequential(nn.NewLinear(784, 128), nn.NewReLU(), nn.NewLinear(128, 10))
	save := map[string]func(string, nn.Module) error{
		"mlp.safetensors": func(path string, m nn.Module) error { return export.Save(path, m) },
		"mlp.onnx":        export.ExportONNX,
	}
	for name, save := range save {
		models[name] = filepath.Join(dir, name)
		if err := save(models[name], mlp); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := exec.Command(pyref.Python, "testdata/torch_net.py", dir).CombinedOutput(); err == nil {
		models["torch net.onnx"] = filepath.Join(dir, "net.onnx")
	} else if pyref.Required() {
		t.Fatalf("torch_net.py (GOKERNEL_REQUIRE_CLIENTS=1): %v\n%s", err, out)
	} else {
		t.Logf("no PyTorch model: torch_net.py: %v", err)
	}
	const n = 64
	r := rand.New(rand.NewPCG(41, 42))
	x := make([]float32, n*784)
	for i := range x {
		if r.IntN(4) == 0 {
			x[i] = float32(r.IntN(256)) / 255
		}
	}
	for name, path := range models {
		t.Run(name, func(t *testing.T) {
			url := startServe(t, path, "--name", "m", "--max-delay", "2ms")
			alone := make([][]float32, n)
			for i := range alone {
				out, err := inferRows(url, x[i*784:(i+1)*784])
				if err != nil {
					t.Fatal(err)
				}
				alone[i] = out[0]
			}
			same := func(what string, row int, got []float32) error {
				for j, w := range alone[row] {
					if math.Float32bits(got[j]) != math.Float32bits(w) {
						return fmt.Errorf("%s: row %d output %d is %v, alone %v", what, row, j, got[j], w)
					}
				}
				return nil
			}
			for rows := 1; rows <= n; rows++ {
				o := rows * 29 % (n - rows + 1)
				out, err := inferRows(url, x[o*784:(o+rows)*784])
				if err != nil {
					t.Fatal(err)
				}
				for i := range out {
					if err := same(fmt.Sprintf("a request of %d rows at %d", rows, o), o+i, out[i]); err != nil {
						t.Fatal(err)
					}
				}
			}
			var wg sync.WaitGroup
			for c := 0; c < 16; c++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for q := 0; q < 25; q++ {
						row := (c*25 + q) % n
						out, err := inferRows(url, x[row*784:(row+1)*784])
						if err == nil {
							err = same(fmt.Sprintf("client %d request %d", c, q), row, out[0])
						}
						if err != nil {
							t.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
		})
	}
}
