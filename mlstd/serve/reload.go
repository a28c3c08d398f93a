package serve

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/gokernel/gokernel/mlstd/export"
	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/prep"
)

// LoadModel loads a model file written by mlstd/export: safetensors from
// export.Save, or ONNX from export.ExportONNX (by the ".onnx" extension).
// It also returns the file's content hash: the first 12 hex digits of its
// SHA-256, for Options.FileHash (and the version when none is named).
func LoadModel(path string) (nn.Module, string, error) {
	sum, err := fileHash(path)
	if err != nil {
		return nil, "", err
	}
	m, err := export.Load(path)
	if err != nil {
		return nil, "", err
	}
	return m, sum, nil
}

// fileHash returns the first 12 hex digits of the SHA-256 of path's content.
func fileHash(path string) (string, error) {
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

// rehashEvery is how many polls apart Watch hashes the file even when
// stat shows no change.
const rehashEvery = 30

// Watch polls path every interval (default 1 s) and hot-reloads the model
// when the file's content changes: the new file is loaded with LoadModel
// and swapped in with Swap. Each poll stats the file; when its size,
// modification time, change time, inode or device differ from the last
// poll's (a rename over path, an in-place write, cp -p, rsync -a, touch
// -r), the file is hashed, and it is reloaded if its SHA-256 differs from
// the served file's (Options.FileHash; without it, the file's hash when
// Watch is called). Every 30th poll hashes the file regardless, for the
// changes stat cannot show (a rewrite within the file system's timestamp
// granularity, a clock set back, file systems without change times).
//
// The reloaded model keeps the version named in Options.Version; when
// Options.Version was empty the version is the file hash, and becomes the
// new file's hash. With Options.RefFromModelFile, drift is then scored
// against the statistics the new file records (export.WithData). A
// pipelined model's file must bring a pipeline with the same raw columns
// (names and kinds), which replaces the served one together with the
// model: a raw-row request is answered by the old pair or the new one,
// never by one's model on the other's features (pairMu; requests that
// arrive during the swap wait for it), and drift follows its statistics. Replace
// the file atomically (write a temporary file in the same directory, then
// rename it over path), as export.Save does: a file caught half-written
// fails to load and is retried when it changes again. A file that fails to load or does not fit is rejected and logged
// through Options.Log while the old model keeps serving. Watching ends
// when the server stops.
func (s *Server) Watch(path string, interval time.Duration) {
	if interval <= 0 {
		interval = time.Second
	}
	w := newWatcher(s, path)
	go func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for n := 1; ; n++ {
			select {
			case <-s.done:
				return
			case <-t.C:
			}
			w.poll(n%rehashEvery == 0)
		}
	}()
}

// watcher is Watch's state between polls: what stat said last time and
// the hash of the file last loaded (or rejected).
type watcher struct {
	s     *Server
	path  string
	stamp fileStamp
	sum   string
}

func newWatcher(s *Server, path string) *watcher {
	w := &watcher{s: s, path: path, sum: s.opts.FileHash}
	w.stamp, _ = stampOf(path)
	if w.sum == "" {
		w.sum, _ = fileHash(path) // unreadable: the first readable file loads
	}
	return w
}

// poll stats the file and, if stat shows a change or rehash is set,
// hashes it and reloads it when the hash differs from the served file's.
func (w *watcher) poll(rehash bool) {
	st, ok := stampOf(w.path)
	if !ok || (st == w.stamp && !rehash) {
		return
	}
	w.stamp = st
	sum, err := fileHash(w.path)
	if err != nil || sum == w.sum {
		return // gone between stat and open, or touched with the same content
	}
	w.sum = w.s.reload(w.path, sum)
}

// reload loads path and swaps it in, logging the outcome. It returns the
// hash of what it loaded, or sum when the file was rejected (so it is
// retried only when its content changes again).
func (s *Server) reload(path, sum string) string {
	t0 := time.Now()
	m, loaded, err := LoadModel(path)
	var p *prep.Pipeline
	if err == nil {
		sum = loaded
		p, err = export.ReadPipeline(path)
	}
	if err == nil {
		if why := samePipelineInputs(s.pipe.Load(), p); why != "" {
			err = errors.New(why)
		} else if p != nil {
			err = checkPipeline(p, s.batch.width)
		}
	}
	if err == nil {
		version := ""
		if s.versionIsHash {
			version = sum
		}
		if p != nil {
			// No request may see the new model with the old pipeline.
			s.pairMu.Lock()
		}
		if err = s.Swap(m, version); err == nil && p != nil {
			testHookBetweenSwaps()
			s.setPipeline(p)
		}
		if p != nil {
			s.pairMu.Unlock()
		}
	}
	if err != nil {
		s.metrics.reloadErrors.Inc()
		s.logf("serve: reload of %s (sha256 %s) rejected, still serving version %s: %v", path, sum, s.Version(), err)
		return sum
	}
	if p == nil && s.opts.RefFromModelFile {
		s.reloadReference(path)
	}
	// Logged once the new pipeline is in place too: a client that waits
	// for the line (TestRawRowsReload) is answered by the new pair.
	s.logf("serve: reloaded %s (sha256 %s) as version %s in %v", path, sum, s.Version(), time.Since(t0).Round(time.Millisecond))
	return sum
}

// testHookBetweenSwaps runs between a reload's model swap and its
// pipeline swap (TestRawRowsReloadPairs widens that moment).
var testHookBetweenSwaps = func() {}

// reloadReference takes the drift reference recorded in a reloaded model
// file, if it has one that fits the input.
func (s *Server) reloadReference(path string) {
	mean, std, err := LoadReference(path)
	switch {
	case err != nil:
		s.logf("serve: drift reference of %s not read, the old one stays: %v", path, err)
	case mean == nil:
		// saved without statistics: the old ones stay
	case len(mean) != numel(s.opts.InputShape) || len(std) != len(mean):
		s.logf("serve: drift reference of %s has %d features, the input %d: the old one stays", path, len(mean), numel(s.opts.InputShape))
	default:
		s.drift.setReference(mean, std, false)
		s.logf("serve: drift now scored against the statistics recorded in %s", path)
	}
}

func (s *Server) logf(format string, args ...any) {
	if s.opts.Log != nil {
		s.opts.Log(fmt.Sprintf(format, args...))
	}
}
