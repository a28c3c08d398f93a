package serve

import (
	"encoding/binary"
	"encoding/json"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestHealthAndMetadata(t *testing.T) {
	s := start(t, newPicker(4, 3), Options{Name: "pick", Version: "7"})
	tests := []struct {
		method, path string
		code         int
		body         string // substring expected in the body ("" = empty body)
	}{
		{"GET", "/v2/health/live", 200, `{"live":true}`},
		{"GET", "/v2/health/ready", 200, `{"ready":true}`},
		{"GET", "/v2/models/pick/ready", 200, `{"name":"pick","ready":true}`},
		{"GET", "/v2/models/pick/versions/7/ready", 200, `{"name":"pick","ready":true}`},
		{"GET", "/v2/models/nope/ready", 404, `"error":"serve: model \"nope\" not found`},
		{"GET", "/v2/models/pick/versions/8/ready", 404, `no version`},
		{"GET", "/v2", 200, `"name":"gokernel"`},
		{"GET", "/v2/models/pick", 200, `"inputs":[{"name":"input","datatype":"FP32","shape":[-1,4]}]`},
		{"GET", "/v2/models/pick/versions/7", 200, `"versions":["7"]`},
		{"GET", "/v2/models/other", 404, `not found`},
		{"GET", "/v3/whatever", 404, `"error":"serve: no endpoint GET /v3/whatever"`},
		{"POST", "/v2/models/other/infer", 404, `not found`},
		{"GET", "/v2/models/pick/infer", 405, `"error":"serve: /v2/models/pick/infer takes POST, not GET"`},
		{"DELETE", "/v2/models/pick/infer", 405, `takes POST, not DELETE`},
		{"POST", "/v2/health/live", 405, `takes GET, HEAD, not POST`},
		{"DELETE", "/v3/whatever", 404, `no endpoint DELETE /v3/whatever`},
		{"GET", "/metrics", 200, `gokernel_serve_model_info`},
	}
	for _, tt := range tests {
		code, body := do(t, tt.method, s.URL()+tt.path, "")
		if code != tt.code {
			t.Errorf("%s %s: code %d; want %d (body %s)", tt.method, tt.path, code, tt.code, body)
		}
		if tt.body == "" && body != "" {
			t.Errorf("%s %s: body %q; want empty", tt.method, tt.path, body)
		}
		if !strings.Contains(body, tt.body) {
			t.Errorf("%s %s: body %s; want it to contain %s", tt.method, tt.path, body, tt.body)
		}
	}
	// A 405 says which methods the path takes.
	req, _ := http.NewRequest("DELETE", s.URL()+"/v2/models/pick/versions/7/infer", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 405 || resp.Header.Get("Allow") != "POST" {
		t.Errorf("DELETE infer: %d, Allow %q; want 405 and POST", resp.StatusCode, resp.Header.Get("Allow"))
	}
	var md struct {
		Outputs []metadataTensor `json:"outputs"`
	}
	_, body := do(t, "GET", s.URL()+"/v2/models/pick", "")
	if err := json.Unmarshal([]byte(body), &md); err != nil {
		t.Fatal(err)
	}
	want := []metadataTensor{{"output", "FP32", []int{-1, 3}}, {"probabilities", "FP32", []int{-1, 3}}, {"predicted_class", "INT64", []int{-1}}}
	if !reflect.DeepEqual(md.Outputs, want) {
		t.Errorf("metadata outputs = %v; want %v", md.Outputs, want)
	}
}

func TestInfer(t *testing.T) {
	s := start(t, newPicker(4, 3), Options{Name: "pick"})
	flat := `{"id":"42","parameters":{"x":1,"y":"z","b":true},"inputs":[{"name":"input","shape":[2,4],"datatype":"FP32","parameters":{"p":null},"data":[1,5,2,0, 0.5,-1,2.5e0,9]}]}`
	nested := `{"id":"42","inputs":[{"name":"input","shape":[2,4],"datatype":"FP32","data":[[1,5,2,0],[0.5,-1,2.5,9]]}]}`
	for _, body := range []string{flat, nested} {
		code, out := do(t, "POST", s.InferURL(), body)
		if code != 200 {
			t.Fatalf("infer: %d %s", code, out)
		}
		r := decodeResponse(t, out)
		if r.ID != "42" || r.ModelName != "pick" || r.ModelVersion != "1" || len(r.Outputs) != 3 {
			t.Fatalf("response %s: wrong id, name, version or outputs", out)
		}
		if o := r.Outputs[0]; o.Name != "output" || o.Datatype != "FP32" || !reflect.DeepEqual(o.Shape, []int{2, 3}) ||
			!reflect.DeepEqual(o.Data, []float64{1, 5, 2, 0.5, -1, 2.5}) {
			t.Errorf("output = %+v", o)
		}
		p := r.Outputs[1]
		if p.Name != "probabilities" || len(p.Data) != 6 {
			t.Fatalf("probabilities = %+v", p)
		}
		if sum := p.Data[0] + p.Data[1] + p.Data[2]; sum < 0.999 || sum > 1.001 || p.Data[1] < p.Data[0] {
			t.Errorf("probabilities row 0 = %v; want a softmax peaking at 1", p.Data[:3])
		}
		if o := r.Outputs[2]; o.Name != "predicted_class" || o.Datatype != "INT64" || !reflect.DeepEqual(o.Data, []float64{1, 2}) {
			t.Errorf("predicted_class = %+v; want [1 2]", o)
		}
	}
	// Requested outputs only, and a generated id when none is sent.
	body := `{"inputs":[{"name":"input","shape":[1,4],"datatype":"INT32","data":[0,0,7,0]}],"outputs":[{"name":"predicted_class"}]}`
	code, out := do(t, "POST", s.URL()+"/v2/models/pick/versions/1/infer", body)
	r := decodeResponse(t, out)
	if code != 200 || len(r.Outputs) != 1 || r.Outputs[0].Name != "predicted_class" || r.Outputs[0].Data[0] != 2 || !strings.HasPrefix(r.ID, "gk-") {
		t.Errorf("requested output: %d %s", code, out)
	}
}

func TestInferErrors(t *testing.T) {
	s := start(t, newPicker(4, 3), Options{Name: "pick", MaxBodyBytes: 2000, MaxRequestRows: 8})
	in := func(shape, dtype, data string) string {
		return `{"inputs":[{"name":"input","shape":` + shape + `,"datatype":"` + dtype + `","data":` + data + `}]}`
	}
	tests := []struct {
		name, body string
		code       int
		msg        string
	}{
		{"not json", `hello`, 400, "invalid JSON"},
		{"truncated", in("[1,4]", "FP32", "[1,2,3,4]")[:40], 400, "truncated"},
		{"empty body", ``, 400, "truncated"},
		{"trailing", in("[1,4]", "FP32", "[1,2,3,4]") + "x", 400, "data after"},
		{"no inputs", `{"inputs":[]}`, 400, "exactly one input"},
		{"two inputs", `{"inputs":[{"name":"input"},{"name":"input"}]}`, 400, "exactly one input"},
		{"wrong name", `{"inputs":[{"name":"x","shape":[1,4],"datatype":"FP32","data":[1,2,3,4]}]}`, 400, `unexpected input "x"`},
		{"no batch dim", in("[4]", "FP32", "[1,2,3,4]"), 400, "batch dimension is required"},
		{"wrong width", in("[1,5]", "FP32", "[1,2,3,4,5]"), 400, "want [batch 4]"},
		{"count mismatch", in("[2,4]", "FP32", "[1,2,3,4]"), 400, "has 4 values; shape [2 4] needs 8"},
		{"ragged nested", in("[2,4]", "FP32", "[[1,2,3,4],[5,6,7]]"), 400, "nested unevenly"},
		{"ragged with the right count", in("[2,4]", "FP32", "[[1,2,3,4,5],[6,7,8]]"), 400, "nested unevenly"},
		{"numbers beside arrays", in("[2,4]", "FP32", "[1,2,3,4,[5,6,7,8]]"), 400, "nested unevenly"},
		{"nested deeper than the shape", in("[1,4]", "FP32", "[[[1,2,3,4]]]"), 400, "nested as [1 1 4] does not match shape [1 4]"},
		{"nested against the shape", in("[2,4]", "FP32", "[[1,2],[3,4],[5,6],[7,8]]"), 400, "nested as [4 2] does not match shape [2 4]"},
		{"INT8 out of range", in("[1,4]", "INT8", "[1,128,3,4]"), 400, "element 1 is 128, outside the range of INT8 [-128, 127]"},
		{"UINT8 negative", in("[1,4]", "UINT8", "[1,2,-1,4]"), 400, "element 2 is -1, outside the range of UINT8"},
		{"INT16 out of range", in("[1,4]", "INT16", "[1,2,3,-32769]"), 400, "outside the range of INT16"},
		{"UINT16 out of range", in("[1,4]", "UINT16", "[65536,2,3,4]"), 400, "outside the range of UINT16"},
		{"INT32 fraction", in("[1,4]", "INT32", "[1,2.5,3,4]"), 400, "element 1 is 2.5, not an integer as INT32 needs"},
		{"FP16 out of range", in("[1,4]", "FP16", "[1,2,3,70000]"), 400, "outside the range of FP16"},
		{"duplicate inputs", `{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","data":[1,2,3,4]}],"inputs":[]}`, 400, `the request has the key "inputs" twice`},
		{"duplicate data", `{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","data":[1,2,3,4],"data":[0,0,0,0]}]}`, 400, `an input has the key "data" twice`},
		{"empty batch", in("[0,4]", "FP32", "[]"), 400, "empty batch"},
		{"negative dim", in("[-1,4]", "FP32", "[1,2,3,4]"), 400, "non-negative integer"},
		{"bytes datatype", in("[1,4]", "BYTES", `["a","b","c","d"]`), 400, "datatype BYTES"},
		{"bool datatype", in("[1,4]", "BOOL", `[true,false,true,true]`), 400, "datatype BOOL"},
		{"missing datatype", `{"inputs":[{"name":"input","shape":[1,4],"data":[1,2,3,4]}]}`, 400, "no datatype"},
		{"missing data", `{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32"}]}`, 400, "no data"},
		{"NaN", in("[1,4]", "FP32", "[1,NaN,3,4]"), 400, "not a finite number (found NaN)"},
		{"Infinity", in("[1,4]", "FP32", "[1,Infinity,3,4]"), 400, "not a finite number"},
		{"string NaN", in("[1,4]", "FP32", `[1,"NaN",3,4]`), 400, "not a finite number"},
		{"overflow", in("[1,4]", "FP32", "[1,1e39,3,4]"), 400, "out of FP32 range"},
		{"leading zero", in("[1,4]", "FP32", "[1,01,3,4]"), 400, "leading zero"},
		{"missing comma", in("[1,4]", "FP32", "[1 2,3,4]"), 400, "expected ',' or ']'"},
		{"unknown output", `{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","data":[1,2,3,4]}],"outputs":[{"name":"foo"}]}`, 400, `no output "foo"`},
		{"too many rows", in("[9,4]", "FP32", "["+strings.Repeat("0,", 35)+"0]"), 413, "exceeds the limit of 8"},
		{"body too large", in("[1,4]", "FP32", "["+strings.Repeat("0,", 1500)+"0]"), 413, "exceeds the limit of 2000"},
	}
	for _, tt := range tests {
		code, body := do(t, "POST", s.InferURL(), tt.body)
		var e struct {
			Error string `json:"error"`
		}
		if err := json.Unmarshal([]byte(body), &e); err != nil {
			t.Errorf("%s: body %q is not {\"error\": ...}", tt.name, body)
		}
		if code != tt.code || !strings.Contains(e.Error, tt.msg) {
			t.Errorf("%s: %d %q; want %d containing %q", tt.name, code, e.Error, tt.code, tt.msg)
		}
	}
	// A body too large without Content-Length (chunked) is cut off too.
	pr := strings.NewReader(in("[1,4]", "FP32", "["+strings.Repeat("0,", 1500)+"0]"))
	req, _ := http.NewRequest("POST", s.InferURL(), struct{ *strings.Reader }{pr})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 413 || req.ContentLength != 0 {
		t.Errorf("chunked oversized body: %d (content length %d); want 413", resp.StatusCode, req.ContentLength)
	}
	// The server is still healthy after all that, and takes data nested as
	// the shape and integers in range.
	for _, body := range []string{
		in("[1,4]", "FP32", "[0,1,0,0]"),
		in("[1,4]", "FP32", "[[0,1,0,0]]"),
		in("[2,4]", "FP32", "[[0,1,0,0],[1,0,0,0]]"),
		in("[1,4]", "INT8", "[-128,127,0,1]"),
		in("[1,4]", "UINT8", "[[0,255,3,4]]"),
		in("[1,4]", "INT64", "[-9223372036854775808,1e3,0,1]"),
	} {
		if code, resp := do(t, "POST", s.InferURL(), body); code != 200 {
			t.Errorf("valid request %s after errors: %d %s", body, code, resp)
		}
	}
}

func TestModelPanicIsA500(t *testing.T) {
	m := newPicker(4, 3)
	s := start(t, m, Options{Name: "pick"})
	m.w = nil // the next Forward panics with a nil dereference
	code, body := do(t, "POST", s.InferURL(), inferBody("", []int{1, 4}, []float32{1, 2, 3, 4}))
	if code != 500 || !strings.Contains(body, "model forward panicked") {
		t.Errorf("panicking model: %d %s; want 500", code, body)
	}
}

func TestStartErrors(t *testing.T) {
	m := newPicker(4, 3)
	if _, err := Start(m, Options{InputShape: []int{5}}); err == nil || !strings.Contains(err.Error(), "panicked") {
		t.Errorf("Start with a wrong input shape: %v; want the warm-up pass to fail", err)
	}
	if _, err := Start(m, Options{RefMean: []float64{1}}); err == nil {
		t.Error("Start with RefMean but no RefStd: no error")
	}
	s := start(t, m, Options{})
	if _, err := Start(m, Options{Addr: s.Addr()}); err == nil || !strings.Contains(err.Error(), "listen") {
		t.Errorf("Start on a busy port: %v; want a listen error", err)
	}
}

func TestStartStopReleasesPort(t *testing.T) {
	addr := "127.0.0.1:0"
	for i := 0; i < 5; i++ {
		s, err := Start(newPicker(4, 3), Options{Addr: addr})
		if err != nil {
			t.Fatalf("start %d on %s: %v", i, addr, err)
		}
		addr = s.Addr() // reuse the same port next time
		if code, _ := do(t, "GET", s.URL()+"/v2/health/ready", ""); code != 200 {
			t.Fatalf("start %d: ready = %d", i, code)
		}
		if err := s.Stop(); err != nil {
			t.Fatalf("stop %d: %v", i, err)
		}
		if err := s.Stop(); err != nil {
			t.Fatalf("second stop %d: %v", i, err)
		}
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			t.Fatalf("stop %d: port %s still accepts connections", i, addr)
		}
	}
}

func TestStopDrainsInFlight(t *testing.T) {
	m := newPicker(4, 3)
	m.delay = 300 * time.Millisecond
	s := start(t, m, Options{})
	var wg sync.WaitGroup
	codes := make([]int, 4)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i], _ = do(t, "POST", s.InferURL(), inferBody("", []int{1, 4}, []float32{1, 0, 0, 0}))
		}()
	}
	time.Sleep(100 * time.Millisecond) // let the requests arrive
	t0 := time.Now()
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	for i, c := range codes {
		if c != 200 {
			t.Errorf("in-flight request %d: %d; want 200 after drain", i, c)
		}
	}
	if d := time.Since(t0); d < 150*time.Millisecond {
		t.Errorf("Stop returned after %v, before the in-flight requests finished", d)
	}
	// After Stop the handler refuses new work with 503.
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("POST", "/v2/models/model/infer", strings.NewReader(inferBody("", []int{1, 4}, []float32{1, 0, 0, 0}))))
	if rec.Code != 503 {
		t.Errorf("infer after Stop: %d; want 503", rec.Code)
	}
	rec = httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/v2/health/ready", nil))
	if rec.Code != 400 {
		t.Errorf("ready after Stop: %d; want 400 (4xx = not ready)", rec.Code)
	}
}

