package serve

import (
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gokernel/gokernel/mlstd/export"
	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/prep"
	"github.com/gokernel/gokernel/mlstd/table"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// penguins fits a species pipeline on the penguins' training split (the
// island encoder errs on unknown islands, the sex encoder ignores them),
// saves it with a classifier and loads both back, as `gokernel serve`
// does; it returns them with all 344 rows, gaps included.
func penguins(t *testing.T) (*prep.Pipeline, nn.Module, *table.Table) {
	t.Helper()
	all, err := table.ReadCSV("../../notebooks/penguins.csv", table.CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	train, _ := all.Split(0.8, "species", 1)
	p := prep.NewPipeline().
		Add([]string{"bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"},
			&prep.Imputer{Strategy: prep.Median}, &prep.StandardScaler{}).
		Add([]string{"island"}, &prep.OneHot{}).
		Add([]string{"sex"}, &prep.Imputer{Strategy: prep.MostFrequent}, &prep.OneHot{Unknown: prep.Ignore}).
		Add([]string{"year"}, &prep.MinMaxScaler{}).
		Classify("species")
	if err := p.Fit(train); err != nil {
		t.Fatal(err)
	}
	nn.Seed(5)
	m := nn.NewSequential(nn.NewLinear(len(p.Features()), 16), nn.NewReLU(), nn.NewLinear(16, 3))
	path := filepath.Join(t.TempDir(), "penguins.safetensors")
	if err := export.Save(path, m, export.WithPipeline(p)); err != nil {
		t.Fatal(err)
	}
	lm, _, err := LoadModel(path)
	if err != nil {
		t.Fatal(err)
	}
	lp, err := export.ReadPipeline(path)
	if err != nil {
		t.Fatal(err)
	}
	return lp, lm, all.Drop("species")
}

// TestRawRowsExact: a served pipelined model answers raw rows over a
// socket bit for bit as the in-process pipeline and model do, whether
// the rows come together or one by one, gaps (null) included.
func TestRawRowsExact(t *testing.T) {
	p, m, test := penguins(t)
	if test.Col("sex").Missing() == 0 || test.Col("bill_length_mm").Missing() == 0 {
		t.Fatal("the rows should include missing values")
	}
	x, err := p.Transform(test)
	if err != nil {
		t.Fatal(err)
	}
	var want *tensor.Tensor
	tensor.NoGrad(func() { want = m.Forward(x) })
	srv, err := Start(m, Options{Name: "penguins", Pipeline: p})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	same := func(what string, got *Prediction, from int) {
		t.Helper()
		k := want.Dim(1)
		for i, v := range got.Output.Data() {
			if w := want.Data()[from*k+i]; math.Float32bits(v) != math.Float32bits(w) {
				t.Fatalf("%s: output %d is %v, in process %v", what, i, v, w)
			}
		}
	}
	all, err := InferRows(srv.URL(), "penguins", "all", test)
	if err != nil {
		t.Fatal(err)
	}
	same("all rows", all, 0)
	for i := range test.Rows() {
		one, err := InferRows(srv.URL(), "penguins", "", test.Take([]int{i}))
		if err != nil {
			t.Fatal(err)
		}
		same("row "+test.Take([]int{i}).String(), one, i)
	}
	if st := srv.Stats(); len(st.Classes) != 3 || st.Classes[0] != "Adelie" {
		t.Errorf("classes %q, want the pipeline's", st.Classes)
	}
}

// TestRawRowsMetadataAndErrors: model metadata lists the raw columns;
// bad rows get a 400 naming the column.
func TestRawRowsMetadataAndErrors(t *testing.T) {
	p, m, test := penguins(t)
	srv, err := Start(m, Options{Name: "penguins", Pipeline: p})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	code, body := do(t, "GET", srv.URL()+"/v2/models/penguins", "")
	var meta struct {
		Inputs []metadataTensor
	}
	if err := json.Unmarshal([]byte(body), &meta); code != 200 || err != nil {
		t.Fatalf("metadata: %d %s", code, body)
	}
	var got []string
	for _, in := range meta.Inputs {
		got = append(got, in.Name+":"+in.Datatype)
	}
	if strings.Join(got, " ") != "bill_length_mm:FP64 bill_depth_mm:FP64 flipper_length_mm:INT64 body_mass_g:INT64 island:BYTES sex:BYTES year:INT64" {
		t.Errorf("metadata inputs %q", got)
	}

	row := test.Take([]int{0})
	good := rowsBody(t, row)
	year := `"name":"year","datatype":"INT64","shape":[1],"data":[` + row.Col("year").Text(0) + `]`
	island := `"name":"island","datatype":"BYTES","shape":[1],"data":["` + row.Col("island").Text(0) + `"]`
	if code, body := do(t, "POST", srv.InferURL(), good); code != 200 {
		t.Fatalf("good row: %d %s", code, body)
	}
	for _, c := range []struct{ name, from, to, want string }{
		{"missing column", `{"name":"sex"`, `{"name":"gender"`, `unexpected input "gender"`},
		{"wrong datatype", `"name":"bill_length_mm","datatype":"FP64"`, `"name":"bill_length_mm","datatype":"BYTES"`, `input "bill_length_mm" has datatype "BYTES"; the column holds numbers`},
		{"text in a number column", year, strings.Replace(year, row.Col("year").Text(0), `"x"`, 1), `input "year": element 0 is "x", not an integer`},
		{"number in a text column", island, strings.Replace(island, `"`+row.Col("island").Text(0)+`"`, "7", 1), `input "island": element 0 is 7, not a string`},
		{"unknown category", island, strings.Replace(island, row.Col("island").Text(0), "Atlantis", 1), `column "island": category "Atlantis" was not in the training data`},
		{"fraction in an int column", year, strings.Replace(year, row.Col("year").Text(0), "2007.5", 1), `input "year": element 0 is 2007.5, not an integer`},
		{"rows differ", `"name":"island","datatype":"BYTES","shape":[1]`, `"name":"island","datatype":"BYTES","shape":[2]`, `input "island" has 1 values; shape [2] needs 2`},
		{"bad shape", `"name":"sex","datatype":"BYTES","shape":[1]`, `"name":"sex","datatype":"BYTES","shape":[1,2]`, `input "sex" has shape [1 2]`},
	} {
		bad := strings.Replace(good, c.from, c.to, 1)
		if bad == good {
			t.Fatalf("%s: %s not in %s", c.name, c.from, good)
		}
		if code, msg := post400(t, srv, bad); code != 400 || !strings.Contains(msg, c.want) {
			t.Errorf("%s: %d %s, want 400 with %q", c.name, code, msg, c.want)
		}
	}
	// A column left out is named, with what the model takes.
	if code, msg := post400(t, srv, rowsBody(t, row.Drop("sex"))); code != 400 || !strings.Contains(msg, `the request has no input "sex" (BYTES)`) {
		t.Errorf("missing column: %d %s", code, msg)
	}
	// An unknown sex is ignored (all zeros), as the encoder was told.
	if code, body := do(t, "POST", srv.InferURL(), strings.Replace(good, `"data":["`+row.Col("sex").Text(0)+`"]`, `"data":["unknown"]`, 1)); code != 200 {
		t.Errorf("ignored category: %d %s", code, body)
	}
	// The feature tensor is not what this model takes.
	if code, msg := post400(t, srv, inferBody("", []int{1, 10}, make([]float32, 10))); code != 400 || !strings.Contains(msg, `unexpected input "input"`) {
		t.Errorf("feature tensor: %d %s", code, msg)
	}
}

// TestRawRowsDrift: drift watches the raw number columns: rows as in
// training score low, rows whose numbers moved by several training
// standard deviations score high.
func TestRawRowsDrift(t *testing.T) {
	p, m, test := penguins(t)
	srv, err := Start(m, Options{Name: "penguins", Pipeline: p, DriftWindow: test.Rows()})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if _, err := InferRows(srv.URL(), "penguins", "", test); err != nil {
		t.Fatal(err)
	}
	calm := srv.Stats().Drift
	shifted := test
	for _, in := range p.Inputs() {
		if in.Kind == table.Float {
			c := test.Col(in.Name)
			v := c.Floats()
			for i := range v {
				v[i] += 3 * in.Std
			}
			shifted = shifted.With(table.NewFloats(in.Name, v))
		}
	}
	if _, err := InferRows(srv.URL(), "penguins", "", shifted); err != nil {
		t.Fatal(err)
	}
	moved := srv.Stats().Drift
	// 2 of the 5 number columns moved by 3 σ: about 6/5 = 1.2.
	if !(calm < 0.3) || !(moved > 1) {
		t.Errorf("drift %v in distribution, %v shifted; want < 0.3 and > 1", calm, moved)
	}
}

// rowsBody is InferRows's request for t.
func rowsBody(t *testing.T, tb *table.Table) string {
	t.Helper()
	b, err := rowsRequestBody("", tb)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// post400 posts body to srv's infer endpoint and returns the status and
// the error message.
func post400(t *testing.T, srv *Server, body string) (int, string) {
	t.Helper()
	code, b := do(t, "POST", srv.InferURL(), body)
	var e struct{ Error string }
	if err := json.Unmarshal([]byte(b), &e); err != nil {
		return code, b
	}
	return code, e.Error
}

// TestRawRowsReload: a pipelined model's file replaced by one whose
// pipeline reads the same raw columns is served with the new pipeline
// (bitwise the new pair's answers); a file without a pipeline, or whose
// pipeline reads other columns, is rejected and the old pair serves on.
func TestRawRowsReload(t *testing.T) {
	all, err := table.ReadCSV("../../notebooks/penguins.csv", table.CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fit := func(rows *table.Table, cols []string) (*prep.Pipeline, nn.Module) {
		p := prep.NewPipeline().
			Add(cols, &prep.Imputer{Strategy: prep.Mean}, &prep.StandardScaler{}).
			Add([]string{"island"}, &prep.OneHot{})
		if err := p.Fit(rows); err != nil {
			t.Fatal(err)
		}
		return p, nn.NewSequential(nn.NewLinear(len(p.Features()), 4), nn.NewReLU(), nn.NewLinear(4, 3))
	}
	nums := []string{"bill_length_mm", "body_mass_g"}
	path := filepath.Join(t.TempDir(), "m.safetensors")
	p1, m1 := fit(all, nums)
	if err := export.Save(path, m1, export.WithPipeline(p1)); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var logs []string
	s, err := Start(m1, Options{Name: "m", Pipeline: p1, Log: func(l string) { mu.Lock(); logs = append(logs, l); mu.Unlock() }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.Watch(path, 10*time.Millisecond)
	rows := all.Take([]int{0, 1, 2}).Select(append(nums, "island")...)
	expect := func(p *prep.Pipeline, m nn.Module) {
		t.Helper()
		x, err := p.Transform(rows)
		if err != nil {
			t.Fatal(err)
		}
		var want *tensor.Tensor
		tensor.NoGrad(func() { want = m.Forward(x) })
		got, err := InferRows(s.URL(), "m", "", rows)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range got.Output.Data() {
			if math.Float32bits(v) != math.Float32bits(want.Data()[i]) {
				t.Fatalf("output %d: %v, want %v", i, v, want.Data()[i])
			}
		}
	}
	reload := func(n int, m nn.Module, opts ...export.SaveOption) string {
		t.Helper()
		time.Sleep(20 * time.Millisecond) // a distinct mtime
		if err := export.Save(path, m, opts...); err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			mu.Lock()
			if len(logs) >= n {
				l := logs[n-1]
				mu.Unlock()
				return l
			}
			mu.Unlock()
		}
		t.Fatalf("no reload logged; logs %q", logs)
		return ""
	}
	expect(p1, m1)
	half, _ := all.Split(0.5, "island", 2) // other statistics, the same islands
	p2, m2 := fit(half, nums)
	if l := reload(1, m2, export.WithPipeline(p2)); !strings.Contains(l, "reloaded") {
		t.Fatalf("same columns: %s", l)
	}
	expect(p2, m2)
	if l := reload(2, m1); !strings.Contains(l, "rejected") || !strings.Contains(l, "no preprocessing pipeline") {
		t.Errorf("no pipeline: %s", l)
	}
	p3, m3 := fit(all, []string{"bill_depth_mm", "body_mass_g"})
	if l := reload(3, m3, export.WithPipeline(p3)); !strings.Contains(l, "rejected") || !strings.Contains(l, `raw column 0 is "bill_depth_mm"`) {
		t.Errorf("other columns: %s", l)
	}
	expect(p2, m2)
}

// TestRawRowsReloadPairs: while a reload swaps a pipelined model, every
// answer is that of the old pair or of the new one, never the new model on
// features made by the old pipeline (the moment between the two swaps is
// widened to 200 ms by the test hook; requests run throughout).
func TestRawRowsReloadPairs(t *testing.T) {
	all, err := table.ReadCSV("../../notebooks/penguins.csv", table.CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	nums := []string{"bill_length_mm", "body_mass_g"}
	fit := func(rows *table.Table, seed int64) (*prep.Pipeline, nn.Module) {
		p := prep.NewPipeline().
			Add(nums, &prep.Imputer{Strategy: prep.Mean}, &prep.StandardScaler{}).
			Add([]string{"island"}, &prep.OneHot{})
		if err := p.Fit(rows); err != nil {
			t.Fatal(err)
		}
		nn.Seed(seed)
		return p, nn.NewSequential(nn.NewLinear(len(p.Features()), 4), nn.NewReLU(), nn.NewLinear(4, 3))
	}
	p1, m1 := fit(all, 1)
	half, _ := all.Split(0.5, "island", 2) // other statistics, the same islands
	p2, m2 := fit(half, 2)
	rows := all.Take([]int{0, 1, 2}).Select(append(nums, "island")...)
	answer := func(p *prep.Pipeline, m nn.Module) []float32 {
		x, err := p.Transform(rows)
		if err != nil {
			t.Fatal(err)
		}
		var y *tensor.Tensor
		tensor.NoGrad(func() { y = m.Forward(x) })
		return y.Data()
	}
	same := func(a, b []float32) bool {
		for i := range a {
			if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
				return false
			}
		}
		return len(a) == len(b)
	}
	old, nw, mixed := answer(p1, m1), answer(p2, m2), answer(p1, m2)
	if same(mixed, nw) || same(mixed, old) {
		t.Fatal("the mixed pair answers like a real one: the test could not see a mix")
	}

	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := export.Save(path, m1, export.WithPipeline(p1)); err != nil {
		t.Fatal(err)
	}
	reloaded := make(chan struct{})
	s, err := Start(m1, Options{Name: "m", Pipeline: p1, Log: func(l string) {
		if strings.Contains(l, "reloaded") {
			close(reloaded)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	between := make(chan struct{})
	testHookBetweenSwaps = func() { close(between); time.Sleep(200 * time.Millisecond) }
	defer func() { testHookBetweenSwaps = func() {} }()
	s.Watch(path, 5*time.Millisecond)
	time.Sleep(20 * time.Millisecond) // a distinct mtime
	if err := export.Save(path, m2, export.WithPipeline(p2)); err != nil {
		t.Fatal(err)
	}
	<-between
	var olds, news int
	for done := false; !done; {
		select {
		case <-reloaded:
			done = true
		default:
		}
		got, err := InferRows(s.URL(), "m", "", rows)
		if err != nil {
			t.Fatal(err)
		}
		switch d := got.Output.Data(); {
		case same(d, old):
			olds++
		case same(d, nw):
			news++
		case same(d, mixed):
			t.Fatalf("answered with the new model on the old pipeline's features (after %d old, %d new answers)", olds, news)
		default:
			t.Fatalf("answer %v is neither pair's", d)
		}
	}
	if news == 0 {
		t.Errorf("no answer from the new pair after the reload (%d old)", olds)
	}
}
