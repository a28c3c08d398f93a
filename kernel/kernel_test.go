package kernel_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-zeromq/zmq4"
	"github.com/gokernel/gokernel/kernel"
)

// fakeEval is a scripted Evaluator: cells are commands, not Go.
type fakeEval struct {
	mu          sync.Mutex
	interrupted chan struct{}
}

func (f *fakeEval) Execute(ctx context.Context, code string, out kernel.Output) (map[string]any, error) {
	switch {
	case code == "page":
		out.Page(map[string]any{"text/plain": "docs"})
	case code == "display":
		out.Display(map[string]any{"text/html": "<b>x</b>"}, nil, "")
	case code == "evaluator panics":
		panic("fake evaluator bug")
	case code == "block":
		f.mu.Lock()
		ch := make(chan struct{})
		f.interrupted = ch
		f.mu.Unlock()
		select {
		case <-ch:
			return nil, &kernel.ExecError{Name: "KeyboardInterrupt", Value: "stopped"}
		case <-time.After(10 * time.Second):
			return nil, errors.New("never interrupted")
		}
	case code == "input":
		s, err := out.Input("name? ", false)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(out.Stdout, "hello %s\n", s)
	case strings.HasPrefix(code, "print "):
		io.WriteString(out.Stdout, code[6:])
	case code == "plain error":
		return nil, errors.New("plain")
	case code == "slow error":
		time.Sleep(50 * time.Millisecond)
		return nil, errors.New("slow")
	}
	return map[string]any{"text/plain": "ok:" + code}, nil
}

func (f *fakeEval) Interrupt() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.interrupted != nil {
		close(f.interrupted)
		f.interrupted = nil
	}
}
func (f *fakeEval) IsComplete(code string) (string, string) { return "incomplete", "  " }
func (f *fakeEval) Complete(code string, pos int) ([]string, int, int) {
	return []string{"Println"}, pos - 2, pos
}
func (f *fakeEval) Inspect(code string, pos, detail int) (map[string]any, bool) { return nil, false }

// client is a minimal Jupyter client over zmq4.
type client struct {
	t                   testing.TB
	signer              *kernel.Signer
	shell, control, sub zmq4.Socket
	stdin               zmq4.Socket
	iopub               chan *kernel.Message
	seq                 int
}

func startKernel(t testing.TB) (*client, *fakeEval) {
	return startKernelOn(t, &kernel.ConnectionInfo{Transport: "tcp", IP: "127.0.0.1", Key: "test-key", SignatureScheme: "hmac-sha256"})
}

func startKernelOn(t testing.TB, info *kernel.ConnectionInfo) (*client, *fakeEval) {
	t.Helper()
	ev := &fakeEval{}
	k, err := kernel.New(info, ev, kernel.Config{Log: io.Discard, StreamInterval: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- k.Run(ctx) }()
	<-k.Ready()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("Run did not return after cancel")
		}
	})
	ci := k.Info()
	s, _ := kernel.NewSigner("hmac-sha256", []byte("test-key"))
	c := &client{t: t, signer: s, iopub: make(chan *kernel.Message, 1000)}
	cctx, ccancel := context.WithCancel(context.Background())
	t.Cleanup(ccancel)
	dial := func(sock zmq4.Socket, port int) zmq4.Socket {
		if err := sock.Dial(ci.Endpoint(port)); err != nil {
			t.Fatal(err)
		}
		return sock
	}
	c.shell = dial(zmq4.NewDealer(cctx, zmq4.WithID(zmq4.SocketIdentity("c1"))), ci.ShellPort)
	c.control = dial(zmq4.NewDealer(cctx, zmq4.WithID(zmq4.SocketIdentity("c1c"))), ci.ControlPort)
	c.stdin = dial(zmq4.NewDealer(cctx, zmq4.WithID(zmq4.SocketIdentity("c1"))), ci.StdinPort)
	c.sub = zmq4.NewSub(cctx)
	_ = c.sub.SetOption(zmq4.OptionSubscribe, "")
	dial(c.sub, ci.IOPubPort)
	go func() {
		for {
			m, err := c.sub.Recv()
			if err != nil {
				return
			}
			if d, err := kernel.Decode(m.Frames, c.signer); err == nil {
				c.iopub <- d
			}
		}
	}()
	// Wait for the subscription to be live: poll kernel_info until an iopub message arrives.
	for i := 0; ; i++ {
		c.request(c.shell, "kernel_info_request", `{}`)
		c.recv(c.shell)
		select {
		case <-c.iopub:
			c.drain()
			return c, ev
		case <-time.After(100 * time.Millisecond):
			if i > 50 {
				t.Fatal("iopub never delivered")
			}
		}
	}
}

