package servecmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/gokernel/gokernel/internal/exepages"
	"github.com/gokernel/gokernel/mlstd/export"
	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/prep"
	"github.com/gokernel/gokernel/mlstd/serve"
)

const serveUsage = `usage: %s MODEL [flags]

Serves MODEL (a .safetensors file from export.Save, or a .onnx file from
export.ExportONNX) over the Open Inference Protocol v2 (KServe V2 REST), with
Prometheus metrics at /metrics. A model saved with its preprocessing
(export.WithPipeline) takes raw rows: one input per raw column. SIGTERM or Ctrl-C drains, answering every
request already sent on an open connection, and exits 0. A new MODEL file (renamed over it, copied onto it, rsynced: any
change of its content) is hot-reloaded; a file that does not load or fit is
logged and the old model keeps serving. The model keeps the --version it was
started with across reloads; without --version the version is the file's
content hash and changes with each reload.

flags:
`

// Synopsis is the command line after the program name, for usage listings.
const Synopsis = "MODEL [--name N] [--addr HOST:PORT] [flags]"

// ErrUsage marks bad command-line arguments (exit status 2).
var ErrUsage = errors.New("usage")

func usageErrorf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrUsage}, args...)...)
}

// Main runs the command as the program prog (e.g. "gokernel-serve") and
// returns its exit status: 0 after a drain or -h, 2 for bad arguments
// (with the usage), 1 for any other error (printed as "prog: ...").
func Main(ctx context.Context, prog string, args []string, stderr io.Writer) int {
	err := Run(ctx, prog, args, stderr)
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, ErrUsage):
		fmt.Fprintf(stderr, "%s: %s\nusage: %s %s\n", prog, strings.TrimPrefix(err.Error(), "usage: "), prog, Synopsis)
		return 2
	default:
		fmt.Fprintf(stderr, "%s: %v\n", prog, err)
		return 1
	}
}

// serveFlags are the options of `gokernel serve`.
type serveFlags struct {
	opts      serve.Options
	watch     time.Duration
	reference string
	classes   string
}

func newServeFlagSet(prog string, f *serveFlags, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(prog, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, serveUsage, prog)
		fs.PrintDefaults()
	}
	o := &f.opts
	fs.StringVar(&o.Name, "name", "model", "model `name` in URLs: /v2/models/NAME/infer")
	fs.StringVar(&o.Addr, "addr", "127.0.0.1:8080", "listen `address`; use :8080 to accept remote clients")
	fs.StringVar(&o.Version, "version", "", "model `version`, kept across hot reloads (default: the first 12 hex digits of the file's SHA-256, which a reload changes)")
	fs.IntVar(&o.MaxBatch, "max-batch", 64, "most `rows` merged into one forward pass by the dynamic batcher")
	fs.DurationVar(&o.MaxDelay, "max-delay", 0, "longest `wait` for more requests to fill a batch (0: only merge what is queued)")
	fs.IntVar(&o.QueueSize, "queue", 1024, "most `requests` waiting for the model; beyond it 503")
	fs.IntVar(&o.MaxRequestRows, "max-rows", 4096, "most `rows` in one request; beyond it 413")
	fs.Int64Var(&o.MaxBodyBytes, "max-body", 64<<20, "largest request body in `bytes`; beyond it 413")
	fs.DurationVar(&o.DrainTimeout, "drain-timeout", 10*time.Second, "longest `wait` for in-flight requests on shutdown")
	fs.DurationVar(&o.DrainDelay, "drain-delay", 0, "on SIGTERM, turn readiness to 400 but keep serving, new connections included, for this `duration` before draining (time for load balancers to notice)")
	fs.IntVar(&o.DriftWindow, "drift-window", 256, "input `rows` per drift score")
	fs.DurationVar(&f.watch, "watch", time.Second, "poll `interval` for a replaced model file (0: no hot reload)")
	fs.StringVar(&f.reference, "reference", "", "`file` of training data statistics for drift scores, instead of MODEL's own (export.WithData): a model file saved with them,\n"+
		"a safetensors file with tensors \"mean\" and \"std\", an IDX images file (scaled to [0, 1]), or a training CSV (*.csv, label last)")
	fs.StringVar(&f.classes, "classes", "", "comma-separated class `names` for metrics and stats")
	return fs
}

// parseServeArgs accepts the model path before, between or after flags.
func parseServeArgs(prog string, args []string, stderr io.Writer) (string, *serveFlags, error) {
	f := &serveFlags{}
	fs := newServeFlagSet(prog, f, stderr)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return "", nil, err
			}
			return "", nil, usageErrorf("%v", err)
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(pos) != 1 {
		return "", nil, usageErrorf("want exactly one model file, got %d arguments", len(pos))
	}
	if f.classes != "" {
		f.opts.Classes = strings.Split(f.classes, ",")
	}
	return pos[0], f, nil
}

