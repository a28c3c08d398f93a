package servecmd

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gokernel/gokernel/mlstd/export"
	"github.com/gokernel/gokernel/mlstd/nn"
)

// TestServeHelperProcess is not a test: the end-to-end test re-executes
// the test binary with GOKERNEL_TEST_SERVE=1 and -test.run set to this
// function, so Run runs in its own process and gets real signals.
// Its arguments follow "--".
func TestServeHelperProcess(t *testing.T) {
	if os.Getenv("GOKERNEL_TEST_SERVE") != "1" {
		t.Skip("helper process for TestServeCommandDrainsOnSIGTERM")
	}
	args := os.Args
	for len(args) > 0 && args[0] != "--" {
		args = args[1:]
	}
	os.Exit(Main(context.Background(), "gokernel serve", args[1:], os.Stderr))
}

func TestParseServeArgs(t *testing.T) {
	path, f, err := parseServeArgs("gokernel serve", []string{"--name", "a", "m.onnx", "--max-batch=8", "--classes", "x,y"}, io.Discard)
	if err != nil || path != "m.onnx" || f.opts.Name != "a" || f.opts.MaxBatch != 8 || len(f.opts.Classes) != 2 {
		t.Errorf("parse = %q %+v %v", path, f, err)
	}
	if _, _, err := parseServeArgs("gokernel serve", []string{"a", "b"}, io.Discard); err == nil {
		t.Error("two model files: no error")
	}
	if _, _, err := parseServeArgs("gokernel serve", []string{"--bogus", "a"}, io.Discard); err == nil {
		t.Error("unknown flag: no error")
	}
}

// TestServeCommandDrainsOnSIGTERM serves an exported MNIST-shaped MLP in a
// child process, loads it with concurrent requests, sends SIGTERM mid-load
// and checks that every answered request succeeded and the process exited
// 0. It reports cold start, idle RSS and server CPU per request from /proc.
func TestServeCommandDrainsOnSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	dir := t.TempDir()
	model := filepath.Join(dir, "mnist.safetensors")
	if err := export.Save(model, nn.NewSequential(nn.NewLinear(784, 128), nn.NewReLU(), nn.NewLinear(128, 10))); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	srv := spawn(t, model, "--name", "mnist", "--addr", "127.0.0.1:0", "--watch", "0")
	url, figure := srv.waitReady(t)
	t.Logf("cold start: process start to ready %v (server's own figure %s)", time.Since(t0).Round(time.Millisecond), figure)
	cmd := srv.cmd
	pid := cmd.Process.Pid
	t.Logf("idle RSS %.1f MiB", float64(rss(t, pid))/(1<<20))

	body1, body64 := mnistBody(1), mnistBody(64)
	for _, c := range []struct {
		body    string
		n, rows int
	}{{body1, 2000, 1}, {body64, 200, 64}} {
		cpu0 := cpuTime(t, pid)
		w0 := time.Now()
		codes := load(t, url, c.body, c.n, 4, nil)
		if codes[200] != c.n {
			t.Fatalf("load: codes %v", codes)
		}
		cpu := cpuTime(t, pid) - cpu0
		t.Logf("B=%d: %d requests, server CPU %.3f ms/request, %.0f req/s (4 client goroutines, same machine)",
			c.rows, c.n, float64(cpu.Microseconds())/1000/float64(c.n), float64(c.n)/time.Since(w0).Seconds())
	}
	t.Logf("peak-ish RSS after load %.1f MiB", float64(rss(t, pid))/(1<<20))

	// SIGTERM in the middle of a load: answered requests must be 200s.
	started := make(chan struct{})
	var codes map[int]int
	done := make(chan struct{})
	go func() {
		codes = load(t, url, body64, 2000, 8, started)
		close(done)
	}()
	<-started
	time.Sleep(50 * time.Millisecond)
	err, tail := srv.stop(t)
	<-done
	if err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, tail)
	}
	if codes[200] == 0 || codes[-1] == 0 {
		t.Errorf("codes during drain %v; want 200s before the signal and refused connections (-1) after", codes)
	}
	for c := range codes {
		if c != 200 && c != -1 {
			t.Errorf("request answered %d during drain; want only 200 (or a refused connection)", c)
		}
	}
	if !strings.Contains(tail, "draining") || !strings.Contains(tail, "stopped after") {
		t.Errorf("shutdown log:\n%s", tail)
	}
	t.Logf("drain: %v; exit 0", codes)
}