func (c *client) drain() {
	for {
		select {
		case <-c.iopub:
		case <-time.After(50 * time.Millisecond):
			return
		}
	}
}

// request sends a request and returns its msg_id.
func (c *client) request(sock zmq4.Socket, msgType, content string) string {
	c.seq++
	id := fmt.Sprintf("req-%d", c.seq)
	date := time.Now().UTC().Format(time.RFC3339Nano)
	h := fmt.Sprintf(`{"msg_id":%q,"session":"cs","username":"u","date":%q,"msg_type":%q,"version":"5.3"}`, id, date, msgType)
	fr := [][]byte{[]byte(kernel.Delimiter), c.signer.Sign([]byte(h), []byte("{}"), []byte("{}"), []byte(content)),
		[]byte(h), []byte("{}"), []byte("{}"), []byte(content)}
	if err := sock.SendMulti(zmq4.NewMsgFrom(fr...)); err != nil {
		c.t.Fatal(err)
	}
	return id
}

func (c *client) recv(sock zmq4.Socket) (*kernel.Message, map[string]any) {
	c.t.Helper()
	ch := make(chan zmq4.Msg, 1)
	go func() { m, _ := sock.Recv(); ch <- m }()
	select {
	case m := <-ch:
		d, err := kernel.Decode(m.Frames, c.signer)
		if err != nil {
			c.t.Fatalf("reply: %v", err)
		}
		var content map[string]any
		_ = json.Unmarshal(d.Content, &content)
		return d, content
	case <-time.After(5 * time.Second):
		c.t.Fatal("no reply within 5s")
	}
	return nil, nil
}

// outputs returns the iopub messages of msgID up to its idle status.
func (c *client) outputs(msgID string) []*kernel.Message {
	c.t.Helper()
	var out []*kernel.Message
	for {
		select {
		case m := <-c.iopub:
			var p struct {
				MsgID string `json:"msg_id"`
			}
			_ = json.Unmarshal(m.ParentHeader, &p)
			if p.MsgID != msgID {
				continue
			}
			out = append(out, m)
			if m.Header.MsgType == "status" && strings.Contains(string(m.Content), "idle") {
				return out
			}
		case <-time.After(5 * time.Second):
			c.t.Fatalf("no idle for %s", msgID)
		}
	}
}

func types(ms []*kernel.Message) []string {
	var s []string
	for _, m := range ms {
		s = append(s, m.Header.MsgType)
	}
	return s
}

func TestKernelPagerPayload(t *testing.T) {
	c, _ := startKernel(t)
	id := c.request(c.shell, "execute_request", `{"code":"page"}`)
	_, r := c.recv(c.shell)
	pl, _ := r["payload"].([]any)
	if r["status"] != "ok" || len(pl) != 1 || pl[0].(map[string]any)["source"] != "page" {
		t.Fatalf("execute_reply = %v; want one page payload", r)
	}
	c.outputs(id)
}