// TestDrainDelay: during Options.DrainDelay readiness is false, but new
// connections are accepted and inference answered as usual; then the
// listener closes.
func TestDrainDelay(t *testing.T) {
	s := start(t, newPicker(4, 3), Options{DrainDelay: 400 * time.Millisecond})
	stopped := make(chan error)
	go func() { stopped <- s.Stop() }()
	for {
		code, _ := do(t, "GET", s.URL()+"/v2/health/ready", "")
		if code == 400 {
			break
		}
	}
	// A new connection while readiness is false is served, and told to
	// close after the response, on the fast path and through net/http.
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	for _, url := range []string{s.InferURL(), s.InferURL() + "?via=net/http"} {
		resp, err := (&http.Client{Transport: tr}).Post(url, "application/json", strings.NewReader(inferBody("", []int{1, 4}, []float32{1, 0, 0, 0})))
		if err != nil {
			t.Fatalf("infer during the drain delay: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || !resp.Close {
			t.Errorf("infer %s during the drain delay: %d, Connection: close %v; want 200 and close", url, resp.StatusCode, resp.Close)
		}
	}
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	if c, err := net.DialTimeout("tcp", s.Addr(), time.Second); err == nil {
		c.Close()
		t.Error("the port still accepts connections after Stop")
	}
}

func TestQueueFullIs503(t *testing.T) {
	m := newPicker(4, 3)
	m.delay = 200 * time.Millisecond
	s := start(t, m, Options{QueueSize: 1, MaxBatch: 1})
	var wg sync.WaitGroup
	var mu sync.Mutex
	count := map[int]int{}
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, _ := do(t, "POST", s.InferURL(), inferBody("", []int{1, 4}, []float32{1, 0, 0, 0}))
			mu.Lock()
			count[c]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	// One runs, one waits in the queue; the rest are refused.
	if count[503] == 0 || count[200] == 0 || count[200]+count[503] != 6 {
		t.Errorf("codes %v; want some 200 and some 503", count)
	}
}

func TestDynamicBatching(t *testing.T) {
	m := newPicker(4, 3)
	m.delay = 20 * time.Millisecond
	s := start(t, m, Options{MaxBatch: 16, MaxDelay: 10 * time.Millisecond})
	var wg sync.WaitGroup
	for i := 0; i < 32; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			row := []float32{0, 0, 0, 0}
			row[i%3] = 1
			code, body := do(t, "POST", s.InferURL(), inferBody("", []int{1, 4}, row))
			r := decodeResponse(t, body)
			if code != 200 || r.Outputs[2].Data[0] != float64(i%3) {
				t.Errorf("request %d: %d %s; want class %d (rows mixed up in a batch?)", i, code, body, i%3)
			}
		}()
	}
	wg.Wait()
	st := s.Stats()
	if st.Rows != 32 || st.MeanBatch <= 1.5 { // the warm-up pass is not counted
		t.Errorf("rows %d, mean batch %.2f; want 32 rows merged into batches > 1.5 on average", st.Rows, st.MeanBatch)
	}
	t.Logf("32 concurrent requests ran in %d batches (mean %.1f rows)", st.Batches, st.MeanBatch)
}