// Run is the serve command under the name prog ("gokernel serve" or
// "gokernel-serve", for the usage text): it returns nil when a signal has
// drained the server (exit 0), flag.ErrHelp after -h, an error wrapping
// ErrUsage for bad arguments, or the error that stopped start-up. Errors
// from mlstd/serve lose their "serve: " prefix, which prog's own replaces.
//
// SIGINT and SIGTERM are caught from Run's first moment: one that arrives
// while the model loads ends Run with an error (exit 1, nothing was
// served); one that arrives later drains the server and Run returns nil.
func Run(ctx context.Context, prog string, args []string, stderr io.Writer) (err error) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	defer func() {
		if err != nil && !errors.Is(err, ErrUsage) && !errors.Is(err, flag.ErrHelp) {
			err = unprefixed{err}
		}
	}()
	t0 := time.Now()
	path, f, err := parseServeArgs(prog, args, stderr)
	if err != nil {
		return err // flag.ErrHelp exits 0, usage errors 2
	}
	type loaded struct {
		model nn.Module
		sum   string
		pipe  *prep.Pipeline
		err   error
	}
	done := make(chan loaded, 1)
	go func() {
		m, v, err := serve.LoadModel(path)
		var p *prep.Pipeline
		if err == nil {
			p, err = export.ReadPipeline(path)
		}
		done <- loaded{m, v, p, err}
	}()
	var l loaded
	select {
	case l = <-done:
	case s := <-sig:
		return fmt.Errorf("%v while loading %s: stopped before serving", s, path)
	case <-ctx.Done():
		return ctx.Err()
	}
	if l.err != nil {
		return l.err
	}
	model := l.model
	o := f.opts
	o.FileHash = l.sum
	if o.InputShape, err = export.ReadInputShape(path); err != nil { // nil: the model's first Linear says
		return err
	}
	if o.Pipeline = l.pipe; o.Pipeline != nil {
		if f.reference != "" {
			return fmt.Errorf("--reference does not apply to %s: its drift is scored on the raw columns against the statistics its preprocessing pipeline learnt", path)
		}
		var cols []string
		for _, in := range o.Pipeline.Inputs() {
			cols = append(cols, in.Name)
		}
		fmt.Fprintf(stderr, "gokernel serve: raw rows, one input per column (%s), go through the model's preprocessing pipeline; drift watches the number columns\n", strings.Join(cols, ", "))
		return serveModel(ctx, sig, stderr, path, model, o, f, t0)
	}
	ref := f.reference
	if ref == "" {
		ref = path // a model saved with export.WithData carries its training data's statistics
	}
	if o.RefMean, o.RefStd, err = serve.LoadReference(ref); err != nil {
		return err
	}
	o.RefFromModelFile = f.reference == ""
	switch {
	case o.RefMean != nil:
		fmt.Fprintf(stderr, "gokernel serve: input drift scored against the statistics of %d features from %s\n", len(o.RefMean), ref)
	case f.reference != "":
		return fmt.Errorf("%s has no training-data statistics (a model saved without export.WithData)", ref)
	default:
		fmt.Fprintf(stderr, "gokernel serve: no drift reference in %s (save it with export.WithData, or pass --reference): drift stays NaN\n", path)
	}
	return serveModel(ctx, sig, stderr, path, model, o, f, t0)
}

// serveModel serves model with o until a signal or ctx ends it, then drains.
func serveModel(ctx context.Context, sig chan os.Signal, stderr io.Writer, path string, model nn.Module, o serve.Options, f *serveFlags, t0 time.Time) error {
	o.LoadTime = time.Since(t0)
	o.Log = func(line string) { fmt.Fprintln(stderr, "gokernel "+line) }
	srv, err := serve.Start(model, o)
	if err != nil {
		return err
	}
	if f.watch > 0 {
		srv.Watch(path, f.watch)
	}
	since := "after process start (10 ms resolution)"
	up, ok := processAge()
	if !ok {
		up, since = time.Since(t0), "after the command started"
	}
	fmt.Fprintf(stderr, "gokernel serve: model %q version %s from %s ready at %s, %v %s (model loaded in %v)\n",
		o.Name, srv.Version(), path, srv.InferURL(), up.Round(time.Millisecond), since, o.LoadTime.Round(100*time.Microsecond))
	// Start-up is over: code that serving never runs (in the gokernel
	// binary, the interpreter's and the kernel's) need not stay resident.
	exepages.Release()

	select {
	case <-sig:
	case <-ctx.Done():
	}
	signal.Stop(sig) // a second signal kills the process at once
	if o.DrainDelay > 0 {
		fmt.Fprintf(stderr, "gokernel serve: not ready; draining in %v (up to %v)\n", o.DrainDelay, o.DrainTimeout)
	} else {
		fmt.Fprintf(stderr, "gokernel serve: draining (up to %v)\n", o.DrainTimeout)
	}
	if err := srv.Stop(); err != nil {
		return err
	}
	st := srv.Stats()
	fmt.Fprintf(stderr, "gokernel serve: stopped after %d requests (%d errors)\n", st.Requests, st.Errors)
	return nil
}

// unprefixed drops the "serve: " that mlstd/serve's errors start with: the
// command prints its own name in front of them.
type unprefixed struct{ err error }

func (u unprefixed) Error() string { return strings.TrimPrefix(u.err.Error(), "serve: ") }
func (u unprefixed) Unwrap() error { return u.err }