// child is a serve command running in a child process (the test binary
// re-executed, see TestServeHelperProcess).
type child struct {
	cmd   *exec.Cmd
	lines *bufio.Scanner // stderr, line by line until ready
	log   string         // stderr read so far
}

// spawn starts the serve command with args in a child process.
func spawn(t *testing.T, args ...string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^TestServeHelperProcess$", "--"}, args...)...)
	cmd.Env = append(os.Environ(), "GOKERNEL_TEST_SERVE=1", "GOMAXPROCS=2")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	return &child{cmd: cmd, lines: bufio.NewScanner(stderr)}
}

var readyLine = regexp.MustCompile(`ready at (http://\S+), (\S+) after process start`)

// waitReady reads the child's log up to its ready line and returns the
// infer URL and the start-up time it reports.
func (c *child) waitReady(t *testing.T) (url, figure string) {
	t.Helper()
	for c.lines.Scan() {
		c.log += c.lines.Text() + "\n"
		if m := readyLine.FindStringSubmatch(c.lines.Text()); m != nil {
			return m[1], m[2]
		}
	}
	t.Fatalf("server never became ready (%v):\n%s", c.cmd.Wait(), c.log)
	return "", ""
}

// stop sends SIGTERM and returns how the process exited and the rest of
// its log.
func (c *child) stop(t *testing.T) (error, string) {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// Read stderr to its end before Wait, which closes the pipe (os/exec:
	// Wait must not be called before the reads from StderrPipe finish).
	var rest strings.Builder
	for c.lines.Scan() {
		rest.WriteString(c.lines.Text() + "\n")
	}
	return c.cmd.Wait(), rest.String()
}

// load sends n copies of body from g goroutines; codes[-1] counts
// connection errors (the server gone).
func load(t *testing.T, url, body string, n, g int, started chan struct{}) map[int]int {
	var mu sync.Mutex
	codes := map[int]int{}
	jobs := make(chan int, n)
	for i := 0; i < n; i++ {
		jobs <- i
	}
	close(jobs)
	tr := &http.Transport{MaxIdleConnsPerHost: g}
	defer tr.CloseIdleConnections()
	cl := &http.Client{Transport: tr, Timeout: 20 * time.Second}
	var once sync.Once
	var wg sync.WaitGroup
	for w := 0; w < g; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				resp, err := cl.Post(url, "application/json", strings.NewReader(body))
				code := -1
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					code = resp.StatusCode
				}
				mu.Lock()
				codes[code]++
				mu.Unlock()
				if started != nil {
					once.Do(func() { close(started) })
				}
			}
		}()
	}
	wg.Wait()
	return codes
}

func mnistBody(rows int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `{"inputs":[{"name":"input","shape":[%d,784],"datatype":"FP32","data":[`, rows)
	for i := 0; i < rows*784; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		if i%5 == 0 {
			b.WriteString(strconv.FormatFloat(float64(i%251)/255, 'g', -1, 32))
		} else {
			b.WriteByte('0')
		}
	}
	b.WriteString(`]}]}`)
	return b.String()
}

// cpuTime returns the process's user+system CPU time from /proc/PID/stat.
func cpuTime(t *testing.T, pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	ut, _ := strconv.Atoi(f[11]) // utime is field 14 of stat
	st, _ := strconv.Atoi(f[12])
	return time.Duration(ut+st) * (time.Second / 100) // USER_HZ
}

// rss returns VmRSS in bytes from /proc/PID/status.
func rss(t *testing.T, pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			kb, _ := strconv.Atoi(strings.Fields(l)[1])
			return kb << 10
		}
	}
	return 0
}