func TestKernelDisplayFilled(t *testing.T) {
	c, _ := startKernel(t)
	id := c.request(c.shell, "execute_request", `{"code":"display"}`)
	c.recv(c.shell)
	for _, m := range c.outputs(id) {
		if m.Header.MsgType == "display_data" {
			var d map[string]any
			_ = json.Unmarshal(m.Content, &d)
			if _, ok := d["metadata"].(map[string]any); !ok {
				t.Errorf("display_data metadata = %v; want {}", d["metadata"])
			}
			if _, ok := d["transient"].(map[string]any); !ok {
				t.Errorf("display_data transient = %v; want {}", d["transient"])
			}
			return
		}
	}
	t.Fatal("no display_data")
}

func TestKernelEvaluatorPanicIsAnError(t *testing.T) {
	c, _ := startKernel(t)
	id := c.request(c.shell, "execute_request", `{"code":"evaluator panics"}`)
	_, r := c.recv(c.shell)
	if r["status"] != "error" || r["ename"] != "InternalError" {
		t.Fatalf("reply = %v; want InternalError", r)
	}
	if got := types(c.outputs(id)); got[len(got)-1] != "status" {
		t.Errorf("iopub = %v", got)
	}
	id = c.request(c.shell, "execute_request", `{"code":"plain error","stop_on_error":false}`)
	_, r = c.recv(c.shell)
	if tb, _ := r["traceback"].([]any); r["ename"] != "Error" || len(tb) == 0 {
		t.Errorf("plain error reply = %v; want ename Error and a traceback", r)
	}
	c.outputs(id)
	c.request(c.shell, "execute_request", `{"code":"x"}`)
	if _, r := c.recv(c.shell); r["status"] != "ok" {
		t.Errorf("kernel does not work after an evaluator panic: %v", r)
	}
}

func TestKernelInterruptWhileRunning(t *testing.T) {
	c, _ := startKernel(t)
	id := c.request(c.shell, "execute_request", `{"code":"block"}`)
	time.Sleep(100 * time.Millisecond)
	// control is served while the cell runs: kernel_info first, then interrupt
	c.request(c.control, "kernel_info_request", `{}`)
	if m, _ := c.recv(c.control); m.Header.MsgType != "kernel_info_reply" {
		t.Fatalf("control reply = %s", m.Header.MsgType)
	}
	// a cell sent on control is refused, not queued behind the running one
	c.request(c.control, "execute_request", `{"code":"x"}`)
	if _, r := c.recv(c.control); r["status"] != "error" {
		t.Fatalf("execute_request on control: %v", r)
	}
	t0 := time.Now()
	c.request(c.control, "interrupt_request", `{}`)
	if _, r := c.recv(c.control); r["status"] != "ok" {
		t.Fatalf("interrupt_reply = %v", r)
	}
	_, r := c.recv(c.shell)
	if r["ename"] != "KeyboardInterrupt" || time.Since(t0) > time.Second {
		t.Fatalf("execute_reply = %v after %v", r, time.Since(t0))
	}
	c.outputs(id)
}

func TestKernelInputAndInterruptedInput(t *testing.T) {
	c, _ := startKernel(t)
	id := c.request(c.shell, "execute_request", `{"code":"input"}`)
	m, req := c.recv(c.stdin)
	if m.Header.MsgType != "input_request" || req["prompt"] != "name? " {
		t.Fatalf("stdin got %s %v", m.Header.MsgType, req)
	}
	c.request(c.stdin, "input_reply", `{"value":"gopher"}`)
	c.recv(c.shell)
	var text string
	for _, m := range c.outputs(id) {
		if m.Header.MsgType == "stream" {
			var s map[string]any
			_ = json.Unmarshal(m.Content, &s)
			text += s["text"].(string)
		}
	}
	if text != "hello gopher\n" {
		t.Errorf("stdout = %q", text)
	}
	// An interrupt ends the wait for input with an error.
	c.request(c.shell, "execute_request", `{"code":"input"}`)
	c.recv(c.stdin)
	c.request(c.control, "interrupt_request", `{}`)
	c.recv(c.control)
	if _, r := c.recv(c.shell); r["status"] != "error" {
		t.Errorf("interrupted input: reply %v", r)
	}
	// allow_stdin false: no input_request, the cell gets an error
	c.request(c.shell, "execute_request", `{"code":"input","allow_stdin":false}`)
	if _, r := c.recv(c.shell); r["status"] != "error" {
		t.Errorf("input without stdin: reply %v", r)
	}
}

