package serve

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gokernel/gokernel/mlstd/export"
	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// TestWatchReloadsReplacedFile serves an exported nn.Sequential, replaces
// the file atomically with a new model, then with a corrupt file and with
// a model of another output width: the first swaps in, the others are
// rejected and logged while the model in service keeps answering.
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
	s, err := Start(m, Options{Name: "m", Version: v1, Log: func(l string) { mu.Lock(); logs = append(logs, l); mu.Unlock() }})
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