// saveMNIST writes a 784-128-10 MLP to dir and returns its path.
func saveMNIST(t *testing.T, dir string) string {
	t.Helper()
	model := filepath.Join(dir, "mnist.safetensors")
	if err := export.Save(model, nn.NewSequential(nn.NewLinear(784, 128), nn.NewReLU(), nn.NewLinear(128, 10))); err != nil {
		t.Fatal(err)
	}
	return model
}

// TestServeCommandSIGTERMLosesNothing: 16 keep-alive clients on their own
// sockets send one-row requests back to back; SIGTERM comes mid-load. The
// server's own count of requests ("stopped after N requests") must equal
// the responses the clients received, and every response is a 200: a
// request the server read is answered, and one it did not answer it did
// not count. Several runs, as the race it guards against is a matter of
// timing; the last with --drain-delay.
func TestServeCommandSIGTERMLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	model := saveMNIST(t, t.TempDir())
	body := mnistBody(1)
	stopped := regexp.MustCompile(`stopped after (\d+) requests`)
	for run := 0; run < 5; run++ {
		args := []string{model, "--name", "mnist", "--addr", "127.0.0.1:0", "--watch", "0"}
		if run == 4 { // clients reconnect during the delay (Connection: close), then the drain
			args = append(args, "--drain-delay", "300ms")
		}
		srv := spawn(t, args...)
		url, _ := srv.waitReady(t)
		addr := strings.TrimPrefix(strings.TrimSuffix(url, "/v2/models/mnist/infer"), "http://")
		req := fmt.Sprintf("POST /v2/models/mnist/infer HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", addr, len(body), body)
		var wg sync.WaitGroup
		var mu sync.Mutex
		codes := map[int]int{}
		lost := 0 // requests written that got no response
		var sent sync.WaitGroup
		sent.Add(16)
		for range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, l := keepAliveClient(addr, req, &sent)
				mu.Lock()
				defer mu.Unlock()
				for c, n := range got {
					codes[c] += n
				}
				lost += l
			}()
		}
		sent.Wait() // every client has had an answer
		time.Sleep(time.Duration(50+run*40) * time.Millisecond)
		err, tail := srv.stop(t)
		wg.Wait()
		if err != nil {
			t.Fatalf("run %d: exit after SIGTERM: %v\n%s", run, err, tail)
		}
		m := stopped.FindStringSubmatch(tail)
		if m == nil {
			t.Fatalf("run %d: no request count in the log:\n%s", run, tail)
		}
		n, _ := strconv.Atoi(m[1])
		received := 0
		for _, k := range codes {
			received += k
		}
		if n != received || codes[200] != received {
			t.Errorf("run %d: server counted %d requests, clients received %d responses %v (%d requests sent without an answer)", run, n, received, codes, lost)
		} else {
			t.Logf("run %d: %d requests answered and counted, %d sent as the server closed (not counted)", run, n, lost)
		}
	}
}

// keepAliveClient sends req on a keep-alive connection until the server
// is gone, reconnecting when the server closes a connection. It returns
// the response codes received and the number of requests written that got
// no response. sent.Done is called after the first response.
func keepAliveClient(addr, req string, sent *sync.WaitGroup) (codes map[int]int, lost int) {
	codes = map[int]int{}
	first := true
	defer func() {
		if first {
			sent.Done()
		}
	}()
	for {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return codes, lost // the listener is closed
		}
		br := bufio.NewReader(c)
		for {
			if _, err := io.WriteString(c, req); err != nil {
				lost++
				break
			}
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				lost++
				break
			}
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err != nil {
				lost++
				break
			}
			codes[resp.StatusCode]++
			if first {
				first = false
				sent.Done()
			}
			if resp.Close {
				break
			}
		}
		c.Close()
	}
}

