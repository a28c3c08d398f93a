package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gokernel/gokernel/internal/atomicfile"
	"github.com/gokernel/gokernel/interp"
)

// notebookOptions are the flags of `gokernel run NOTEBOOK.ipynb`.
type notebookOptions struct {
	Out         string        // where the executed notebook goes; default NAME.out.ipynb beside the input
	Timeout     time.Duration // per cell; 0 = none
	AllowErrors bool          // keep going after a failing cell
	Progress    io.Writer     // per-cell progress lines (the terminal)
}

// notebookFile is an nbformat 4 notebook kept as generic JSON so that fields
// this runner does not know survive the round trip.
type notebookFile struct {
	raw   map[string]any
	cells []map[string]any
}

func readNotebook(path string) (*notebookFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("run: %w", err)
	}
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("run: %s is not a notebook: invalid JSON: %v", path, err)
	}
	if v, _ := raw["nbformat"].(float64); v != 4 {
		return nil, fmt.Errorf("run: %s: nbformat %v is not supported (need 4)", path, raw["nbformat"])
	}
	list, ok := raw["cells"].([]any)
	if !ok {
		return nil, fmt.Errorf("run: %s: notebook has no \"cells\" list", path)
	}
	if lang := notebookLanguage(raw); lang != "" && lang != "go" {
		return nil, fmt.Errorf("run: %s is a %s notebook, not a Go one (gokernel runs Go cells)", path, lang)
	}
	nb := &notebookFile{raw: raw}
	for i, c := range list {
		cell, ok := c.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("run: %s: cell %d is not an object", path, i+1)
		}
		if _, ok := cell["cell_type"].(string); !ok {
			return nil, fmt.Errorf("run: %s: cell %d has no cell_type", path, i+1)
		}
		if _, err := cellSource(cell); err != nil {
			return nil, fmt.Errorf("run: %s: cell %d: %v", path, i+1, err)
		}
		nb.cells = append(nb.cells, cell)
	}
	return nb, nil
}

// notebookLanguage returns the notebook's declared language, or "".
func notebookLanguage(raw map[string]any) string {
	md, _ := raw["metadata"].(map[string]any)
	if li, ok := md["language_info"].(map[string]any); ok {
		if n, ok := li["name"].(string); ok {
			return strings.ToLower(n)
		}
	}
	if ks, ok := md["kernelspec"].(map[string]any); ok {
		if n, ok := ks["language"].(string); ok {
			return strings.ToLower(n)
		}
	}
	return ""
}

// cellSource joins a cell's source, which nbformat allows as a string or a
// list of strings.
func cellSource(cell map[string]any) (string, error) {
	switch s := cell["source"].(type) {
	case string:
		return s, nil
	case []any:
		var b strings.Builder
		for _, line := range s {
			str, ok := line.(string)
			if !ok {
				return "", errors.New("source list holds a non-string")
			}
			b.WriteString(str)
		}
		return b.String(), nil
	case nil:
		return "", nil
	}
	return "", errors.New("source is neither a string nor a list of strings")
}

// multiline splits text the way Jupyter stores it: a list of lines that keep
// their newlines.
func multiline(s string) []string {
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	if lines == nil {
		lines = []string{}
	}
	return lines
}

// mimeForNotebook converts a MIME bundle to nbformat's stored form: text
// types as line lists, JSON as is, binary images as base64 strings.
func mimeForNotebook(data map[string]any) map[string]any {
	out := make(map[string]any, len(data))
	for k, v := range data {
		if s, ok := v.(string); ok && k != "image/png" && k != "image/jpeg" && !strings.HasSuffix(k, "json") {
			out[k] = multiline(s)
			continue
		}
		out[k] = v
	}
	return out
}

// cellOutputs collects one cell's outputs as the engine produces them. It
// plays the part of the notebook frontend: streams are merged, displays
// with a display_id are updated in place (in any cell), clear_output is
// honoured (with wait, at the next output).
type cellOutputs struct {
	mu          sync.Mutex
	outputs     []map[string]any
	pendingWipe bool
	displays    map[string][]map[string]any // display_id → outputs showing it, across cells
}

func (c *cellOutputs) add(o map[string]any) {
	if c.pendingWipe {
		c.outputs, c.pendingWipe = nil, false
	}
	c.outputs = append(c.outputs, o)
}

func (c *cellOutputs) stream(name string) io.Writer {
	return writerFunc(func(p []byte) (int, error) {
		c.mu.Lock()
		defer c.mu.Unlock()
		if !c.pendingWipe && len(c.outputs) > 0 {
			last := c.outputs[len(c.outputs)-1]
			if last["output_type"] == "stream" && last["name"] == name {
				last["text"] = last["text"].(string) + string(p)
				return len(p), nil
			}
		}
		c.add(map[string]any{"output_type": "stream", "name": name, "text": string(p)})
		return len(p), nil
	})
}

