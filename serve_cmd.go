package main

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

	"github.com/gokernel/gokernel/mlstd/export"
	"github.com/gokernel/gokernel/mlstd/serve"
)

const serveUsage = `usage: gokernel serve MODEL [flags]

Serves MODEL (a .safetensors file from export.Save, or a .onnx file from
export.ExportONNX) over the Open Inference Protocol v2 (KServe V2 REST), with
Prometheus metrics at /metrics. SIGTERM or Ctrl-C drains in-flight requests
and exits 0. A new MODEL file (renamed over it, copied onto it, rsynced: any
change of its content) is hot-reloaded; a file that does not load or fit is
logged and the old model keeps serving. The model keeps the --version it was
started with across reloads; without --version the version is the file's
content hash and changes with each reload.

flags:
`

func init() {
	commands["serve"] = command{
		usage:   "serve MODEL [--name N] [--addr HOST:PORT] [flags]",
		summary: "serve an exported model over the Open Inference Protocol v2, with /metrics",
		run:     func(ctx context.Context, args []string) error { return runServe(ctx, args, os.Stderr) },
	}
}

// serveFlags are the options of `gokernel serve`.
type serveFlags struct {
	opts      serve.Options
	watch     time.Duration
	reference string
	classes   string
}

func newServeFlagSet(f *serveFlags, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, serveUsage)
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
	fs.IntVar(&o.DriftWindow, "drift-window", 256, "input `rows` per drift score")
	fs.DurationVar(&f.watch, "watch", time.Second, "poll `interval` for a replaced model file (0: no hot reload)")
	fs.StringVar(&f.reference, "reference", "", "safetensors `file` with tensors \"mean\" and \"std\" of the training inputs, for drift scores")
	fs.StringVar(&f.classes, "classes", "", "comma-separated class `names` for metrics and stats")
	return fs
}

// parseServeArgs accepts the model path before, between or after flags.
func parseServeArgs(args []string, stderr io.Writer) (string, *serveFlags, error) {
	f := &serveFlags{}
	fs := newServeFlagSet(f, stderr)
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

// runServe is `gokernel serve`: it returns when a signal has drained the
// server (nil: exit 0) or on a startup error.
func runServe(ctx context.Context, args []string, stderr io.Writer) error {
	t0 := time.Now()
	path, f, err := parseServeArgs(args, stderr)
	if err != nil {
		return err // flag.ErrHelp exits 0, usage errors 2
	}
	model, sum, err := serve.LoadModel(path)
	if err != nil {
		return err
	}
	o := f.opts
	o.FileHash = sum
	if f.reference != "" {
		if o.RefMean, o.RefStd, err = loadReference(f.reference); err != nil {
			return err
		}
	}
	o.LoadTime = time.Since(t0)
	o.Log = func(line string) { fmt.Fprintln(stderr, "gokernel "+line) }
	srv, err := serve.Start(model, o)
	if err != nil {
		return err
	}
	if f.watch > 0 {
		srv.Watch(path, f.watch)
	}
	fmt.Fprintf(stderr, "gokernel serve: model %q version %s from %s ready in %v at %s\n",
		o.Name, srv.Version(), path, time.Since(t0).Round(100*time.Microsecond), srv.InferURL())
	// Start-up is over: the interpreter's and the kernel's code, which
	// serving never runs, need not stay resident.
	releaseStartupPages()

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	<-ctx.Done()
	stop() // a second signal kills the process at once
	fmt.Fprintf(stderr, "gokernel serve: draining (up to %v)\n", o.DrainTimeout)
	if err := srv.Stop(); err != nil {
		return err
	}
	st := srv.Stats()
	fmt.Fprintf(stderr, "gokernel serve: stopped after %d requests (%d errors)\n", st.Requests, st.Errors)
	return nil
}

// loadReference reads the "mean" and "std" tensors of a safetensors file.
func loadReference(path string) (mean, std []float64, err error) {
	ps, err := export.LoadTensors(path)
	if err != nil {
		return nil, nil, err
	}
	for _, p := range ps {
		switch p.Name {
		case "mean":
			mean = p.Tensor.Float64s()
		case "std":
			std = p.Tensor.Float64s()
		}
	}
	if mean == nil || std == nil {
		return nil, nil, fmt.Errorf("serve: %s needs tensors named \"mean\" and \"std\"", path)
	}
	return mean, std, nil
}
