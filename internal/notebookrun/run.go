package notebookrun

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

// Options are the flags of `gokernel run NOTEBOOK.ipynb`.
type Options struct {
	Out         string        // where the executed notebook goes; default NAME.out.ipynb beside the input
	Timeout     time.Duration // per cell; 0 = none
	AllowErrors bool          // keep going after a failing cell
	Progress    io.Writer     // per-cell progress lines (the terminal)
}

// Read reads and checks the notebook at path: nbformat 4, a Go notebook
// (or one that declares no language), every cell an object with a
// cell_type and a source.
func Read(path string) (*Notebook, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("run: %w", err)
	}
	var head struct {
		NBFormat any `json:"nbformat"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return nil, fmt.Errorf("run: %s is not a notebook: invalid JSON: %v", path, err)
	}
	if v, _ := head.NBFormat.(float64); v != 4 {
		return nil, fmt.Errorf("run: %s: nbformat %v is not supported (need 4)", path, head.NBFormat)
	}
	nb := &Notebook{}
	if err := json.Unmarshal(b, nb); err != nil {
		return nil, fmt.Errorf("run: %s: %v", path, err)
	}
	if lang := nb.Language(); lang != "" && lang != "go" {
		return nil, fmt.Errorf("run: %s is a %s notebook, not a Go one (gokernel runs Go cells)", path, lang)
	}
	return nb, nil
}

// Language returns the notebook's declared language, or "".
func (nb *Notebook) Language() string {
	if li := nb.Metadata.LanguageInfo; li != nil {
		return strings.ToLower(li.Name)
	}
	if ks := nb.Metadata.Kernelspec; ks != nil {
		return strings.ToLower(ks.Language)
	}
	return ""
}

// cellOutputs collects one cell's outputs as the engine produces them. It
// plays the part of the notebook frontend: streams are merged, displays
// with a display_id are updated in place (in any cell), clear_output is
// honoured (with wait, at the next output).
type cellOutputs struct {
	mu          sync.Mutex
	outputs     []*Output
	pendingWipe bool
	displays    map[string][]*Output // display_id → outputs showing it, across cells
}

func (c *cellOutputs) add(o *Output) {
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
			if last.OutputType == "stream" && last.Name == name {
				last.Text += string(p)
				return len(p), nil
			}
		}
		c.add(&Output{OutputType: "stream", Name: name, Text: string(p)})
		return len(p), nil
	})
}

// show records what a cell shows. A Status line is not recorded: the
// runner is a rich front end, so mlstd shows progress as a display.
func (c *cellOutputs) show(ev interp.Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch ev := ev.(type) {
	case interp.Display:
		o := &Output{OutputType: "display_data", Data: ev.Data, Metadata: ev.Metadata}
		c.add(o)
		if ev.ID != "" {
			c.displays[ev.ID] = append(c.displays[ev.ID], o)
		}
	case interp.Update:
		for _, o := range c.displays[ev.ID] {
			o.Data, o.Metadata = ev.Data, ev.Metadata
		}
	case interp.Clear:
		if ev.Wait {
			c.pendingWipe = true
		} else {
			c.outputs = nil
		}
	}
}

// page records the pager's content (from fmt.Println?) as a display_data
// output of its bundle: Jupyter shows it in a pager and does not store it,
// and nbclient drops pager payloads, but a headless run has no pager and
// the text would be lost.
func (c *cellOutputs) page(bundle map[string]any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(bundle) > 0 {
		c.add(&Output{OutputType: "display_data", Data: bundle})
	}
}

// final returns the cell's outputs.
func (c *cellOutputs) final() []*Output {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*Output{}, c.outputs...)
}

type writerFunc func(p []byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// Run executes every code cell of the notebook at path with a fresh
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
func Run(path string, opts Options) (outPath string, images []string, err error) {
	nb, err := Read(path)
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

	displays := map[string][]*Output{}
	var code []*Cell
	for _, cell := range nb.Cells {
		if cell.CellType == "code" {
			code = append(code, cell)
		}
	}
	count := 0
	var firstErr error
	// Every code cell starts without outputs: one that does not run (after
	// a failure) shows no results of an earlier run beside this run's.
	for _, cell := range code {
		cell.Outputs, cell.ExecutionCount = nil, nil
	}
	for n, cell := range code {
		src := cell.Source.Text
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
			outs.add(&Output{OutputType: "execute_result", ExecutionCount: count, Data: result})
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
			outs.add(&Output{OutputType: "error", EName: ce.Name, EValue: ce.Value, Traceback: ce.Traceback})
			outs.mu.Unlock()
			fmt.Fprintf(opts.Progress, "%s: %s (%.2fs)\n", ce.Name, ce.Value, time.Since(start).Seconds())
			if firstErr == nil {
				firstErr = fmt.Errorf("run: %s: cell %d failed: %s: %s", path, count, ce.Name, ce.Value)
			}
		} else {
			fmt.Fprintf(opts.Progress, "ok (%.2fs)\n", time.Since(start).Seconds())
		}
		done := count
		cell.Outputs, cell.ExecutionCount = outs.final(), &done
		if cellErr != nil && !opts.AllowErrors {
			break
		}
	}
	nb.setGoMetadata()

	names, err := extractImages(nb.Cells, abs(imageDir))
	if err != nil {
		return "", nil, err
	}
	for _, name := range names {
		images = append(images, filepath.Join(imageDir, name))
	}
	buf, err := json.MarshalIndent(nb, "", " ")
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
		Stdout: outs.stream("stdout"),
		Stderr: outs.stream("stderr"),
		Show:   outs.show,
		Page:   outs.page,
		Rich:   true,
	})
	return result, err != nil && fired.Load(), err
}

// setGoMetadata records the kernel and language the notebook ran with.
func (nb *Notebook) setGoMetadata() {
	if nb.Metadata.Kernelspec == nil {
		nb.Metadata.Kernelspec = &Kernelspec{Name: "gokernel", DisplayName: "Go (gokernel)", Language: "go"}
	}
	nb.Metadata.LanguageInfo = &LanguageInfo{Name: "go", FileExtension: ".go", Mimetype: "text/x-go"}
}

// extractImages writes every PNG and SVG output to dir as cellN_K.png/svg
// (N the cell's execution count), replacing files of an earlier run, and
// returns their names.
func extractImages(cells []*Cell, dir string) ([]string, error) {
	var names []string
	for _, cell := range cells {
		n := 0
		if cell.ExecutionCount != nil {
			n = *cell.ExecutionCount
		}
		k := 0
		for _, o := range cell.Outputs {
			var body []byte
			ext := ""
			if s, ok := o.Data["image/png"].(string); ok {
				b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
				if err != nil {
					return nil, fmt.Errorf("run: cell %d: bad PNG output: %v", n, err)
				}
				body, ext = b, ".png"
			} else if svg, ok := o.Data["image/svg+xml"].(string); ok {
				body, ext = []byte(svg), ".svg"
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
