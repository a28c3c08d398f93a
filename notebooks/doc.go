// Package notebooks holds gokernel's example notebooks and the end-to-end
// tests that run them; it has no Go code of its own besides this comment.
//
// The .ipynb files (tour, mnist, cnn, tabular, export, optimize, serve)
// are committed executed, outputs included; penguins.csv is the tabular
// example's data. Two Go programs sit beside them: mnist.go, the MNIST
// notebook as a script for `gokernel run` (a build tag keeps it out of
// `go build ./...`), and predict, a plain Go program that loads the model
// export.ipynb writes.
//
// The tests (package notebooks_test) use gokernel the way a user does:
// TestMain builds the gokernel binary once and installs its kernelspec
// into a temporary Jupyter data directory, with Jupyter's directories
// pointed there so nothing touches $HOME, and the notebooks train for one
// epoch. Then:
//
//   - TestNotebooks runs every notebook headless with `gokernel run` and
//     through the kernelspec with nbclient, each in its own copy of this
//     directory; TestCommittedNotebooks checks the committed files (valid
//     nbformat 4, the Go kernelspec, no errors, the accuracy of the MNIST
//     notebooks' full runs).
//   - TestKernelDisplay, TestKernelInterruptFit, TestKernelEngine and
//     TestKernelFatalCrash drive the real kernel with jupyter_client
//     (scripts in testdata): live displays and their updates, the stop
//     button during train.Fit, the cell engine's scenarios, and a fatal
//     crash ending the kernel process instead of hanging it.
//   - TestBadNotebooks, TestRunOutputOrder and TestRunTimeout cover
//     `gokernel run`'s errors, output order and --timeout.
//   - TestIteratorsLikeGo runs each program of testdata/iter compiled
//     with `go run`, as a script and as a kernel cell, and wants the same
//     output from all three.
//   - TestNotebookInBrowser, TestNotebookRunsInBrowser and
//     TestCNNNotebookRunsInBrowser open notebooks in the classic Notebook
//     server in headless Chromium (playwright-core, testdata/browser) and
//     check the rendered page.
//
// The clients are the real ones: Debian's Jupyter packages run by
// /usr/bin/python3, and Chromium. A missing client skips its test with the
// reason, unless GOKERNEL_REQUIRE_CLIENTS=1 (set by CI) makes it a failure.
package notebooks