func TestKernelBadContentAnswered(t *testing.T) {
	c, _ := startKernel(t)
	c.request(c.shell, "execute_request", `{"code":5}`)
	if _, r := c.recv(c.shell); r["status"] != "error" || r["ename"] != "BadRequest" {
		t.Errorf("execute_request with a numeric code: %v", r)
	}
	c.request(c.shell, "complete_request", `{"code":"fmt.Pr"}`)
	if _, r := c.recv(c.shell); r["cursor_end"] != float64(6) || r["cursor_start"] != float64(4) {
		t.Errorf("complete without cursor_pos: %v; want the cursor at the end (code points)", r)
	}
	c.request(c.shell, "is_complete_request", `{"code":"{"}`)
	if _, r := c.recv(c.shell); r["status"] != "incomplete" || r["indent"] != "  " {
		t.Errorf("is_complete: %v", r)
	}
	c.request(c.shell, "inspect_request", `{"code":"x","cursor_pos":1}`)
	if _, r := c.recv(c.shell); r["found"] != false || r["data"] == nil {
		t.Errorf("inspect: %v; want found false and data {}", r)
	}
}

func TestKernelStreamCoalescedInOrder(t *testing.T) {
	c, _ := startKernel(t)
	var want strings.Builder
	ids := []string{}
	for i := 0; i < 200; i++ {
		line := fmt.Sprintf("line %d é\n", i)
		want.WriteString(line)
		ids = append(ids, c.request(c.shell, "execute_request", fmt.Sprintf(`{"code":%q,"silent":true}`, "print "+line)))
	}
	var got strings.Builder
	for range ids {
		c.recv(c.shell)
	}
	for _, id := range ids {
		for _, m := range c.outputs(id) {
			if m.Header.MsgType == "stream" {
				var s map[string]any
				_ = json.Unmarshal(m.Content, &s)
				got.WriteString(s["text"].(string))
			}
		}
	}
	if got.String() != want.String() {
		t.Errorf("stream text differs: got %d bytes, want %d", got.Len(), want.Len())
	}
}

func TestKernelIPCTransport(t *testing.T) {
	dir := t.TempDir()
	ports := []int{1, 2, 3, 4, 5}
	c, _ := startKernelOn(t, &kernel.ConnectionInfo{Transport: "ipc", IP: dir + "/kernel", ShellPort: ports[0],
		ControlPort: ports[1], StdinPort: ports[2], IOPubPort: ports[3], HBPort: ports[4], Key: "test-key"})
	id := c.request(c.shell, "execute_request", `{"code":"print over ipc"}`)
	if _, r := c.recv(c.shell); r["status"] != "ok" {
		t.Fatalf("reply over ipc: %v", r)
	}
	if got := types(c.outputs(id)); len(got) < 4 {
		t.Errorf("iopub over ipc: %v", got)
	}
	if _, err := os.Stat(dir + "/kernel-1"); err != nil {
		t.Errorf("ipc socket file: %v", err)
	}
}

// TestKernelStopOnError: requests queued (or in flight, sent before the
// failure) behind a failed cell are aborted; one sent after the error
// reply runs.
func TestKernelStopOnError(t *testing.T) {
	c, _ := startKernel(t)
	ids := []string{
		c.request(c.shell, "execute_request", `{"code":"slow error"}`),
		c.request(c.shell, "execute_request", `{"code":"print a"}`),
		c.request(c.shell, "execute_request", `{"code":"print b"}`),
	}
	var statuses []any
	for range ids {
		_, r := c.recv(c.shell)
		statuses = append(statuses, r["status"])
	}
	if fmt.Sprint(statuses) != "[error aborted aborted]" {
		t.Errorf("statuses = %v; want [error aborted aborted]", statuses)
	}
	c.request(c.shell, "execute_request", `{"code":"print c"}`)
	if _, r := c.recv(c.shell); r["status"] != "ok" {
		t.Errorf("request after the error reply: %v; want ok", r)
	}
}

