package servecmd

import (
	"bufio"
	"context"
	"fmt"
	"io"
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
	"github.com/gokernel/gokernel/mlstd/tensor"
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
	cmd := exec.Command(os.Args[0], "-test.run=^TestServeHelperProcess$", "--", model, "--name", "mnist", "--addr", "127.0.0.1:0", "--watch", "0")
	cmd.Env = append(os.Environ(), "GOKERNEL_TEST_SERVE=1", "GOMAXPROCS=2")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := bufio.NewScanner(stderr)
	var url, log string
	for lines.Scan() {
		log += lines.Text() + "\n"
		if m := regexp.MustCompile(`ready at (http://\S+), (\S+ \S+ \S+ \S+)`).FindStringSubmatch(lines.Text()); m != nil {
			url = m[1]
			t.Logf("cold start: process start to ready %v (server's own figure %s)", time.Since(t0).Round(time.Millisecond), m[2])
			break
		}
	}
	if url == "" {
		t.Fatalf("server never became ready (%v):\n%s", cmd.Wait(), log)
	}
	rest := make(chan string)
	go func() {
		b, _ := io.ReadAll(stderr)
		rest <- string(b)
	}()
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
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// Read stderr to its end before Wait, which closes the pipe (os/exec:
	// Wait must not be called before the reads from StderrPipe finish).
	tail := <-rest
	err = cmd.Wait()
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

func TestLoadReference(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ref.safetensors")
	ps := []nn.Param{{Name: "mean", Tensor: tensor.New([]float32{1, 2}, 2)}, {Name: "std", Tensor: tensor.New([]float32{0.5, 3}, 2)}}
	if err := export.SaveTensors(path, ps, nil); err != nil {
		t.Fatal(err)
	}
	mean, std, err := loadReference(path)
	if err != nil || len(mean) != 2 || mean[1] != 2 || std[0] != 0.5 {
		t.Errorf("loadReference = %v %v %v", mean, std, err)
	}
	if err := export.SaveTensors(path, ps[:1], nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := loadReference(path); err == nil || !strings.Contains(err.Error(), `"std"`) {
		t.Errorf("reference without std: %v", err)
	}
}
