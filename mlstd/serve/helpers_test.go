package serve

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gokernel/gokernel/mlstd/tensor"
)

// linear is a test model computing y = x Wᵀ + b with plain loops, so these
// tests do not depend on the tensor ops being written elsewhere.
type linear struct {
	w, b    *tensor.Tensor // (out, in), (out)
	delay   time.Duration  // simulated compute time per forward pass
	batches chan int       // if set, receives each pass's batch size
}

// newPicker returns a model over `in` features whose output c is feature c
// (c < out), so the predicted class is the argmax of the first out features.
func newPicker(in, out int) *linear {
	w := make([]float32, out*in)
	for c := 0; c < out; c++ {
		w[c*in+c] = 1
	}
	return &linear{w: tensor.New(w, out, in), b: tensor.Zeros(out)}
}

func (m *linear) Forward(x *tensor.Tensor) *tensor.Tensor {
	out, in := m.w.Dim(0), m.w.Dim(1)
	if x.Dims() != 2 || x.Dim(1) != in {
		panic(&tensor.ShapeError{Op: "linear", A: x.Shape(), B: m.w.Shape()})
	}
	if m.delay > 0 {
		time.Sleep(m.delay)
	}
	if m.batches != nil {
		m.batches <- x.Dim(0)
	}
	rows := x.Dim(0)
	y := make([]float32, rows*out)
	xd, wd, bd := x.Data(), m.w.Data(), m.b.Data()
	for r := 0; r < rows; r++ {
		for c := 0; c < out; c++ {
			s := bd[c]
			for k := 0; k < in; k++ {
				s += xd[r*in+k] * wd[c*in+k]
			}
			y[r*out+c] = s
		}
	}
	return tensor.New(y, rows, out)
}

func (m *linear) Parameters() []*tensor.Tensor { return []*tensor.Tensor{m.w, m.b} }

// start starts a server and stops it when the test ends.
func start(t testing.TB, m *linear, o Options) *Server {
	t.Helper()
	s, err := Start(m, o)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// do sends a request and returns the status and body.
func do(t testing.TB, method, url, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// inferBody builds a v2 request for rows of data with the given shape.
func inferBody(id string, shape []int, data []float32) string {
	var b bytes.Buffer
	if id != "" {
		fmt.Fprintf(&b, `{"id":%q,`, id)
	} else {
		b.WriteString("{")
	}
	sh, _ := json.Marshal(shape)
	d, _ := json.Marshal(data)
	fmt.Fprintf(&b, `"inputs":[{"name":"input","shape":%s,"datatype":"FP32","data":%s}]}`, sh, d)
	return b.String()
}

type response struct {
	ModelName    string `json:"model_name"`
	ModelVersion string `json:"model_version"`
	ID           string `json:"id"`
	Outputs      []struct {
		Name     string    `json:"name"`
		Datatype string    `json:"datatype"`
		Shape    []int     `json:"shape"`
		Data     []float64 `json:"data"`
	} `json:"outputs"`
}

func decodeResponse(t testing.TB, body string) response {
	t.Helper()
	var r response
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatalf("response %q: %v", body, err)
	}
	return r
}
