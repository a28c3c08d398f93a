// Package servecmd is the serve command: `gokernel serve` in the gokernel
// binary and the serve-only binary cmd/gokernel-serve (the container
// image's), which run the same code with the same flags. A serve-only
// binary links neither the interpreter nor the kernel: 9.4 MB instead of
// 34.7 MB (stripped), and less package initialisation before serving.
//
// The package is the command line around mlstd/serve, which does the
// serving; it holds no serving logic of its own. Run goes through these
// steps:
//
//   - Arguments: the one model path may come before, between or after the
//     flags; anything else is a usage error (exit status 2 from Main).
//   - Signals: SIGINT and SIGTERM are caught from Run's first moment. The
//     model loads (serve.LoadModel, then export.ReadPipeline) in a
//     goroutine, so a signal during a long load ends the command at once
//     with an error saying nothing was served.
//   - Drift reference: a model saved with its preprocessing pipeline
//     (export.WithPipeline) takes raw rows, one input per raw column, and
//     its drift is scored against the statistics the pipeline learnt
//     (--reference is then an error). Otherwise the statistics come from
//     --reference if given, else from the model file itself (export.WithData);
//     without any, drift scores stay NaN and the command says so.
//   - Serving: serve.Start with the flags' options; with --watch > 0 the
//     model file is polled and a changed file is hot-reloaded (a file that
//     does not load keeps the old model serving: mlstd/serve's Watch). The
//     ready line gives the time since process start, read on Linux from
//     /proc/self/stat (10 ms resolution; it includes exec and every
//     package's initialisation), elsewhere the time since Run started.
//     Once ready, exepages.Release drops the executable's resident
//     read-only pages from the process (a page used later comes back by a
//     minor fault), so what stays resident is what serving touches.
//   - Shutdown: the first signal (or ctx ending) stops the server
//     gracefully (after --drain-delay, if set, during which readiness is
//     off but requests are still served), answering every request already
//     sent within --drain-timeout; a second signal kills the process at
//     once. Run then returns nil and Main exit status 0.
//
// Errors from mlstd/serve lose their "serve: " prefix: Main prints the
// program's own name in front of them.
package servecmd
