package serve

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gokernel/gokernel/mlstd/data"
	"github.com/gokernel/gokernel/mlstd/export"
	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// TestWatchReloadsReplacedFile serves an exported nn.Sequential under its
// file hash, replaces the file atomically with a new model, then with a
// corrupt file and with a model of another output width: the first swaps
// in under its own hash, the others are rejected and logged while the
// model in service keeps answering.
func TestWatchReloadsReplacedFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.safetensors")
	if err := export.Save(path, nn.NewSequential(nn.NewLinear(6, 8), nn.NewReLU(), nn.NewLinear(8, 4))); err != nil {
		t.Fatal(err)
	}
	m, v1, err := LoadModel(path)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var logs []string
	s, err := Start(m, Options{Name: "m", FileHash: v1, Log: func(l string) { mu.Lock(); logs = append(logs, l); mu.Unlock() }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.Watch(path, 20*time.Millisecond)
	x := tensor.New([]float32{1, 2, 3, 4, 5, 6}, 1, 6)
	waitLog := func(n int, substr string) { // until the n-th log line, which must contain substr
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			mu.Lock()
			got := len(logs) >= n
			ok := got && strings.Contains(logs[n-1], substr)
			mu.Unlock()
			if ok {
				return
			}
			if got {
				break
			}
		}
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("no log line containing %q; logs: %q", substr, logs)
	}
	check := func(wantVersion string) {
		t.Helper()
		if _, err := Infer(s.URL(), "m", "", x); err != nil || s.Version() != wantVersion {
			t.Fatalf("after reload: version %s (want %s), infer error %v", s.Version(), wantVersion, err)
		}
	}

	time.Sleep(30 * time.Millisecond) // distinct mtime
	m2 := nn.NewSequential(nn.NewLinear(6, 8), nn.NewReLU(), nn.NewLinear(8, 4))
	if err := export.Save(path, m2); err != nil {
		t.Fatal(err)
	}
	waitLog(1, "reloaded")
	_, v2, _ := LoadModel(path)
	if v2 == v1 {
		t.Fatal("two random models hashed alike")
	}
	check(v2)

	tmp := filepath.Join(dir, "tmp")
	os.WriteFile(tmp, []byte("not a model at all"), 0o644)
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	waitLog(2, "rejected")
	check(v2)

	time.Sleep(30 * time.Millisecond)
	if err := export.Save(path, nn.NewSequential(nn.NewLinear(6, 3))); err != nil {
		t.Fatal(err)
	}
	waitLog(3, "rejected")
	check(v2)
	if v := value(t, scrape(t, s), "gokernel_serve_model_reload_errors_total", nil); v != 2 {
		t.Errorf("reload errors = %v; want 2", v)
	}
	if v := value(t, scrape(t, s), "gokernel_serve_model_info", map[string]string{"version": v2}); v != 1 {
		t.Errorf("model_info{version=%s} = %v", v2, v)
	}
}

// logSink collects a server's log lines for waitLog.
type logSink struct {
	mu    sync.Mutex
	lines []string
}

func (l *logSink) log(line string) { l.mu.Lock(); l.lines = append(l.lines, line); l.mu.Unlock() }

// waitLog waits for a log line containing substr after the first from
// lines, and returns how many lines there are up to it.
func (l *logSink) waitLog(t *testing.T, from int, substr string) int {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		l.mu.Lock()
		for i := from; i < len(l.lines); i++ {
			if strings.Contains(l.lines[i], substr) {
				l.mu.Unlock()
				return i + 1
			}
		}
		l.mu.Unlock()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	t.Fatalf("no log line after the first %d containing %q; logs: %q", from, substr, l.lines)
	return 0
}

