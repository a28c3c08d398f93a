// Package pyref runs the Python references that gokernel's tests compare
// against: Debian's /usr/bin/python3 with python3-torch, python3-onnx,
// python3-sklearn and python3-pandas (the python3 on PATH may lack them).
//
// A test calls Require with the modules it needs; when they cannot be
// imported the test is skipped, saying what to install, unless
// GOKERNEL_REQUIRE_CLIENTS=1 (set by CI) turns the skip into a failure, so
// that a comparison can never pass by not running. Run and RunFile send the
// test's inputs to the script as JSON on stdin and decode the script's
// JSON stdout; a failing script fails the test with its stderr.
//
// It is used by tests only and imports nothing beyond the standard library.
package pyref
