package serve

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gokernel/gokernel/mlstd/nn"
)

// rawClient speaks HTTP/1.1 over one TCP connection, so tests control
// exactly what bytes the server sees and when.
type rawClient struct {
	t  *testing.T
	c  net.Conn
	br *bufio.Reader
}

func dialRaw(t *testing.T, s *Server) *rawClient {
	t.Helper()
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	return &rawClient{t: t, c: c, br: bufio.NewReader(c)}
}

func (r *rawClient) send(parts ...string) {
	r.t.Helper()
	for _, p := range parts {
		if _, err := r.c.Write([]byte(p)); err != nil {
			r.t.Fatal(err)
		}
	}
}

// read reads one response (to a request with the given method).
func (r *rawClient) read(method string) (*http.Response, string) {
	r.t.Helper()
	resp, err := http.ReadResponse(r.br, &http.Request{Method: method})
	if err != nil {
		r.t.Fatalf("reading a response: %v", err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		r.t.Fatalf("reading a response body: %v", err)
	}
	return resp, string(b)
}

// closed reports whether the server has closed the connection.
func (r *rawClient) closed(within time.Duration) bool {
	r.c.SetReadDeadline(time.Now().Add(within))
	_, err := r.br.ReadByte()
	return err == io.EOF || (err != nil && !isTimeout(err))
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

func rawPost(path, body string, headers ...string) string {
	return fmt.Sprintf("POST %s HTTP/1.1\r\nHost: x\r\n%sContent-Length: %d\r\n\r\n%s", path, strings.Join(headers, ""), len(body), body)
}

const pickOne = `{"id":"a","inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","data":[0,0,1,0]}],"outputs":[{"name":"predicted_class"}]}`

// The fast path and net/http answer the same request with the same body
// and headers (but Date), on one keep-alive connection that moves from the
// fast path to net/http when a request the fast path does not take comes.
func TestFrontFastAndHandedOffAgree(t *testing.T) {
	s := start(t, newPicker(4, 3), Options{})
	r := dialRaw(t, s)
	r.send(rawPost("/v2/models/model/infer", pickOne))
	fast, fastBody := r.read("POST")
	r.send("GET /v2/health/live HTTP/1.1\r\nHost: x\r\n\r\n")
	fastLive, fastLiveBody := r.read("GET")
	// A query string is not the fast path's exact route: net/http takes the
	// connection from here on, and routes it to the same handler.
	r.send(rawPost("/v2/models/model/infer?x=1", pickOne))
	slow, slowBody := r.read("POST")
	r.send("GET /v2/models/model HTTP/1.1\r\nHost: x\r\n\r\n")
	if meta, body := r.read("GET"); meta.StatusCode != 200 || !strings.Contains(body, `"name":"model"`) {
		t.Errorf("metadata after the hand-off: %d %s", meta.StatusCode, body)
	}
	r.send("GET /v2/health/live HTTP/1.1\r\nHost: x\r\n\r\n")
	slowLive, slowLiveBody := r.read("GET")
	r.send(rawPost("/v2/models/model/infer", pickOne))
	again, againBody := r.read("POST")
	if fastLiveBody != `{"live":true}` || slowLiveBody != fastLiveBody || fastLive.StatusCode != 200 || slowLive.StatusCode != 200 {
		t.Errorf("live: fast path %d %s, net/http %d %s; want 200 {\"live\":true}", fastLive.StatusCode, fastLiveBody, slowLive.StatusCode, slowLiveBody)
	}
	if fast.StatusCode != 200 || slow.StatusCode != 200 || again.StatusCode != 200 {
		t.Fatalf("codes %d %d %d", fast.StatusCode, slow.StatusCode, again.StatusCode)
	}
	want := `{"model_name":"model","model_version":"1","id":"a","outputs":[{"name":"predicted_class","datatype":"INT64","shape":[1],"data":[2]}]}`
	for _, b := range []string{fastBody, slowBody, againBody} {
		if b != want {
			t.Errorf("body %s; want %s", b, want)
		}
	}
	for _, k := range []string{"Content-Type", "Content-Length"} {
		if fast.Header.Get(k) != slow.Header.Get(k) {
			t.Errorf("%s: fast %q, net/http %q", k, fast.Header.Get(k), slow.Header.Get(k))
		}
		if fastLive.Header.Get(k) != slowLive.Header.Get(k) {
			t.Errorf("live %s: fast %q, net/http %q", k, fastLive.Header.Get(k), slowLive.Header.Get(k))
		}
	}
	if _, err := http.ParseTime(fast.Header.Get("Date")); err != nil {
		t.Errorf("fast path Date %q: %v", fast.Header.Get("Date"), err)
	}
	if len(fast.Header) != len(slow.Header) {
		t.Errorf("fast path headers %v; net/http's %v", fast.Header, slow.Header)
	}
	// Both paths count into the same series.
	_, metrics := do(t, "GET", s.URL()+"/metrics", "")
	if !strings.Contains(metrics, `gokernel_serve_requests_total{code="200",endpoint="infer",model="model"} 3`) {
		t.Errorf("metrics do not count the 3 infer requests:\n%s", grepLines(metrics, "requests_total"))
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// Requests split anywhere, pipelined, or several per write are answered in
// order.
func TestFrontSplitAndPipelined(t *testing.T) {
	s := start(t, newPicker(4, 3), Options{})
	r := dialRaw(t, s)
	req := rawPost("/v2/models/model/infer", pickOne)
	for _, cut := range []int{1, 17, strings.Index(req, "\r\n\r\n") + 2, strings.Index(req, "\r\n\r\n") + 4, len(req) - 1} {
		r.send(req[:cut])
		time.Sleep(20 * time.Millisecond)
		r.send(req[cut:])
		if resp, body := r.read("POST"); resp.StatusCode != 200 || !strings.Contains(body, `"data":[2]`) {
			t.Fatalf("split at %d: %d %s", cut, resp.StatusCode, body)
		}
	}
	r.send(req + req + "GET /v2/health/ready HTTP/1.1\r\nHost: x\r\n\r\n" + req)
	for i, m := range []string{"POST", "POST", "GET", "POST"} {
		if resp, _ := r.read(m); resp.StatusCode != 200 {
			t.Fatalf("pipelined request %d: %d", i, resp.StatusCode)
		}
	}
	// A body larger than the connection's buffer (64 KiB).
	data := strings.Repeat("0.25, ", 4*4000-1) + "1"
	big := fmt.Sprintf(`{"inputs":[{"name":"input","shape":[4000,4],"datatype":"FP32","data":[%s]}],"outputs":[{"name":"predicted_class"}]}`, data)
	r.send(rawPost("/v2/models/model/infer", big))
	resp, body := r.read("POST")
	if out := decodeResponse(t, body).Outputs; resp.StatusCode != 200 || len(out) != 1 || len(out[0].Data) != 4000 || out[0].Data[3999] != 3%3 {
		t.Fatalf("big body: %d %.200s", resp.StatusCode, body)
	}
	r.send(req)
	if resp, _ := r.read("POST"); resp.StatusCode != 200 {
		t.Fatalf("after the big body: %d", resp.StatusCode)
	}
}

// What the fast path does not take, net/http answers as it always has.
func TestFrontHandsOffTheRest(t *testing.T) {
	s := start(t, newPicker(4, 3), Options{MaxBodyBytes: 1000})
	cases := []struct {
		name, req, method string
		code              int
	}{
		{"chunked", "POST /v2/models/model/infer HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
			fmt.Sprintf("%x\r\n%s\r\n0\r\n\r\n", len(pickOne), pickOne), "POST", 200},
		{"HTTP/1.0", "POST /v2/models/model/infer HTTP/1.0\r\nContent-Length: " + fmt.Sprint(len(pickOne)) + "\r\n\r\n" + pickOne, "POST", 200},
		{"no Host", "GET /v2/health/live HTTP/1.1\r\n\r\n", "GET", 400},
		{"space before colon", "GET /v2/health/live HTTP/1.1\r\nHost: x\r\nFoo : bar\r\n\r\n", "GET", 400},
		{"control byte", "GET /v2/health/live HTTP/1.1\r\nHost: x\r\nFoo: a\x01b\r\n\r\n", "GET", 400},
		{"two lengths", "POST /v2/models/model/infer HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", "POST", 400},
		{"body over the limit", rawPost("/v2/models/model/infer", strings.Repeat(" ", 2000)), "POST", 413},
		{"no length", "POST /v2/models/model/infer HTTP/1.1\r\nHost: x\r\n\r\n", "POST", 400},
		{"unknown model", rawPost("/v2/models/other/infer", pickOne), "POST", 404},
		{"head over the limit", "GET /v2/health/live HTTP/1.1\r\nHost: x\r\nBig: " + strings.Repeat("a", 80<<10) + "\r\n\r\n", "GET", 431},
		// Bare LF line endings: net/http reads them (the fast path waited
		// for a CRLFCRLF that never came, until ReadHeaderTimeout).
		{"bare LF", "GET /v2/health/live HTTP/1.1\nHost: x\n\n", "GET", 200},
		{"bare LF infer", "POST /v2/models/model/infer HTTP/1.1\nHost: x\nContent-Length: " + fmt.Sprint(len(pickOne)) + "\n\n" + pickOne, "POST", 200},
		{"bare LF after CRLF lines", "GET /v2/health/ready HTTP/1.1\r\nHost: x\r\n\n", "GET", 200},
		{"malformed Host", "GET /v2/health/live HTTP/1.1\r\nHost: a b/c\"d\r\n\r\n", "GET", 400},
		{"malformed Host infer", "POST /v2/models/model/infer HTTP/1.1\r\nHost: a\"b\r\nContent-Length: " + fmt.Sprint(len(pickOne)) + "\r\n\r\n" + pickOne, "POST", 400},
		{"wrong method", "DELETE /v2/models/model/infer HTTP/1.1\r\nHost: x\r\n\r\n", "DELETE", 405},
	}
	for _, c := range cases {
		r := dialRaw(t, s)
		r.c.SetReadDeadline(time.Now().Add(3 * time.Second)) // well within ReadHeaderTimeout (5 s): answered at once
		r.send(c.req)
		resp, body := r.read(c.method)
		if resp.StatusCode != c.code {
			t.Errorf("%s: %d %s; want %d", c.name, resp.StatusCode, body, c.code)
		}
	}
	// Expect: 100-continue: net/http asks for the body first.
	r := dialRaw(t, s)
	r.send("POST /v2/models/model/infer HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: " + fmt.Sprint(len(pickOne)) + "\r\n\r\n")
	if line, _ := r.br.ReadString('\n'); !strings.HasPrefix(line, "HTTP/1.1 100") {
		t.Fatalf("Expect: got %q; want 100 Continue", line)
	}
	r.br.ReadString('\n')
	r.send(pickOne)
	if resp, _ := r.read("POST"); resp.StatusCode != 200 {
		t.Errorf("after 100 Continue: %d", resp.StatusCode)
	}
}

// Errors on the fast path carry the same codes and {"error"} bodies, and
// Connection: close is honoured.
func TestFrontErrorsAndClose(t *testing.T) {
	s := start(t, newPicker(4, 3), Options{MaxRequestRows: 2})
	r := dialRaw(t, s)
	for _, c := range []struct {
		body string
		code int
		msg  string
	}{
		{`{"inputs":[`, 400, "invalid JSON"},
		{`{"inputs":[{"name":"input","shape":[3,4],"datatype":"FP32","data":[0,0,0,0,0,0,0,0,0,0,0,0]}]}`, 413, "exceeds the limit"},
		{`{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","data":[0,0,"a",0]}]}`, 400, "not a finite number"},
	} {
		r.send(rawPost("/v2/models/model/infer", c.body))
		resp, body := r.read("POST")
		if resp.StatusCode != c.code || !strings.HasPrefix(body, `{"error":"`) || !strings.Contains(body, c.msg) {
			t.Errorf("%s: %d %s; want %d with %q", c.body, resp.StatusCode, body, c.code, c.msg)
		}
		if resp.Header.Get("Content-Type") != "application/json" {
			t.Errorf("error Content-Type %q", resp.Header.Get("Content-Type"))
		}
	}
	r.send(rawPost("/v2/models/model/infer", pickOne, "Connection: close\r\n"))
	resp, _ := r.read("POST")
	if resp.StatusCode != 200 || !resp.Close {
		t.Errorf("Connection: close request: %d, close %v", resp.StatusCode, resp.Close)
	}
	if !r.closed(2 * time.Second) {
		t.Error("server kept the connection open after Connection: close")
	}
}

// A lone connection (blocking mode) and concurrent ones (poller) are both
// served; connections opening and closing move between the modes.
func TestFrontModesUnderConcurrency(t *testing.T) {
	s := start(t, newPicker(4, 3), Options{})
	lone := dialRaw(t, s)
	req := rawPost("/v2/models/model/infer", pickOne)
	for i := 0; i < 50; i++ {
		lone.send(req)
		if resp, _ := lone.read("POST"); resp.StatusCode != 200 {
			t.Fatalf("lone request %d: %d", i, resp.StatusCode)
		}
	}
	waitBlocking(t, s, 1)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.Dial("tcp", s.Addr())
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			br := bufio.NewReader(c)
			for i := 0; i < 50; i++ {
				if _, err := c.Write([]byte(req)); err != nil {
					errs <- err
					return
				}
				resp, err := http.ReadResponse(br, &http.Request{Method: "POST"})
				if err != nil {
					errs <- err
					return
				}
				io.Copy(io.Discard, resp.Body)
				if resp.StatusCode != 200 {
					errs <- fmt.Errorf("status %d", resp.StatusCode)
					return
				}
			}
		}()
	}
	for i := 0; i < 50; i++ { // the first connection keeps going meanwhile
		lone.send(req)
		if resp, _ := lone.read("POST"); resp.StatusCode != 200 {
			t.Fatalf("request %d beside others: %d", i, resp.StatusCode)
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for i := 0; i < 200 && s.front.open.Load() != 1; i++ {
		time.Sleep(5 * time.Millisecond)
	}
	for i := 0; i < 10; i++ { // alone again
		lone.send(req)
		if resp, _ := lone.read("POST"); resp.StatusCode != 200 {
			t.Fatalf("request %d alone again: %d", i, resp.StatusCode)
		}
	}
	waitBlocking(t, s, 1)
}

// waitBlocking waits until want connections wait in blocking mode (on
// Linux; elsewhere there is none).
func waitBlocking(t *testing.T, s *Server, want int) {
	t.Helper()
	if runtime.GOOS != "linux" {
		want = 0
	}
	n := -1
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		n = 0
		s.front.mu.Lock()
		for c := range s.front.conns {
			c.fdMu.Lock()
			if c.blocking {
				n++
			}
			c.fdMu.Unlock()
		}
		s.front.mu.Unlock()
		if n == want {
			return
		}
	}
	t.Fatalf("%d connections in blocking mode; want %d", n, want)
}

// An idle connection is closed after IdleTimeout, and Stop closes idle
// connections at once, whichever mode they wait in.
func TestFrontIdleAndStop(t *testing.T) {
	s := start(t, newPicker(4, 3), Options{IdleTimeout: 300 * time.Millisecond})
	r := dialRaw(t, s)
	r.send(rawPost("/v2/models/model/infer", pickOne))
	r.read("POST")
	t0 := time.Now()
	if !r.closed(3 * time.Second) {
		t.Fatal("idle connection not closed within 3 s")
	}
	if d := time.Since(t0); d < 250*time.Millisecond {
		t.Errorf("idle connection closed after %v; IdleTimeout is 300 ms", d)
	}

	s2, err := Start(newPicker(4, 3), Options{})
	if err != nil {
		t.Fatal(err)
	}
	a, b := dialRaw(t, s2), dialRaw(t, s2)
	for _, c := range []*rawClient{a, b, a} {
		c.send(rawPost("/v2/models/model/infer", pickOne))
		c.read("POST")
	}
	b.c.Close() // a is alone now and goes back to waiting in blocking mode
	for i := 0; i < 200 && s2.front.open.Load() != 1; i++ {
		time.Sleep(5 * time.Millisecond)
	}
	a.send(rawPost("/v2/models/model/infer", pickOne))
	a.read("POST")
	waitBlocking(t, s2, 1)
	t0 = time.Now()
	if err := s2.Stop(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(t0); d > 500*time.Millisecond {
		t.Errorf("Stop took %v with one idle connection", d)
	}
	if !a.closed(time.Second) {
		t.Error("Stop left an idle connection open")
	}
}

// BenchmarkFrontB1 sends one-row requests one after another over one
// keep-alive connection through the real listener (the blocking-mode fast
// path on Linux); with -benchmem it shows the server's allocations per
// request, as the client reads the responses without allocating.
func BenchmarkFrontB1(b *testing.B) {
	s, err := Start(nn.NewSequential(nn.NewLinear(784, 128), nn.NewReLU(), nn.NewLinear(128, 10)), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	body := mnistLikeBody(1)
	req := []byte(fmt.Sprintf("POST /v2/models/model/infer HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s", len(body), body))
	buf := make([]byte, 64<<10)
	for b.Loop() {
		if _, err := c.Write(req); err != nil {
			b.Fatal(err)
		}
		n, want := 0, -1
		for want < 0 || n < want {
			m, err := c.Read(buf[n:])
			if err != nil {
				b.Fatal(err)
			}
			n += m
			if want < 0 {
				if i := bytes.Index(buf[:n], crlfcrlf); i >= 0 {
					j := bytes.Index(buf[:i], []byte("Content-Length: "))
					k := j + len("Content-Length: ")
					l := 0
					for ; buf[k] != '\r'; k++ {
						l = l*10 + int(buf[k]-'0')
					}
					want = i + 4 + l
				}
			}
		}
		if !bytes.HasPrefix(buf, []byte("HTTP/1.1 200 ")) {
			b.Fatalf("response %.100s", buf[:n])
		}
	}
}

// A slow client is dropped after ReadHeaderTimeout, and one that stops
// sending its body after ReadTimeout, in either mode; connections that
// end leave no goroutine behind.
func TestFrontSlowClientsAndLeaks(t *testing.T) {
	s := start(t, newPicker(4, 3), Options{ReadHeaderTimeout: 200 * time.Millisecond, ReadTimeout: 400 * time.Millisecond})
	base := runtime.NumGoroutine()
	for _, others := range []int{0, 1} { // alone (blocking mode), then beside another (poller)
		var keep []*rawClient
		for i := 0; i < others; i++ {
			keep = append(keep, dialRaw(t, s))
		}
		head := dialRaw(t, s)
		head.send("POST /v2/models/model/infer HTTP/1.1\r\nHost: x\r\n")
		body := dialRaw(t, s)
		body.send(rawPost("/v2/models/model/infer", pickOne)[:len(rawPost("/v2/models/model/infer", pickOne))-5])
		t0 := time.Now()
		if !head.closed(3 * time.Second) {
			t.Errorf("others=%d: a head never finished kept its connection 3 s", others)
		}
		if !body.closed(3 * time.Second) {
			t.Errorf("others=%d: a body never finished kept its connection 3 s", others)
		}
		if d := time.Since(t0); d > 2500*time.Millisecond {
			t.Errorf("others=%d: slow clients dropped after %v", others, d)
		}
		for _, k := range keep {
			k.c.Close()
		}
	}
	for i := 0; i < 20; i++ { // connections that come and go
		r := dialRaw(t, s)
		r.send(rawPost("/v2/models/model/infer", pickOne))
		r.read("POST")
		r.c.Close()
	}
	for i := 0; i < 200 && (s.front.open.Load() != 0 || runtime.NumGoroutine() > base); i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if n := s.front.open.Load(); n != 0 {
		t.Errorf("%d connections still open", n)
	}
	if n := runtime.NumGoroutine(); n > base {
		t.Errorf("%d goroutines, %d before the connections", n, base)
	}
}

// parseHead never panics, and what it accepts is a request line and
// header lines without control characters.
func FuzzParseHead(f *testing.F) {
	for _, s := range []string{
		"POST /v2/models/m/infer HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nInference-Header-Content-Length: 5\r\n\r\n",
		"GET / HTTP/1.0\r\n\r\n", "GET  / HTTP/1.1\r\n\r\n", "POST / HTTP/1.1\r\nContent-Length: +1\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n", "A B HTTP/1.1\r\nX:\x00\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		h, ok := parseHead(b)
		if !ok {
			return
		}
		if h.contentLength < 0 || len(h.method) == 0 || len(h.target) == 0 {
			t.Fatalf("accepted %q as %+v", b, h)
		}
		if i := bytes.Index(b, crlfcrlf); i >= 0 { // the head; serve passes nothing after it
			b = b[:i+4]
		}
		for _, c := range b {
			if c < ' ' && c != '\t' && c != '\r' && c != '\n' || c == 0x7f {
				t.Fatalf("accepted control byte %#x in %q", c, b)
			}
		}
	})
}

// FuzzFastPathAgreesWithNetHTTP: for the same bytes, the fast path either
// leaves the request to net/http or reads it as http.ReadRequest does:
// method, target, body length and bytes, and framing (no transfer coding;
// Connection: close).
func FuzzFastPathAgreesWithNetHTTP(f *testing.F) {
	for _, s := range []string{
		rawPost("/v2/models/m/infer", pickOne),
		rawPost("/v2/models/m/infer", pickOne, "Connection: close\r\n"),
		rawPost("/v2/models/m/infer", pickOne, "Connection: keep-alive\r\nInference-Header-Content-Length: 5\r\n"),
		"GET /v2/health/live HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /v2/health/ready HTTP/1.1\r\nHost: [::1]:80\r\nContent-Length: 0\r\n\r\n",
		"GET /v2/health/live HTTP/1.1\nHost: x\n\n",
		"GET /v2/health/live HTTP/1.1\r\nHost: a b/c\"d\r\n\r\n",
		"POST /v2/models/m/infer HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc",
		"POST /v2/models/m/infer HTTP/1.1\r\nhost: x\r\ncontent-length: 007\r\n\r\n1234567",
		"POST /v2/models/m/infer HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n folded\r\n\r\nab",
	} {
		f.Add([]byte(s))
	}
	c := &conn{f: &front{s: &Server{opts: Options{MaxBodyBytes: 1 << 20}}, inferPath: "/v2/models/m/infer"}}
	f.Fuzz(func(t *testing.T, b []byte) {
		// The connection loop's framing, with every byte arrived: the head
		// ends at the first CRLFCRLF.
		i := bytes.Index(b, crlfcrlf)
		if i < 0 || i+4 > maxHeaderBytes {
			return // net/http's, or still waiting for the head
		}
		end := i + 4
		h, ok := parseHead(b[:end])
		if !ok || !c.fast(&h) {
			return // handed to net/http
		}
		req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(b)))
		if err != nil {
			t.Fatalf("the fast path serves %q, which net/http rejects: %v", b, err)
		}
		if req.Method != string(h.method) || req.RequestURI != string(h.target) || req.ContentLength != int64(h.contentLength) ||
			len(req.TransferEncoding) != 0 || req.Close != h.close || req.ProtoMinor != 1 {
			t.Fatalf("%q: fast path %s %s length %d close %v; net/http %s %s length %d close %v transfer-encoding %v",
				b, h.method, h.target, h.contentLength, h.close, req.Method, req.RequestURI, req.ContentLength, req.Close, req.TransferEncoding)
		}
		if req.Header.Get("Inference-Header-Content-Length") != h.inferHeaderLength {
			t.Fatalf("%q: Inference-Header-Content-Length %q; net/http %q", b, h.inferHeaderLength, req.Header.Get("Inference-Header-Content-Length"))
		}
		body, err := io.ReadAll(req.Body)
		if avail := len(b) - end; avail >= h.contentLength {
			if err != nil || !bytes.Equal(body, b[end:end+h.contentLength]) {
				t.Fatalf("%q: body %q (%v); the fast path reads %q", b, body, err, b[end:end+h.contentLength])
			}
		}
	})
}
