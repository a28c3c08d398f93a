package serve

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gokernel/gokernel/mlstd/export"
	"github.com/gokernel/gokernel/mlstd/nn"
)

// mnistLikeBody is a request as a Python client sends it: MNIST-like
// pixels (mostly zeros) as float64 reprs such as 0.6980392156862745.
func mnistLikeBody(rows int) string {
	rng := rand.New(rand.NewPCG(5, 6))
	x := make([]float64, rows*784)
	for i := range x {
		if rng.IntN(5) == 0 {
			x[i] = float64(rng.IntN(256)) / 255
		}
	}
	d, _ := json.Marshal(x)
	d = bytes.ReplaceAll(d, []byte(","), []byte(", ")) // json.dumps' separators
	return fmt.Sprintf(`{"id":"bench","inputs":[{"name":"input","shape":[%d,784],"datatype":"FP32","data":%s}]}`, rows, d)
}

func BenchmarkParseB64(b *testing.B) {
	body := []byte(mnistLikeBody(64))
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := parseInferRequest(body); err != nil {
			b.Fatal(err)
		}
	}
}

// benchmarkHandler measures the server's own work per request (parse,
// batcher, model, encode, metrics) without the network.
func benchmarkHandler(b *testing.B, rows int) {
	s, err := Start(nn.NewSequential(nn.NewLinear(784, 128), nn.NewReLU(), nn.NewLinear(128, 10)), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	body := mnistLikeBody(rows)
	h := s.Handler()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", "/v2/models/model/infer", strings.NewReader(body)))
		if rec.Code != 200 {
			b.Fatal(rec.Code, rec.Body.String())
		}
	}
}

func BenchmarkHandlerB1(b *testing.B)  { benchmarkHandler(b, 1) }
func BenchmarkHandlerB64(b *testing.B) { benchmarkHandler(b, 64) }

// BenchmarkHandlerB64Binary sends the same batch with the binary tensor
// data extension: no number parsing at all.
func BenchmarkHandlerB64Binary(b *testing.B) {
	s, err := Start(nn.NewSequential(nn.NewLinear(784, 128), nn.NewReLU(), nn.NewLinear(128, 10)), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	header := `{"inputs":[{"name":"input","shape":[64,784],"datatype":"FP32","parameters":{"binary_data_size":200704}}]}`
	body := header + strings.Repeat("\x00\x00\x80\x3f", 64*784) // 1.0f
	h := s.Handler()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("POST", "/v2/models/model/infer", strings.NewReader(body))
		req.Header.Set("Inference-Header-Content-Length", fmt.Sprint(len(header)))
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatal(rec.Code, rec.Body.String())
		}
	}
}

// pixelBody is mnistLikeBody with each value written by format and
// joined with sep, flat or nested as [rows][784]: other clients' shapes.
func pixelBody(rows int, format func(float64) string, sep string, nested bool) []byte {
	rng := rand.New(rand.NewPCG(5, 6))
	var sb strings.Builder
	fmt.Fprintf(&sb, `{"id":"bench","inputs":[{"name":"input","shape":[%d,784],"datatype":"FP32","data":[`, rows)
	for r := 0; r < rows; r++ {
		if r > 0 {
			sb.WriteString(sep)
		}
		if nested {
			sb.WriteByte('[')
		}
		for c := 0; c < 784; c++ {
			if c > 0 {
				sb.WriteString(sep)
			}
			x := 0.0
			if rng.IntN(5) == 0 {
				x = float64(rng.IntN(256)) / 255
			}
			sb.WriteString(format(x))
		}
		if nested {
			sb.WriteByte(']')
		}
	}
	sb.WriteString("]}]}")
	return []byte(sb.String())
}

func benchmarkParse(b *testing.B, body []byte) {
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := parseInferRequest(body); err != nil {
			b.Fatal(err)
		}
	}
}

// Go clients: float32 shortest forms ("0.5019608") and "," separators.
func BenchmarkParseB64Float32(b *testing.B) {
	benchmarkParse(b, pixelBody(64, func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 32) }, ",", false))
}

// Standardized inputs ((x-mean)/std, as torchvision's Normalize gives):
// no zeros, mostly negative, float32 forms.
func BenchmarkParseB64Normalized(b *testing.B) {
	benchmarkParse(b, pixelBody(64, func(x float64) string {
		return strconv.FormatFloat(float64(float32((x-0.1307)/0.3081)), 'g', -1, 32)
	}, ",", false))
}

// Nested rows ([[...], [...]]) of float64 reprs with json.dumps' separators.
func BenchmarkParseB64Nested(b *testing.B) {
	benchmarkParse(b, pixelBody(64, func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }, ", ", true))
}

// Small values, which Python writes with exponents ("6.980392156862745e-06").
func BenchmarkParseB64Exponent(b *testing.B) {
	benchmarkParse(b, pixelBody(64, func(x float64) string { return strconv.FormatFloat(x*1e-5, 'g', -1, 64) }, ", ", false))
}

// BenchmarkParseB64Pooled is BenchmarkParseB64 as the server runs it: the
// tensor data buffer goes back to its pool after each request, so the
// figure is the parse alone, without allocating and clearing 200 KB.
func BenchmarkParseB64Pooled(b *testing.B) {
	body := []byte(mnistLikeBody(64))
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		r, err := parseInferRequest(body)
		if err != nil {
			b.Fatal(err)
		}
		putData(r.Inputs[0].Data)
	}
}

// BenchmarkWatchPoll measures Watch's two kinds of poll on the 784-128-10
// MNIST model file (407 kB): a stat (every poll) and a SHA-256 of the
// file (on a stat change and every 30th poll).
func BenchmarkWatchPoll(b *testing.B) {
	path := filepath.Join(b.TempDir(), "m.safetensors")
	if err := export.Save(path, nn.NewSequential(nn.NewLinear(784, 128), nn.NewReLU(), nn.NewLinear(128, 10))); err != nil {
		b.Fatal(err)
	}
	b.Run("stat", func(b *testing.B) {
		for b.Loop() {
			if _, ok := stampOf(path); !ok {
				b.Fatal("stat failed")
			}
		}
	})
	b.Run("hash", func(b *testing.B) {
		fi, _ := os.Stat(path)
		b.SetBytes(fi.Size())
		for b.Loop() {
			if _, err := fileHash(path); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// benchmarkPass measures the model's share of a request: one batcher pass
// of the MNIST MLP over rows rows, as the worker runs it (Plan.InferRows).
func benchmarkPass(b *testing.B, rows int) {
	m := nn.NewSequential(nn.NewLinear(784, 128), nn.NewReLU(), nn.NewLinear(128, 10))
	bt, err := newBatcher(m, []int{784}, 64, 1, 0)
	if err != nil {
		b.Fatal(err)
	}
	x := mnistRows(rows)
	for b.Loop() {
		if _, _, _, err := bt.forward(m, x, rows, true); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPassB1(b *testing.B)  { benchmarkPass(b, 1) }
func BenchmarkPassB64(b *testing.B) { benchmarkPass(b, 64) }