func TestKernelShutdown(t *testing.T) {
	ev := &fakeEval{}
	info := &kernel.ConnectionInfo{IP: "127.0.0.1"}
	k, err := kernel.New(info, ev, kernel.Config{Log: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- k.Run(context.Background()) }()
	<-k.Ready()
	ci := k.Info()
	ctl := zmq4.NewDealer(context.Background())
	defer ctl.Close()
	if err := ctl.Dial(ci.Endpoint(ci.ControlPort)); err != nil {
		t.Fatal(err)
	}
	c := &client{t: t, control: ctl}
	c.signer, _ = kernel.NewSigner("", nil)
	c.request(ctl, "shutdown_request", `{"restart":true}`)
	if _, r := c.recv(ctl); r["status"] != "ok" || r["restart"] != true {
		t.Errorf("shutdown_reply = %v", r)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v; want nil after shutdown_request", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("Run did not return after shutdown_request")
	}
}

// BenchmarkRoundTrip is the kernel's own cost of a trivial cell with a
// no-op evaluator, measured by a Go client on loopback: execute_request
// sent -> execute_reply and idle received.
func BenchmarkRoundTrip(b *testing.B) {
	c, _ := startKernel(b)
	b.ResetTimer()
	lat := make([]time.Duration, 0, b.N)
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		id := c.request(c.shell, "execute_request", `{"code":"1"}`)
		c.recv(c.shell)
		c.outputs(id)
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	reportLatency(b, lat)
}

func reportLatency(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

// BenchmarkBinaryRoundTrip measures a trivial cell ("1") on the real
// gokernel binary (interp engine) with the Go client, so that the figure
// is the kernel's and not a Python client's: execute_request sent ->
// execute_reply and idle received.
func BenchmarkBinaryRoundTrip(b *testing.B) {
	built(b)
	conn := b.TempDir() + "/kernel.json"
	writeConnection(b, conn)
	raw, _ := os.ReadFile(conn)
	var ci kernel.ConnectionInfo
	_ = json.Unmarshal(raw, &ci)
	cmd := exec.Command(binary, "kernel", "-f", conn)
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	signer, _ := kernel.NewSigner(ci.SignatureScheme, []byte(ci.Key))
	c := &client{t: b, signer: signer, iopub: make(chan *kernel.Message, 1000)}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c.shell = zmq4.NewDealer(ctx, zmq4.WithDialerRetry(5*time.Millisecond), zmq4.WithDialerMaxRetries(1000))
	c.sub = zmq4.NewSub(ctx, zmq4.WithDialerRetry(5*time.Millisecond), zmq4.WithDialerMaxRetries(1000))
	_ = c.sub.SetOption(zmq4.OptionSubscribe, "")
	if err := c.shell.Dial(ci.Endpoint(ci.ShellPort)); err != nil {
		b.Fatal(err)
	}
	if err := c.sub.Dial(ci.Endpoint(ci.IOPubPort)); err != nil {
		b.Fatal(err)
	}
	go func() {
		for {
			m, err := c.sub.Recv()
			if err != nil {
				return
			}
			if d, err := kernel.Decode(m.Frames, c.signer); err == nil {
				c.iopub <- d
			}
		}
	}()
	time.Sleep(200 * time.Millisecond) // subscription
	for i := 0; i < 20; i++ {
		c.outputs(c.request(c.shell, "execute_request", `{"code":"1"}`))
		c.recv(c.shell)
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		id := c.request(c.shell, "execute_request", `{"code":"1"}`)
		c.recv(c.shell)
		c.outputs(id)
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	reportLatency(b, lat)
}
