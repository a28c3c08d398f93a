package servecmd

import (
	"io"
	"math"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gokernel/gokernel/mlstd/export"
	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/prep"
	"github.com/gokernel/gokernel/mlstd/serve"
	"github.com/gokernel/gokernel/mlstd/table"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// TestServeCommandRawRows: `gokernel serve` on a model saved with its
// preprocessing pipeline takes the penguins' raw rows (text categories,
// gaps) in a process of its own and answers every row bit for bit as the
// pipeline and model do in this process; model metadata lists the raw
// columns.
func TestServeCommandRawRows(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	rows, err := table.ReadCSV("../../notebooks/penguins.csv", table.CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p := prep.NewPipeline().
		Add([]string{"bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"},
			&prep.Imputer{Strategy: prep.Mean}, &prep.StandardScaler{}).
		Add([]string{"island", "sex"}, &prep.Imputer{Strategy: prep.MostFrequent}, &prep.OneHot{}).
		Classify("species")
	if err := p.Fit(rows); err != nil {
		t.Fatal(err)
	}
	nn.Seed(7)
	m := nn.NewSequential(nn.NewLinear(len(p.Features()), 12), nn.NewReLU(), nn.NewLinear(12, 3))
	path := filepath.Join(t.TempDir(), "penguins.safetensors")
	if err := export.Save(path, m, export.WithPipeline(p)); err != nil {
		t.Fatal(err)
	}
	x, err := p.Transform(rows)
	if err != nil {
		t.Fatal(err)
	}
	var want *tensor.Tensor
	tensor.NoGrad(func() { want = m.Forward(x) })

	c := spawn(t, path, "--name", "penguins", "--addr", "127.0.0.1:0")
	url, _ := c.waitReady(t)
	if !strings.Contains(c.log, "raw rows, one input per column (bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g, island, sex)") {
		t.Errorf("log does not say the model takes raw rows:\n%s", c.log)
	}
	base := strings.TrimSuffix(url, "/v2/models/penguins/infer")
	raw := rows.Drop("species", "year")
	var gaps []int // rows with a missing sex or bill length
	for i := range raw.Rows() {
		if raw.Col("sex").IsMissing(i) || raw.Col("bill_length_mm").IsMissing(i) {
			gaps = append(gaps, i)
		}
	}
	if len(gaps) < 2 {
		t.Fatalf("penguins.csv has %d rows with gaps", len(gaps))
	}
	for _, batch := range [][]int{nil, gaps[:1], gaps} { // all 344 rows, then rows with gaps
		sent, from := raw, 0
		if batch != nil {
			sent = raw.Take(batch)
		}
		got, err := serve.InferRows(base, "penguins", "", sent)
		if err != nil {
			t.Fatal(err)
		}
		for r := range sent.Rows() {
			if batch != nil {
				from = batch[r]
			} else {
				from = r
			}
			for k := range 3 {
				g, w := got.Output.Data()[r*3+k], want.Data()[from*3+k]
				if math.Float32bits(g) != math.Float32bits(w) {
					t.Fatalf("row %d output %d: served %v, in process %v", from, k, g, w)
				}
			}
		}
	}
	resp, err := get(base + "/v2/models/penguins")
	if err != nil || !strings.Contains(resp, `{"name":"island","datatype":"BYTES","shape":[-1]}`) || !strings.Contains(resp, `{"name":"body_mass_g","datatype":"INT64","shape":[-1]}`) {
		t.Errorf("metadata: %v %s", err, resp)
	}
	if err, tail := c.stop(t); err != nil {
		t.Errorf("exit: %v\n%s", err, tail)
	}
}

// get returns the body of a GET.
func get(url string) (string, error) {
	resp, err := http.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}