func TestSlowClientTimesOut(t *testing.T) {
	s := start(t, newPicker(4, 3), Options{ReadHeaderTimeout: 200 * time.Millisecond})
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("POST /v2/models/model/infer HTTP/1.1\r\nHost: x\r\n")) // never finishes the header
	c.SetReadDeadline(time.Now().Add(3 * time.Second))
	t0 := time.Now()
	buf := make([]byte, 512)
	for {
		if _, err := c.Read(buf); err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatal("server kept a slowloris connection open for 3 s")
			}
			break // closed by the server
		}
	}
	if d := time.Since(t0); d > 2*time.Second {
		t.Errorf("slow client dropped after %v", d)
	}
}

func TestSwapUnderLoad(t *testing.T) {
	s := start(t, newPicker(4, 3), Options{Name: "pick"})
	reversed := newPicker(4, 3) // output c is feature 2-c
	w := reversed.w.Data()
	clear(w)
	for c := 0; c < 3; c++ {
		w[c*4+(2-c)] = 1
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	classes := map[float64]int{}
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				code, body := do(t, "POST", s.InferURL(), inferBody("", []int{1, 4}, []float32{1, 0, 0, 0}))
				if code != 200 {
					t.Errorf("request during swap: %d %s", code, body)
					return
				}
				mu.Lock()
				classes[decodeResponse(t, body).Outputs[2].Data[0]]++
				mu.Unlock()
			}
		}()
	}
	time.Sleep(50 * time.Millisecond)
	if err := s.Swap(newPicker(5, 3), "2"); err == nil {
		t.Error("Swap to a model with another input width: no error")
	}
	if err := s.Swap(newPicker(4, 2), "2"); err == nil || !strings.Contains(err.Error(), "want 3 values per row") {
		t.Errorf("Swap to a model with another output width: %v", err)
	}
	if err := s.Swap(reversed, "2"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	close(stop)
	wg.Wait()
	// Class 0 from the old model, class 2 from the new one, nothing else.
	if classes[0] == 0 || classes[2] == 0 || classes[1] != 0 {
		t.Errorf("predicted classes across the swap: %v; want both 0 (old) and 2 (new)", classes)
	}
	if s.Version() != "2" {
		t.Errorf("version after swap = %q", s.Version())
	}
	_, body := do(t, "GET", s.URL()+"/v2/models/pick/versions/2", "")
	if !strings.Contains(body, `"versions":["2"]`) {
		t.Errorf("metadata after swap: %s", body)
	}
	if code, _ := do(t, "GET", s.URL()+"/v2/models/pick/versions/1/ready", ""); code != 404 {
		t.Errorf("old version ready: %d; want 404", code)
	}
}