// TestServeCommandSIGTERMAtStartup: SIGTERM the moment the readiness probe
// first answers 200 drains and exits 0; SIGTERM while the model is still
// loading (a FIFO that gives no bytes) exits 1 with a message. Never does
// the process die by the signal.
func TestServeCommandSIGTERMAtStartup(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	dir := t.TempDir()
	model := saveMNIST(t, dir)
	for run := 0; run < 3; run++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		srv := spawn(t, model, "--addr", addr, "--watch", "0")
		ready := "http://" + addr + "/v2/health/ready"
		cl := &http.Client{Timeout: time.Second}
		for deadline := time.Now().Add(20 * time.Second); ; {
			if resp, err := cl.Get(ready); err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					break
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("run %d: never ready", run)
			}
		}
		err, tail := srv.stop(t)
		if err != nil {
			t.Errorf("run %d: SIGTERM right after ready: %v (want exit 0)\n%s%s", run, err, srv.log, tail)
		}
	}

	fifo := filepath.Join(dir, "slow.safetensors")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no FIFO:", err)
	}
	srv := spawn(t, fifo, "--addr", "127.0.0.1:0")
	// A non-blocking open for writing succeeds once the server has the FIFO
	// open for reading: it is then loading, and stays so while this end
	// is open and silent.
	var w *os.File
	for deadline := time.Now().Add(20 * time.Second); w == nil; {
		fd, err := syscall.Open(fifo, syscall.O_WRONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
		if err == nil {
			w = os.NewFile(uintptr(fd), fifo)
		} else if time.Now().After(deadline) {
			t.Fatalf("the server never opened the model: %v", err)
		} else {
			time.Sleep(time.Millisecond)
		}
	}
	defer w.Close()
	err, tail := srv.stop(t)
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(tail, "while loading") {
		t.Errorf("SIGTERM while loading: %v (want exit status 1 and a message)\n%s", err, tail)
	}
}

// TestServeOnlyBinaryLinksNoNotebook: cmd/gokernel-serve, the container
// image's binary, links neither the interpreter and kernel nor plotting
// (gonum/plot and its fonts come with mlstd/display): 9.5 MB stripped
// instead of 34.7 MB (15.5 MB when mlstd/metrics imported display).
func TestServeOnlyBinaryLinksNoNotebook(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/gokernel/gokernel/cmd/gokernel-serve").CombinedOutput()
	if err != nil {
		t.Skipf("go list: %v\n%s", err, out)
	}
	for _, p := range strings.Fields(string(out)) {
		for _, bad := range []string{"github.com/traefik/yaegi", "github.com/gokernel/gokernel/interp", "github.com/gokernel/gokernel/kernel",
			"github.com/go-zeromq/", "gonum.org/v1/plot", "github.com/gokernel/gokernel/mlstd/display"} {
			if strings.HasPrefix(p, bad) {
				t.Errorf("gokernel-serve links %s", p)
			}
		}
	}
}

// TestMainExitsAndMessages: exit statuses and messages of the command as
// a program of its own; errors from mlstd/serve are not prefixed twice.
func TestMainExitsAndMessages(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.safetensors")
	if err := os.WriteFile(bad, []byte("not a model"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{filepath.Join(dir, "missing.safetensors")}, 1, "gokernel-serve: open " + filepath.Join(dir, "missing.safetensors") + ": no such file or directory\n"},
		{[]string{bad}, 1, "gokernel-serve: "},
		{[]string{}, 2, "gokernel-serve: want exactly one model file, got 0 arguments\nusage: gokernel-serve MODEL"},
		{[]string{"--bogus", "m"}, 2, "usage: gokernel-serve MODEL"},
		{[]string{"-h"}, 0, "usage: gokernel-serve MODEL [flags]"},
	} {
		var stderr strings.Builder
		code := Main(context.Background(), "gokernel-serve", c.args, &stderr)
		if code != c.code || !strings.Contains(stderr.String(), c.want) || strings.Contains(stderr.String(), "serve: serve:") {
			t.Errorf("gokernel-serve %q: exit %d, stderr %q; want %d and %q", c.args, code, stderr.String(), c.code, c.want)
		}
	}
}