// TestWatchSameSizeSameMtime replaces a served model file by another model
// of the same architecture (so the same size) and the same modification
// time, three ways: an in-place rewrite with the old mtime put back (touch
// -r), cp -p, and a rename of a file with that mtime (rsync -a). Each is
// reloaded, and the version the server was started with ("1") stays: the
// versioned URL keeps answering, with the new model's outputs.
func TestWatchSameSizeSameMtime(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.safetensors")
	newModel := func() nn.Module { return nn.NewSequential(nn.NewLinear(6, 8), nn.NewReLU(), nn.NewLinear(8, 4)) }
	if err := export.Save(path, newModel()); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	mtime := fi.ModTime()
	m, sum, err := LoadModel(path)
	if err != nil {
		t.Fatal(err)
	}
	var logs logSink
	s, err := Start(m, Options{Name: "m", Version: "1", FileHash: sum, Log: logs.log})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.Watch(path, 20*time.Millisecond)

	x := []float32{1, -2, 3, 0.5, 5, -6}
	// prepare writes a new model to a file beside path with path's mtime
	// and returns the file and the model's outputs for x.
	prepare := func(name string) (string, []float32) {
		t.Helper()
		m := newModel()
		f := filepath.Join(dir, name)
		if err := export.Save(f, m); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(f, mtime, mtime); err != nil {
			t.Fatal(err)
		}
		return f, m.Forward(tensor.New(x, 1, 6)).Data()
	}
	replaceWays := []struct {
		name    string
		replace func(src string) error
	}{
		{"in place, touch -r", func(src string) error {
			b, err := os.ReadFile(src)
			if err != nil {
				return err
			}
			if err := os.WriteFile(path, b, 0o644); err != nil {
				return err
			}
			return os.Chtimes(path, mtime, mtime)
		}},
		{"cp -p", func(src string) error {
			if out, err := exec.Command("cp", "-p", src, path).CombinedOutput(); err != nil {
				return fmt.Errorf("%v: %s", err, out)
			}
			return nil
		}},
		{"rename (rsync -a)", func(src string) error { return os.Rename(src, path) }},
	}
	seen := 0 // log lines read
	for i, w := range replaceWays {
		src, want := prepare(fmt.Sprintf("new%d", i))
		before, _ := os.Stat(path)
		if err := w.replace(src); err != nil {
			t.Fatalf("%s: %v", w.name, err)
		}
		after, _ := os.Stat(path)
		if after.Size() != before.Size() || !after.ModTime().Equal(before.ModTime()) {
			t.Fatalf("%s: size/mtime changed (%d %v → %d %v); the test needs them equal",
				w.name, before.Size(), before.ModTime(), after.Size(), after.ModTime())
		}
		// cp -p and the in-place write truncate the file first: a poll
		// may catch it empty and reject it before the complete file loads.
		seen = logs.waitLog(t, seen, "as version 1 ")
		code, body := do(t, "POST", s.URL()+"/v2/models/m/versions/1/infer", inferBody("", []int{1, 6}, x))
		if code != 200 {
			t.Fatalf("%s: versions/1/infer after reload: %d %s", w.name, code, body)
		}
		r := decodeResponse(t, body)
		for j, v := range r.Outputs[0].Data {
			if float32(v) != want[j] {
				t.Fatalf("%s: output %v, want the new model's %v", w.name, r.Outputs[0].Data, want)
			}
		}
	}
	if s.Version() != "1" {
		t.Errorf("version %q after reloads, want the pinned \"1\"", s.Version())
	}
}

// TestWatchRehashes checks the periodic hash: a content change that stat
// does not show (the watcher's stamp is made current by hand, as on a file
// system whose timestamps did not move) is found by the rehash poll and
// by no other.
func TestWatchRehashes(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.safetensors")
	if err := export.Save(path, nn.NewSequential(nn.NewLinear(6, 4))); err != nil {
		t.Fatal(err)
	}
	m, sum, err := LoadModel(path)
	if err != nil {
		t.Fatal(err)
	}
	var logs logSink
	s, err := Start(m, Options{Name: "m", FileHash: sum, Log: logs.log})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	w := newWatcher(s, path)
	if err := export.Save(path, nn.NewSequential(nn.NewLinear(6, 4))); err != nil {
		t.Fatal(err)
	}
	w.stamp, _ = stampOf(path)
	w.poll(false)
	if s.Version() != sum {
		t.Fatalf("reloaded without a stat change or a rehash: version %s", s.Version())
	}
	w.poll(true)
	_, sum2, _ := LoadModel(path)
	if s.Version() != sum2 || sum2 == sum {
		t.Fatalf("after the rehash poll: version %s, want the new file's %s (old %s)", s.Version(), sum2, sum)
	}
	logs.waitLog(t, 0, "as version "+sum2)
}

// TestWatchReloadsDriftReference serves a model saved with its training
// data's statistics, then reloads one trained on shifted data: drift is
// then scored against the new file's statistics (low for the new data),
// as `gokernel serve` does when the reference came with the model.
func TestWatchReloadsDriftReference(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.safetensors")
	x := tensor.NewRNG(4).Rand(256, 6)
	shifted := x.AddScalar(3)
	m := nn.NewSequential(nn.NewLinear(6, 4))
	if err := export.Save(path, m, export.WithData(data.NewDataset(x, make([]int, 256)))); err != nil {
		t.Fatal(err)
	}
	model, sum, err := LoadModel(path)
	if err != nil {
		t.Fatal(err)
	}
	mean, std, err := LoadReference(path)
	if err != nil {
		t.Fatal(err)
	}
	var logs logSink
	s, err := Start(model, Options{Name: "m", FileHash: sum, RefMean: mean, RefStd: std, RefFromModelFile: true, DriftWindow: 64, Log: logs.log})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.Watch(path, 20*time.Millisecond)
	score := func() float64 {
		t.Helper()
		if _, err := Infer(s.URL(), "m", "", shifted.Slice(0, 64)); err != nil {
			t.Fatal(err)
		}
		return s.Stats().Drift
	}
	if d := score(); !(d > 5) {
		t.Fatalf("drift of shifted rows against the first file = %v; want > 5", d)
	}
	if err := export.Save(path, nn.NewSequential(nn.NewLinear(6, 4)), export.WithData(data.NewDataset(shifted, make([]int, 256)))); err != nil {
		t.Fatal(err)
	}
	logs.waitLog(t, 0, "drift now scored against the statistics recorded in "+path)
	if d := score(); !(d < 0.5) {
		t.Fatalf("drift of shifted rows against the reloaded file's statistics = %v; want < 0.5", d)
	}
}
