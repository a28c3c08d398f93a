package serve

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/gokernel/gokernel/mlstd/export"
	"github.com/gokernel/gokernel/mlstd/nn"
)

// LoadModel loads a model file written by mlstd/export: safetensors from
// export.Save, or ONNX from export.ExportONNX (by the ".onnx" extension).
// It also returns the file's version: the first 12 hex digits of its
// SHA-256, so a replaced file gets a new version.
func LoadModel(path string) (nn.Module, string, error) {
	version, err := fileVersion(path)
	if err != nil {
		return nil, "", err
	}
	m, err := export.Load(path)
	if err != nil {
		return nil, "", err
	}
	return m, version, nil
}

func fileVersion(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("serve: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("serve: reading %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil))[:12], nil
}

// fileStamp identifies a file's content cheaply between polls.
type fileStamp struct {
	mod  time.Time
	size int64
}

func stampOf(path string) (fileStamp, bool) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}, false
	}
	return fileStamp{mod: fi.ModTime(), size: fi.Size()}, true
}

// Watch polls path every interval (default 1 s) and hot-reloads the model
// when the file changes: the new file is loaded with LoadModel and swapped
// in with Swap. Replace the file atomically (write a temporary file in the
// same directory, then rename it over path), as export.Save does. A file
// that fails to load or does not fit is rejected and logged through
// Options.Log; the old model keeps serving and the file is retried only
// when it changes again. Watching ends when the server stops.
func (s *Server) Watch(path string, interval time.Duration) {
	if interval <= 0 {
		interval = time.Second
	}
	last, _ := stampOf(path)
	go func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-s.done:
				return
			case <-t.C:
			}
			st, ok := stampOf(path)
			if !ok || st == last {
				continue
			}
			last = st
			s.reload(path)
		}
	}()
}

// reload loads path and swaps it in, logging the outcome.
func (s *Server) reload(path string) {
	t0 := time.Now()
	m, version, err := LoadModel(path)
	if err == nil {
		if version == s.Version() {
			return // touched, same content
		}
		err = s.Swap(m, version)
	}
	if err != nil {
		s.metrics.reloadErrors.Inc()
		s.logf("serve: reload of %s rejected, still serving version %s: %v", path, s.Version(), err)
		return
	}
	s.logf("serve: reloaded %s as version %s in %v", path, version, time.Since(t0).Round(time.Millisecond))
}

func (s *Server) logf(format string, args ...any) {
	if s.opts.Log != nil {
		s.opts.Log(fmt.Sprintf(format, args...))
	}
}
