package serve

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"strings"
	"testing"

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