// publish records rich output. The pager's content ("page", from
// fmt.Println?) becomes a display_data output of its bundle: Jupyter shows
// it in a pager and does not store it, and nbclient drops pager payloads,
// but a headless run has no pager and the text would be lost.
func (c *cellOutputs) publish(msgType string, content map[string]any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	data, _ := content["data"].(map[string]any)
	md, _ := content["metadata"].(map[string]any)
	if md == nil {
		md = map[string]any{}
	}
	id := ""
	if tr, ok := content["transient"].(map[string]any); ok {
		id, _ = tr["display_id"].(string)
	}
	switch msgType {
	case "page":
		if len(data) > 0 {
			c.add(map[string]any{"output_type": "display_data", "data": data, "metadata": map[string]any{}})
		}
	case "display_data":
		o := map[string]any{"output_type": "display_data", "data": data, "metadata": md}
		c.add(o)
		if id != "" {
			c.displays[id] = append(c.displays[id], o)
		}
	case "update_display_data":
		for _, o := range c.displays[id] {
			o["data"], o["metadata"] = data, md
		}
	case "clear_output":
		if wait, _ := content["wait"].(bool); wait {
			c.pendingWipe = true
		} else {
			c.outputs = nil
		}
	}
}

// final returns the outputs in nbformat's stored form.
func (c *cellOutputs) final() []any {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]any, 0, len(c.outputs))
	for _, o := range c.outputs {
		stored := map[string]any{}
		for k, v := range o {
			stored[k] = v
		}
		switch o["output_type"] {
		case "stream":
			stored["text"] = multiline(o["text"].(string))
		case "display_data", "execute_result":
			stored["data"] = mimeForNotebook(o["data"].(map[string]any))
		}
		out = append(out, stored)
	}
	return out
}