// binaryRequest builds a binary tensor data extension request.
func binaryRequest(t *testing.T, url, header string, payload []byte, hlen int) (int, string) {
	t.Helper()
	req, err := http.NewRequest("POST", url, strings.NewReader(header+string(payload)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("Inference-Header-Content-Length", strconv.Itoa(hlen))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestBinaryTensorData(t *testing.T) {
	s := start(t, newPicker(4, 3), Options{Name: "pick"})
	le := func(vs ...float32) []byte {
		var b []byte
		for _, v := range vs {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
		}
		return b
	}
	hdr := func(size int, dtype string) string {
		return `{"id":"bin","inputs":[{"name":"input","shape":[2,4],"datatype":"` + dtype + `","parameters":{"binary_data_size":` + strconv.Itoa(size) + `}}]}`
	}
	x := le(1, 5, 2, 0, 0.5, -1, 2.5, 9)
	h := hdr(len(x), "FP32")
	code, body := binaryRequest(t, s.InferURL(), h, x, len(h))
	r := decodeResponse(t, body)
	if code != 200 || r.ID != "bin" || !reflect.DeepEqual(r.Outputs[0].Data, []float64{1, 5, 2, 0.5, -1, 2.5}) || !reflect.DeepEqual(r.Outputs[2].Data, []float64{1, 2}) {
		t.Fatalf("binary infer: %d %s", code, body)
	}
	var x64 []byte
	for _, v := range []float64{1, 5, 2, 0, 0.5, -1, 2.5, 9} {
		x64 = binary.LittleEndian.AppendUint64(x64, math.Float64bits(v))
	}
	h64 := hdr(len(x64), "FP64")
	if code, body := binaryRequest(t, s.InferURL(), h64, x64, len(h64)); code != 200 || !strings.Contains(body, `"data":[1,2]`) {
		t.Errorf("binary FP64: %d %s", code, body)
	}
	bad := []struct {
		name    string
		header  string
		payload []byte
		hlen    int
		msg     string
	}{
		{"short payload", h, x[:28], len(h), "declares 32 binary bytes"},
		{"extra bytes", h, append(le(0), x...), len(h), "4 bytes after the JSON header"},
		{"header length beyond body", h, x, len(h) + 100, "does not fit"},
		{"header length cuts JSON", h, x, len(h) - 5, "invalid JSON"},
		{"NaN", h, le(1, 2, 3, float32(math.NaN()), 1, 2, 3, 4), len(h), "not a finite FP32"},
		{"INT32", hdr(32, "INT32"), x, len(hdr(32, "INT32")), "FP32 and FP64"},
		{"odd size", hdr(30, "FP32"), x[:30], len(hdr(30, "FP32")), "not whole FP32"},
		{"wrong count", hdr(28, "FP32"), x[:28], len(hdr(28, "FP32")), "has 7 values"},
	}
	for _, tt := range bad {
		if code, body := binaryRequest(t, s.InferURL(), tt.header, tt.payload, tt.hlen); code != 400 || !strings.Contains(body, tt.msg) {
			t.Errorf("%s: %d %s; want 400 containing %q", tt.name, code, body, tt.msg)
		}
	}
}