type writerFunc func(p []byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// runNotebook executes every code cell of the notebook at path with a fresh
// engine session and writes the executed notebook atomically. It returns
// the output path and the image files it extracted, as paths relative to
// the current directory when the arguments were.
//
// Cells are numbered by their execution count, as the engine's tracebacks
// ("cell 2, line 3") and the executed notebook's In [2] do.
//
// The engine runs in the notebook's directory (a cell's %cd moves it
// again), so every path is made absolute before the session starts, and
// the output directory is made then too, so that a run never ends with
// results it cannot write.
func runNotebook(path string, opts notebookOptions) (outPath string, images []string, err error) {
	nb, err := readNotebook(path)
	if err != nil {
		return "", nil, err
	}
	outPath = opts.Out
	if outPath == "" {
		outPath = strings.TrimSuffix(path, filepath.Ext(path)) + ".out.ipynb"
	}
	cwd, err := os.Getwd()
	if err != nil {
		return "", nil, fmt.Errorf("run: %w", err)
	}
	abs := func(p string) string {
		if filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(cwd, p)
	}
	absOut := abs(outPath)
	imageDir := strings.TrimSuffix(outPath, filepath.Ext(outPath)) + "_files"
	if err := checkWritable(filepath.Dir(absOut)); err != nil {
		return "", nil, fmt.Errorf("run: cannot write the executed notebook %s: %w", outPath, err)
	}
	if opts.Progress == nil {
		opts.Progress = io.Discard
	}
	sess, err := interp.New(interp.Options{CaptureFDs: true, Dir: filepath.Dir(abs(path))})
	if err != nil {
		return "", nil, fmt.Errorf("run: starting the engine: %w", err)
	}
	defer sess.Close()
	if opts.Progress == os.Stderr {
		opts.Progress = sess.LogWriter()
	}

	displays := map[string][]map[string]any{}
	var code []int
	for i, cell := range nb.cells {
		if cell["cell_type"] == "code" {
			code = append(code, i)
		}
	}
	count := 0
	var firstErr error
	// Every code cell starts without outputs: one that does not run (after
	// a failure) shows no results of an earlier run beside this run's.
	for _, i := range code {
		nb.cells[i]["outputs"], nb.cells[i]["execution_count"] = []any{}, nil
	}
	for n, i := range code {
		cell := nb.cells[i]
		src, _ := cellSource(cell)
		outs := &cellOutputs{displays: displays}
		if strings.TrimSpace(src) == "" {
			continue
		}
		count++
		fmt.Fprintf(opts.Progress, "[%d/%d] cell %d ... ", n+1, len(code), count)
		start := time.Now()
		result, timedOut, cellErr := runCell(sess, src, outs, opts.Timeout)
		if result != nil {
			outs.mu.Lock()
			outs.add(map[string]any{"output_type": "execute_result", "execution_count": count, "data": result, "metadata": map[string]any{}})
			outs.mu.Unlock()
		}
		if cellErr != nil {
			var ce *interp.CellError
			if !errors.As(cellErr, &ce) {
				ce = &interp.CellError{Name: "Error", Value: cellErr.Error(), Traceback: []string{cellErr.Error()}}
			}
			if timedOut {
				msg := fmt.Sprintf("cell timed out after %v (--timeout) and was interrupted", opts.Timeout)
				ce = &interp.CellError{Name: "TimeoutError", Value: msg, Traceback: append([]string{msg}, ce.Traceback...)}
			}
			outs.mu.Lock()
			outs.add(map[string]any{"output_type": "error", "ename": ce.Name, "evalue": ce.Value, "traceback": ce.Traceback})
			outs.mu.Unlock()
			fmt.Fprintf(opts.Progress, "%s: %s (%.2fs)\n", ce.Name, ce.Value, time.Since(start).Seconds())
			if firstErr == nil {
				firstErr = fmt.Errorf("run: %s: cell %d failed: %s: %s", path, count, ce.Name, ce.Value)
			}
		} else {
			fmt.Fprintf(opts.Progress, "ok (%.2fs)\n", time.Since(start).Seconds())
		}
		cell["outputs"], cell["execution_count"] = outs.final(), count
		if cellErr != nil && !opts.AllowErrors {
			break
		}
	}
	cells := make([]any, len(nb.cells))
	for i, c := range nb.cells {
		cells[i] = c
	}
	nb.raw["cells"] = cells
	setGoMetadata(nb.raw)

	names, err := extractImages(nb.cells, abs(imageDir))
	if err != nil {
		return "", nil, err
	}
	for _, name := range names {
		images = append(images, filepath.Join(imageDir, name))
	}
	buf, err := json.MarshalIndent(nb.raw, "", " ")
	if err != nil {
		return "", nil, fmt.Errorf("run: encoding %s: %w", outPath, err)
	}
	if err := writeFileAtomic(absOut, append(buf, '\n')); err != nil {
		return "", nil, err
	}
	if firstErr != nil && !opts.AllowErrors {
		return outPath, images, firstErr
	}
	return outPath, images, nil
}

// runCell executes one cell; past the timeout it interrupts cooperatively,
// and a few seconds later cancels the context (the engine's hard stop).
// timedOut reports whether the timeout fired.
func runCell(sess *interp.Session, src string, outs *cellOutputs, timeout time.Duration) (result map[string]any, timedOut bool, err error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var fired atomic.Bool
	if timeout > 0 {
		soft := time.AfterFunc(timeout, func() { fired.Store(true); sess.Interrupt() })
		hard := time.AfterFunc(timeout+5*time.Second, cancel)
		defer soft.Stop()
		defer hard.Stop()
	}
	result, err = sess.Execute(ctx, src, interp.Output{
		Stdout:  outs.stream("stdout"),
		Stderr:  outs.stream("stderr"),
		Publish: outs.publish,
	})
	return result, err != nil && fired.Load(), err
}

// setGoMetadata records the kernel and language the notebook ran with.
func setGoMetadata(raw map[string]any) {
	md, _ := raw["metadata"].(map[string]any)
	if md == nil {
		md = map[string]any{}
		raw["metadata"] = md
	}
	if _, ok := md["kernelspec"]; !ok {
		md["kernelspec"] = map[string]any{"name": "gokernel", "display_name": "Go (gokernel)", "language": "go"}
	}
	md["language_info"] = map[string]any{"name": "go", "file_extension": ".go", "mimetype": "text/x-go"}
}

// extractImages writes every PNG and SVG output to dir as cellN_K.png/svg
// (N the cell's execution count), replacing files of an earlier run, and
// returns their names.
func extractImages(cells []map[string]any, dir string) ([]string, error) {
	var names []string
	for _, cell := range cells {
		outs, _ := cell["outputs"].([]any)
		n, _ := cell["execution_count"].(int)
		k := 0
		for _, o := range outs {
			data, _ := o.(map[string]any)["data"].(map[string]any)
			var body []byte
			ext := ""
			if s, ok := data["image/png"].(string); ok {
				b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
				if err != nil {
					return nil, fmt.Errorf("run: cell %d: bad PNG output: %v", n, err)
				}
				body, ext = b, ".png"
			} else if lines, ok := data["image/svg+xml"].([]string); ok {
				body, ext = []byte(strings.Join(lines, "")), ".svg"
			}
			if body == nil {
				continue
			}
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, fmt.Errorf("run: %w", err)
			}
			k++
			name := fmt.Sprintf("cell%d_%d%s", n, k, ext)
			if err := writeFileAtomic(filepath.Join(dir, name), body); err != nil {
				return nil, err
			}
			names = append(names, name)
		}
	}
	return names, nil
}

// checkWritable makes dir if needed and checks that files can be created
// in it.
func checkWritable(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".gokernel-run-*")
	if err != nil {
		return err
	}
	f.Close()
	return os.Remove(f.Name())
}

// writeFileAtomic writes data to path with atomicfile: readers see the old
// file or the new one, never half of one.
func writeFileAtomic(path string, data []byte) error {
	if err := atomicfile.Write(path, data, 0o644); err != nil {
		return fmt.Errorf("run: writing %s: %w", path, err)
	}
	return nil
}
